using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Core.Audit;
using Stockade.Hosting;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade audit [filters] [--json]</c> and <c>stockade audit verify</c>.</summary>
internal static class AuditCommand
{
    public static Command Create(CliConsole console)
    {
        var plugin = new Option<string?>("--plugin") { Description = "Only records of this plugin." };
        var action = new Option<string?>("--action") { Description = "Only this action (e.g. permission.denied), a family (plugin) or a prefix (file.*)." };
        var since = new Option<string?>("--since") { Description = "From this time (ISO 8601, UTC if no offset), or a span ago: 10m, 2h, 1d." };
        var until = new Option<string?>("--until") { Description = "Up to this time (same forms as --since)." };
        var limit = new Option<int?>("--limit") { Description = "Only the latest N records." };
        var json = GlobalOptions.Json();
        var command = new Command("audit", "Read the audit log (hash-chained, append-only).") { plugin, action, since, until, limit, json };
        CliApplication.SetHandler(command, console, (parse, _) =>
        {
            var home = new StockadeHome(GlobalOptions.ResolveHome(parse));
            if (!Directory.Exists(home.AuditDirectory))
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"there is no audit log in {home.Root}", "check --home (or STOCKADE_HOME); the log appears with the first install or run.");
            }

            var now = DateTimeOffset.UtcNow;
            var query = new AuditQuery
            {
                Plugin = parse.GetValue(plugin),
                Action = parse.GetValue(action),
                Since = ParseTime(parse.GetValue(since), "--since", now),
                Until = ParseTime(parse.GetValue(until), "--until", now),
                Limit = parse.GetValue(limit) is int n && n <= 0
                    ? throw new CliException(ExitCodes.UsageOrNotFound, "--limit must be a positive number")
                    : parse.GetValue(limit),
            };
            var records = new AuditReader(home.AuditDirectory).Query(query).ToList();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.RawOutput, records);
                return Task.FromResult(ExitCodes.Success);
            }

            AuditRenderer.Write(console, records);
            return Task.FromResult(ExitCodes.Success);
        });

        var verifyJson = GlobalOptions.Json();
        var verify = new Command("verify", "Check the hash chain of every audit file against the head kept in the store (exit 8 if anything was edited, removed, reordered or cut).") { verifyJson };
        CliApplication.SetHandler(verify, console, (parse, _) =>
        {
            var home = new StockadeHome(GlobalOptions.ResolveHome(parse));
            if (!Directory.Exists(home.AuditDirectory))
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"there is no audit log in {home.Root}", "check --home (or STOCKADE_HOME).");
            }

            AuditHead? head = null;
            if (File.Exists(home.DatabasePath))
            {
                using var store = new StockadeStore(home.Root);
                head = store.Read();
            }

            var result = AuditVerifier.Verify(home.AuditDirectory, head);
            if (parse.GetValue(verifyJson))
            {
                JsonOutput.Write(console.RawOutput, result);
            }
            else if (result.Ok)
            {
                console.Output.MarkupLine($"[green]audit log intact[/]: {result.Records} records, chain and head verified.");
            }
            else
            {
                console.Error.WriteLine($"stockade: the audit log is not intact: {result.Problem}");
                if (result.File is not null)
                {
                    console.Error.WriteLine($"  first bad record: {Path.Combine(home.AuditDirectory, result.File)}{(result.Line is int line ? $" line {line}" : "")}");
                }

                console.Error.WriteLine("  next: keep a copy of the audit folder as evidence; records before that point are still verified.");
            }

            return Task.FromResult(result.Ok ? ExitCodes.Success : ExitCodes.IntegrityFailure);
        });
        command.Subcommands.Add(verify);
        return command;
    }

    internal static DateTimeOffset? ParseTime(string? text, string option, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > 1 && char.IsAsciiDigit(text[0]) && text[^1] is 's' or 'm' or 'h' or 'd' && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return now - (text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            });
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        throw new CliException(ExitCodes.UsageOrNotFound, $"{option} '{text}' is not a time", $"use ISO 8601 (2026-11-26T10:00:00Z) or a span ago (30m, 2h, 1d).");
    }
}
