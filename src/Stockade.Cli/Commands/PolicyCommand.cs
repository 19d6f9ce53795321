using System.CommandLine;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Core.Manifest;
using Stockade.Core.Policy;

namespace Stockade.Cli.Commands;

/// <summary>
/// <c>stockade policy list</c> and <c>stockade policy show &lt;name&gt; [--json]</c>: the built-in levels and the named
/// policies the applications on this home registered (recorded in its store). Every recorded value is data: names,
/// descriptions and permissions are sanitised before they reach the terminal.
/// </summary>
internal static class PolicyCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("policy", "The security levels and the host's named policies, and what each enforces.");
        var listJson = GlobalOptions.Json();
        var list = new Command("list", "List the security levels and the named policies registered on this home.") { listJson };
        CliApplication.SetHandler(list, console, async (parse, _) =>
        {
            var (policies, unreadable) = await ReadAsync(parse, console);
            if (parse.GetValue(listJson))
            {
                // One array as before; a recorded policy that does not read is an entry with valid = false and its problem.
                JsonOutput.Write(console.RawOutput, policies.Select(View).Concat(unreadable.Select(u => (object)new { level = u.Key, valid = false, problem = u.Value })).ToArray());
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("policy");
            table.AddColumn("based on");
            table.AddColumn("what it means");
            foreach (var preset in policies)
            {
                var name = preset.IsBuiltIn
                    ? $"[bold]{preset.Name}[/]{(preset.Level == SecurityLevel.Sandboxed ? " (default)" : "")}"
                    : $"[bold]{TerminalText.Markup(preset.Name)}[/] (host)";
                table.AddRow(name, preset.IsBuiltIn ? "-" : preset.Level.ToName(), TerminalText.Markup(preset.Description));
            }

            console.Output.Write(table);
            foreach (var (name, problem) in unreadable)
            {
                console.Error.WriteLine($"stockade: warning: the policy '{TerminalText.Line(name)}' recorded in this home is not valid and is never used: {TerminalText.Line(problem)}");
            }

            return ExitCodes.Success;
        });

        var level = new Argument<string>("name") { Description = SecurityLevelNames.List(" | ") + ", or a named policy from 'stockade policy list'" };
        var showJson = GlobalOptions.Json();
        var show = new Command("show", "Show one level or named policy in detail.") { level, showJson };
        CliApplication.SetHandler(show, console, async (parse, _) =>
        {
            var name = parse.GetValue(level)!;
            var (policies, unreadable) = await ReadAsync(parse, console);
            if (policies.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal)) is not { } preset)
            {
                if (unreadable.FirstOrDefault(u => u.Key == name) is { Key: not null } broken)
                {
                    throw new CliException(ExitCodes.UsageOrNotFound, $"the policy '{TerminalText.Line(name)}' recorded in this home is not valid: {TerminalText.Line(broken.Value)}",
                        "ask the application that registered it to register a corrected policy.");
                }

                var names = policies.Select(p => p.Name).ToArray();
                throw new CliException(ExitCodes.UsageOrNotFound, $"unknown level '{TerminalText.Line(name)}': no built-in level or named policy of this home has that name.{DidYouMean(name, names)}",
                    $"use one of: {TerminalText.Line(string.Join(", ", names), 400)} ('stockade policy list' shows them).");
            }

            if (parse.GetValue(showJson))
            {
                JsonOutput.Write(console.RawOutput, View(preset));
                return ExitCodes.Success;
            }

            console.Output.MarkupLine($"[bold]{TerminalText.Markup(preset.Name)}[/]: {TerminalText.Markup(preset.Description)}");
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("property");
            table.AddColumn("value");
            if (!preset.IsBuiltIn)
            {
                table.AddRow("based on", preset.Level.ToName());
            }

            table.AddRow("Landlock (files, TCP, signals)", YesNo(preset.RequiresLandlock));
            table.AddRow("seccomp (exec, sockets, namespaces)", YesNo(preset.RequiresSeccomp));
            table.AddRow("namespaces (user, pid, net, mount)", YesNo(preset.RequiresNamespaces));
            table.AddRow("signature from a trusted key", YesNo(preset.RequiresSignature));
            table.AddRow("analysis must match declarations", YesNo(preset.AnalysisMustMatchDeclarations));
            table.AddRow("direct network", YesNo(preset.AllowDirectNetwork));
            table.AddRow("every declared permission granted", YesNo(preset.GrantAll));
            if (preset.ResourceCaps is { } caps)
            {
                foreach (var limit in ResourceLimitTable.All)
                {
                    if (limit.Read(caps) is int value && value < limit.Maximum)
                    {
                        table.AddRow($"limit {limit.Key}", $"at most {value} {TerminalText.Markup(limit.Unit)}");
                    }
                }
            }

            if (preset.TimeoutCaps is { } timeouts)
            {
                foreach (var (key, value) in new[] { ("init", timeouts.Init), ("call", timeouts.Call), ("hook", timeouts.Hook) })
                {
                    if (value < TimeSpan.FromHours(24))
                    {
                        table.AddRow($"timeout {key}", $"at most {value.TotalSeconds:0.###} s");
                    }
                }
            }

            table.AddRow("may be granted at most", preset.AllowedPermissions is null ? "anything declared" : preset.AllowedPermissions.Count == 0 ? "nothing" : TerminalText.Markup(string.Join(", ", preset.AllowedPermissions), 2000));
            table.AddRow("never granted", preset.ForbiddenPermissions.Count == 0 ? "-" : TerminalText.Markup(string.Join(", ", preset.ForbiddenPermissions), 2000));
            console.Output.Write(table);
            return ExitCodes.Success;
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        return command;
    }

    /// <summary>
    /// The built-in levels, plus the named policies of the home when it has a store (a fresh machine gets the
    /// built-ins without a home being created).
    /// </summary>
    private static async Task<(IReadOnlyList<LevelPreset> Policies, IReadOnlyList<KeyValuePair<string, string>> Unreadable)> ReadAsync(ParseResult parse, CliConsole console)
    {
        var home = GlobalOptions.ResolveHome(parse);
        if (!File.Exists(Path.Combine(home, "stockade.db")))
        {
            return (LevelPresets.All, []);
        }

        await using var host = HostFactory.Create(home, console);
        return (host.Policies, host.UnreadablePolicies);
    }

    private static string DidYouMean(string text, IEnumerable<string> names) =>
        names.MinBy(n => Distance(text, n)) is { } best && Distance(text, best) <= Math.Max(2, text.Length / 3)
            ? $" Did you mean '{TerminalText.Line(best)}'?"
            : string.Empty;

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }

    private static string YesNo(bool value) => value ? "[green]yes[/]" : "no";

    private static object View(LevelPreset p) => new
    {
        level = p.Name,
        valid = true,
        builtIn = p.IsBuiltIn,
        basedOn = p.Level.ToName(),
        description = p.Description,
        landlock = p.RequiresLandlock,
        seccomp = p.RequiresSeccomp,
        namespaces = p.RequiresNamespaces,
        signatureRequired = p.RequiresSignature,
        analysisMustMatchDeclarations = p.AnalysisMustMatchDeclarations,
        directNetwork = p.AllowDirectNetwork,
        grantAll = p.GrantAll,
        limits = p.ResourceCaps is { } caps
            ? ResourceLimitTable.All.Where(l => l.Read(caps) is int v && v < l.Maximum).ToDictionary(l => l.Key, l => l.Read(caps))
            : null,
        timeouts = p.TimeoutCaps is { } t
            ? new[] { ("init", t.Init), ("call", t.Call), ("hook", t.Hook) }.Where(x => x.Item2 < TimeSpan.FromHours(24)).ToDictionary(x => x.Item1, x => x.Item2.TotalSeconds)
            : null,
        allowed = p.AllowedPermissions?.Select(a => a.ToString()).ToArray(),
        forbidden = p.ForbiddenPermissions.Select(f => f.ToString()).ToArray(),
    };
}
