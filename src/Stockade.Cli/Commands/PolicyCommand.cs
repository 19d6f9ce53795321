using System.CommandLine;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Core.Policy;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade policy list</c> and <c>stockade policy show &lt;level&gt; [--json]</c>.</summary>
internal static class PolicyCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("policy", "The security levels and what each enforces.");
        var listJson = GlobalOptions.Json();
        var list = new Command("list", "List the security levels.") { listJson };
        CliApplication.SetHandler(list, console, (parse, _) =>
        {
            if (parse.GetValue(listJson))
            {
                JsonOutput.Write(console.RawOutput, LevelPresets.All.Select(View).ToArray());
                return Task.FromResult(ExitCodes.Success);
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("level");
            table.AddColumn("what it means");
            foreach (var preset in LevelPresets.All)
            {
                table.AddRow($"[bold]{preset.Name}[/]{(preset.Level == SecurityLevel.Sandboxed ? " (default)" : "")}", TerminalText.Markup(preset.Description));
            }

            console.Output.Write(table);
            return Task.FromResult(ExitCodes.Success);
        });

        var level = new Argument<string>("level") { Description = Stockade.Core.Policy.SecurityLevelNames.List(" | ") };
        var showJson = GlobalOptions.Json();
        var show = new Command("show", "Show one level in detail.") { level, showJson };
        CliApplication.SetHandler(show, console, (parse, _) =>
        {
            var name = parse.GetValue(level)!;
            if (!SecurityLevelNames.TryParse(name, out var parsed))
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"unknown level '{name}'", $"use one of: {string.Join(", ", SecurityLevelNames.All)}.");
            }

            var preset = LevelPresets.Get(parsed);
            if (parse.GetValue(showJson))
            {
                JsonOutput.Write(console.RawOutput, View(preset));
                return Task.FromResult(ExitCodes.Success);
            }

            console.Output.MarkupLine($"[bold]{preset.Name}[/]: {TerminalText.Markup(preset.Description)}");
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("property");
            table.AddColumn("value");
            table.AddRow("Landlock (files, TCP, signals)", YesNo(preset.RequiresLandlock));
            table.AddRow("seccomp (exec, sockets, namespaces)", YesNo(preset.RequiresSeccomp));
            table.AddRow("namespaces (user, pid, net, mount)", YesNo(preset.RequiresNamespaces));
            table.AddRow("signature from a trusted key", YesNo(preset.RequiresSignature));
            table.AddRow("analysis must match declarations", YesNo(preset.AnalysisMustMatchDeclarations));
            table.AddRow("direct network", YesNo(preset.AllowDirectNetwork));
            table.AddRow("every declared permission granted", YesNo(preset.GrantAll));
            console.Output.Write(table);
            return Task.FromResult(ExitCodes.Success);
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        return command;
    }

    private static string YesNo(bool value) => value ? "[green]yes[/]" : "no";

    private static object View(LevelPreset p) => new
    {
        level = p.Name,
        description = p.Description,
        landlock = p.RequiresLandlock,
        seccomp = p.RequiresSeccomp,
        namespaces = p.RequiresNamespaces,
        signatureRequired = p.RequiresSignature,
        analysisMustMatchDeclarations = p.AnalysisMustMatchDeclarations,
        directNetwork = p.AllowDirectNetwork,
        grantAll = p.GrantAll,
    };
}
