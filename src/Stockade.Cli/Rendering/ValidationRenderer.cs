using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Hosting.Validation;

namespace Stockade.Cli.Rendering;

/// <summary>
/// A validation report as a person reads it: one line per problem with its place and the fix. The
/// messages quote manifest values and file names from the plugin folder, so every field is sanitised.
/// </summary>
internal static class ValidationRenderer
{
    public static void Write(CliConsole console, ValidationReport report)
    {
        var title = TerminalText.Line(report.PluginId is null ? report.Directory : $"{report.PluginId} {report.Version}");
        foreach (var item in report.Items)
        {
            var colour = item.Severity switch { "error" => "red", "warning" => "yellow", _ => "grey" };
            var where = item.Location is null ? "" : $"{TerminalText.Line(item.Location)}: ";
            var line = $"[{colour}]{TerminalText.Markup(item.Severity)}[/] {TerminalText.Markup(where)}{TerminalText.Markup(item.Code)} ({TerminalText.Markup(item.Stage)}): {TerminalText.Markup(item.Message)}";
            if (item.Severity == "error")
            {
                console.Error.WriteLine($"{where}{item.Severity} {TerminalText.Line(item.Code)}: {TerminalText.Line(item.Message)}{(item.Hint is null ? "" : $"\n    fix: {TerminalText.Line(item.Hint)}")}");
            }
            else
            {
                console.Output.MarkupLine(line + (item.Hint is null ? "" : $"\n    [grey]fix: {TerminalText.Markup(item.Hint)}[/]"));
            }
        }

        console.Output.MarkupLine($"signature: {TerminalText.Markup(report.Signature.Status)}{(report.Signature.KeyId is null ? "" : $" (key {TerminalText.Markup(report.Signature.KeyId)})")}{(report.Signature.Problem is null ? "" : $" — {TerminalText.Markup(report.Signature.Problem)}")}");
        if (report.Permissions.Count > 0)
        {
            PermissionRenderer.Write(console, report.PluginId ?? title, report.Permissions);
        }

        var errors = report.Items.Count(i => i.Severity == "error");
        var warnings = report.Items.Count(i => i.Severity == "warning");
        if (report.IsValid)
        {
            console.Output.MarkupLine($"[green]✔ {TerminalText.Markup(title)} is valid[/]{(warnings > 0 ? $" ({warnings} warning(s))" : "")}");
        }
        else
        {
            console.Error.WriteLine($"stockade: {title} is refused: {errors} error(s){(warnings > 0 ? $", {warnings} warning(s)" : "")}");
            console.Error.WriteLine(report.IsIntegrityFailure
                ? "  next: the files do not match their signature; get a fresh copy from the publisher."
                : "  next: fix the lines above and run 'stockade validate' again.");
        }
    }
}
