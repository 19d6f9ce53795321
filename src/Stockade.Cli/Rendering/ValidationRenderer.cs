using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Hosting.Validation;

namespace Stockade.Cli.Rendering;

/// <summary>A validation report as a person reads it: one line per problem with its place and the fix.</summary>
internal static class ValidationRenderer
{
    public static void Write(CliConsole console, ValidationReport report)
    {
        var title = report.PluginId is null ? report.Directory : $"{report.PluginId} {report.Version}";
        foreach (var item in report.Items)
        {
            var colour = item.Severity switch { "error" => "red", "warning" => "yellow", _ => "grey" };
            var where = item.Location is null ? "" : $"{item.Location}: ";
            var line = $"[{colour}]{item.Severity}[/] {Markup.Escape(where)}{Markup.Escape(item.Code)} ({item.Stage}): {Markup.Escape(item.Message)}";
            if (item.Severity == "error")
            {
                console.Error.WriteLine($"{where}{item.Severity} {item.Code}: {item.Message}{(item.Hint is null ? "" : $"\n    fix: {item.Hint}")}");
            }
            else
            {
                console.Output.MarkupLine(line + (item.Hint is null ? "" : $"\n    [grey]fix: {Markup.Escape(item.Hint)}[/]"));
            }
        }

        console.Output.MarkupLine($"signature: {Markup.Escape(report.Signature.Status)}{(report.Signature.KeyId is null ? "" : $" (key {report.Signature.KeyId})")}{(report.Signature.Problem is null ? "" : $" — {Markup.Escape(report.Signature.Problem)}")}");
        if (report.Permissions.Count > 0)
        {
            PermissionRenderer.Write(console, report.PluginId ?? title, report.Permissions);
        }

        var errors = report.Items.Count(i => i.Severity == "error");
        var warnings = report.Items.Count(i => i.Severity == "warning");
        if (report.IsValid)
        {
            console.Output.MarkupLine($"[green]✔ {Markup.Escape(title)} is valid[/]{(warnings > 0 ? $" ({warnings} warning(s))" : "")}");
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
