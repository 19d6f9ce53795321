using System.Globalization;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Core.Audit;

namespace Stockade.Cli.Rendering;

/// <summary>Audit records as a table a person can scan.</summary>
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
                Markup.Escape(r.Plugin ?? "-"),
                Markup.Escape(r.Action),
                decision,
                r.Layer.ToString().ToLowerInvariant(),
                Markup.Escape(Shorten(what, 60)),
                Markup.Escape(Shorten(details, 70)));
        }

        console.Output.Write(table);
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
