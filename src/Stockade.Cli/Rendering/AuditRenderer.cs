using System.Globalization;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Core.Audit;

namespace Stockade.Cli.Rendering;

/// <summary>
/// Audit records as a table a person can scan. Plugin, action, permission, resource and details can
/// all hold text a plugin chose (a path, a URL, a reason), so every cell passes through
/// <see cref="TerminalText"/> before it is escaped for markup.
/// </summary>
internal static class AuditRenderer
{
    public static void Write(CliConsole console, IReadOnlyList<AuditRecord> records)
    {
        if (records.Count == 0)
        {
            console.Output.MarkupLine("[grey]no audit records match[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "seq", "time (UTC)", "plugin", "action", "decision", "layer", "permission / resource", "details" })
        {
            table.AddColumn(column);
        }

        foreach (var r in records)
        {
            var decision = r.Decision switch
            {
                AuditDecision.Deny => "[red]deny[/]",
                AuditDecision.Allow => "[green]allow[/]",
                _ => "info",
            };
            var what = string.Join(" ", new[] { r.Permission, r.Resource }.Where(s => !string.IsNullOrEmpty(s)));
            var details = string.Join(", ", r.Details.Select(kv => $"{kv.Key}={kv.Value}"));
            table.AddRow(
                r.Seq.ToString(CultureInfo.InvariantCulture),
                r.Ts.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                TerminalText.Markup(r.Plugin ?? "-", 80),
                TerminalText.Markup(r.Action, 80),
                decision,
                r.Layer.ToString().ToLowerInvariant(),
                TerminalText.Markup(Shorten(TerminalText.Line(what, 400), 60)),
                TerminalText.Markup(Shorten(TerminalText.Line(details, 400), 70)));
        }

        console.Output.Write(table);
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
