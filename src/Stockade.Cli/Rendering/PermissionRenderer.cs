using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Hosting.Validation;

namespace Stockade.Cli.Rendering;

/// <summary>A plugin's declared permissions, what each allows in plain words, and the decision (every manifest value sanitised).</summary>
internal static class PermissionRenderer
{
    public static void Write(CliConsole console, string pluginId, IReadOnlyList<PermissionView> permissions)
    {
        if (permissions.Count == 0)
        {
            console.Output.MarkupLine($"[grey]{TerminalText.Markup(pluginId)} declares no permissions beyond its own data and temp folders[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"permissions of {TerminalText.Markup(pluginId)}");
        table.AddColumn("permission");
        table.AddColumn("kind");
        table.AddColumn("allows");
        table.AddColumn("decision");
        foreach (var p in permissions)
        {
            var decision = p.Decision switch
            {
                "granted" => "[green]granted[/]",
                "denied" => "[red]denied[/]",
                null => "-",
                var other => $"[yellow]{TerminalText.Markup(other)}[/]",
            };
            table.AddRow(TerminalText.Markup(p.Permission), p.Required ? "required" : "optional", TerminalText.Markup(p.Meaning + (p.Reason is null ? "" : $" ({p.Reason})")), decision);
        }

        console.Output.Write(table);
    }
}
