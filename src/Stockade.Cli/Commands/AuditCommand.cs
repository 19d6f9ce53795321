using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Core.Audit;
using Stockade.Hosting;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;
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
        var verifyKey = KeyOption();
        var anchorFile = new Option<string?>("--anchor") { Description = "A signed head exported earlier with 'stockade audit anchor': the log must still reach it, unchanged." };
        var verify = new Command("verify", "Check the audit log: the hash chain of every file, the head kept in the store, the signed heads (signature, coverage of every record) and, with --anchor, a head kept elsewhere (exit 8 if anything was edited, removed, reordered, cut or appended without the key).") { verifyJson, verifyKey, anchorFile };
        CliApplication.SetHandler(verify, console, (parse, _) =>
        {
            var home = new StockadeHome(GlobalOptions.ResolveHome(parse));
            var result = VerifyHome(home, parse.GetValue(verifyKey), parse.GetValue(anchorFile));
            if (parse.GetValue(verifyJson))
            {
                JsonOutput.Write(console.RawOutput, new
                {
                    result.Ok,
                    result.Records,
                    result.Files,
                    result.SignedHeads,
                    LastSignedHead = result.LastSignedHead is { } h ? System.Text.Json.JsonDocument.Parse(h.ToLine()).RootElement : (System.Text.Json.JsonElement?)null,
                    result.UnsignedTail,
                    result.Compared,
                    result.File,
                    result.Line,
                    result.Problem,
                });
            }
            else if (result.Ok)
            {
                console.Output.MarkupLine($"[green]audit log intact[/]: {result.Records} records. Compared:");
                foreach (var line in result.Compared ?? [])
                {
                    console.Output.WriteLine("  - " + line);
                }
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

        var anchorKey = KeyOption();
        var anchor = new Command("anchor", "Print the last signed head of the audit log (one JSON line) to keep somewhere else; 'stockade audit verify --anchor FILE' checks the log still reaches it.") { anchorKey };
        CliApplication.SetHandler(anchor, console, (parse, _) =>
        {
            var home = new StockadeHome(GlobalOptions.ResolveHome(parse));
            var result = VerifyHome(home, parse.GetValue(anchorKey), null);
            if (!result.Ok)
            {
                throw new CliException(ExitCodes.IntegrityFailure, $"the audit log is not intact, so there is nothing trustworthy to anchor: {result.Problem}", "run 'stockade audit verify' for the details; keep a copy of the audit folder as evidence.");
            }

            if (result.LastSignedHead is not { } head)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"the audit log in {home.Root} has no signed head yet", "run a command that writes the audit log (e.g. 'stockade list' does not; 'stockade install' does), then anchor again.");
            }

            console.RawOutput.WriteLine(head.ToLine());
            console.RawOutput.Flush();
            return Task.FromResult(ExitCodes.Success);
        });
        command.Subcommands.Add(anchor);
        command.Subcommands.Add(AcknowledgeTail(console));
        return command;
    }

    // stockade audit acknowledge-tail FROM-TO --reason TEXT [--yes] [--key FILE]: a person vouches for records a writer
    // left unsigned (decision 46). Shows them first; never automatic.
    private static Command AcknowledgeTail(CliConsole console)
    {
        var span = new Argument<string>("FROM-TO") { Description = "The records verify names as unsigned, e.g. 120-135." };
        var reason = new Option<string?>("--reason") { Description = "Why you vouch for them (recorded), e.g. \"host killed by the OOM killer at 10:02\"." };
        var yes = new Option<bool>("--yes") { Description = "Do not ask: acknowledge after showing the records." };
        var key = KeyOption();
        var command = new Command("acknowledge-tail", "Vouch for audit records a writer left unsigned when it was killed before its next signed head (verify fails on them until then). Shows the records, records who acknowledged and why, and signs a 'recovered' head over exactly that span with the audit signing key.") { span, reason, yes, key };
        CliApplication.SetHandler(command, console, async (parse, _) =>
        {
            var text = parse.GetValue(span) ?? string.Empty;
            var dash = text.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !long.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var to) || from < 1 || to < from)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"'{TerminalText.Line(text)}' is not a span of records", "give it as FROM-TO, the numbers 'stockade audit verify' names (e.g. 120-135).");
            }

            if (string.IsNullOrWhiteSpace(parse.GetValue(reason)))
            {
                throw new CliException(ExitCodes.UsageOrNotFound, "an acknowledgement needs a reason", "add --reason \"why you vouch for these records\" (it is recorded with your name).");
            }

            var home = new StockadeHome(GlobalOptions.ResolveHome(parse));
            var keyPath = parse.GetValue(key) ?? AuditSigningKey.DefaultPath;
            AuditSigningKey signingKey;
            try
            {
                signingKey = AuditSigningKey.Load(keyPath);
            }
            catch (Exception ex) when (ex is AuditWriteException or IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"cannot load the audit signing key {keyPath}: {ex.Message}", $"run as the user who owns the key, or give it with --key FILE (or {AuditSigningKey.PathVariable}).");
            }

            using (signingKey)
            {
                if (!signingKey.CanSign)
                {
                    throw new CliException(ExitCodes.UsageOrNotFound, $"{keyPath} holds only the public part of the audit signing key", "acknowledging signs a head: give the private key with --key FILE.");
                }

                var records = Directory.Exists(home.AuditDirectory)
                    ? new AuditReader(home.AuditDirectory).Query(new AuditQuery()).Where(r => r.Seq >= from && r.Seq <= to).ToList()
                    : [];
                console.Output.MarkupLine($"records {from}–{to}, which no signed head covers:");
                AuditRenderer.Write(console, records);
                if (!parse.GetValue(yes))
                {
                    if (!console.IsInteractive)
                    {
                        throw new CliException(ExitCodes.UsageOrNotFound, "not acknowledged: there is no terminal to confirm on", "read the records above, then run the same command with --yes.");
                    }

                    if (!console.Output.Confirm($"vouch for these {records.Count} record(s) as written by your own Stockade writer?", defaultValue: false))
                    {
                        console.Output.MarkupLine("[yellow]not acknowledged[/]");
                        return ExitCodes.UsageOrNotFound;
                    }
                }

                await using var host = HostFactory.Create(home.Root, console);
                AuditVerifyResult after;
                try
                {
                    after = new PluginInstaller(host).AcknowledgeUnsignedRecords(from, to, parse.GetValue(reason)!, Environment.UserName, signingKey);
                }
                catch (InvalidOperationException ex)
                {
                    throw new CliException(ex.Message.Contains("another problem", StringComparison.Ordinal) ? ExitCodes.IntegrityFailure : ExitCodes.UsageOrNotFound,
                        "not acknowledged: " + ex.Message, "run 'stockade audit verify' to see what it finds.");
                }
                catch (AuditWriteException ex)
                {
                    return PluginCommands.AuditRefused(console, host, "acknowledged", ex);
                }

                console.Output.MarkupLine($"[green]acknowledged[/] records {from}–{to} (recorded as audit.unsigned_acknowledged; a 'recovered' head signed with key {signingKey.KeyId})");
                if (!after.Ok)
                {
                    console.Error.WriteLine($"stockade: the audit log still does not verify: {after.Problem}");
                    return ExitCodes.IntegrityFailure;
                }

                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static Option<string?> KeyOption() => new("--key")
    {
        Description = $"The audit signing key (private or public PEM). Default: ${AuditSigningKey.PathVariable}, else /etc/stockade/audit-signing.pem for root, else $XDG_CONFIG_HOME/stockade/audit-signing.pem.",
    };

    private static AuditVerifyResult VerifyHome(StockadeHome home, string? keyPath, string? anchorPath)
    {
        // The store first: a damaged or empty stockade.db is an integrity failure (exit 8) even when nothing else is left.
        var head = StoreHead.Read(home);

        if (!Directory.Exists(home.AuditDirectory))
        {
            throw new CliException(ExitCodes.UsageOrNotFound, $"there is no audit log in {home.Root}", "check --home (or STOCKADE_HOME).");
        }

        var path = keyPath ?? AuditSigningKey.DefaultPath;
        AuditSigningKey? key = null;
        if (File.Exists(path))
        {
            try
            {
                key = AuditSigningKey.Load(path);
            }
            catch (AuditWriteException ex)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, ex.Message, $"give the audit signing key with --key FILE (or {AuditSigningKey.PathVariable}).");
            }
        }
        else if (keyPath is not null || new AuditReader(home.AuditDirectory).Query(new AuditQuery { Limit = 1 }).Any())
        {
            throw new CliException(ExitCodes.IntegrityFailure, $"cannot check the signed heads: there is no audit signing key at {path}",
                $"give the key that signed this log with --key FILE (or {AuditSigningKey.PathVariable}); without it appended forgeries cannot be told from genuine records.");
        }

        AuditSignedHead? anchor = null;
        if (anchorPath is not null)
        {
            string text;
            try
            {
                text = File.ReadAllText(anchorPath).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"cannot read the anchor {anchorPath}: {ex.Message}", "give the file 'stockade audit anchor' printed.");
            }

            anchor = AuditSignedHead.TryParse(text, out var problem)
                ?? throw new CliException(ExitCodes.IntegrityFailure, $"{anchorPath} is {problem}", "give the file 'stockade audit anchor' printed, unchanged.");
        }

        using (key)
        {
            return AuditVerifier.Verify(home.AuditDirectory, new AuditVerifyOptions
            {
                StoreHead = head,
                RequireStoreHead = true,
                Key = key,
                Anchor = anchor,
                WriterOpen = AuditLog.IsOpenByAWriter(home.AuditDirectory), // never blocks; false when the marker cannot be used
            });
        }
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
