using System.CommandLine;
using Stockade.Cli.Commands;

namespace Stockade.Cli.Infrastructure;

/// <summary>Builds the command tree and runs it with the error policy of the CLI.</summary>
internal static class CliApplication
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = BuildRoot(console);
        var parse = root.Parse(args);
        var misplaced = OptionLikeArguments(parse);
        if ((parse.Errors.Count > 0 || misplaced.Count > 0) && !CommandExamples.IsHelp(parse.Action))
        {
            // A mistyped command or option gets the name it was probably meant to be (DidYouMean).
            var suggestions = parse.UnmatchedTokens.Concat(misplaced)
                .Select(token => (Token: token, Suggestion: DidYouMean.For(parse.CommandResult, token)))
                .Where(t => t.Suggestion is not null)
                .ToList();
            foreach (var error in parse.Errors)
            {
                var hint = suggestions.FirstOrDefault(t => error.Message.Contains($"'{t.Token}'", StringComparison.Ordinal));
                console.WriteError(hint.Suggestion is null ? error.Message : $"{error.Message} Did you mean '{hint.Suggestion}'?");
            }

            var path = DidYouMean.Path(parse.CommandResult);
            foreach (var token in misplaced)
            {
                var hint = suggestions.FirstOrDefault(t => t.Token == token).Suggestion;
                console.WriteError($"unknown option '{token}' for '{path}'.{(hint is null ? "" : $" Did you mean '{hint}'?")}");
            }

            console.Error.WriteLine(parse.CommandResult.Command is RootCommand
                ? "  next: run 'stockade --help' (or 'stockade <command> --help') for the usage."
                : $"  next: run '{path} --help' for its usage and examples.");
            return ExitCodes.UsageOrNotFound;
        }

        var config = new InvocationConfiguration { Output = console.RawOutput, Error = console.Error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(config, cancellationToken).ConfigureAwait(false);
    }

    // Words the parser took for an argument (run's optional method, for one) though they look like an option: a
    // mistyped option, not a method called "--quite".
    private static List<string> OptionLikeArguments(ParseResult parse) =>
        [.. parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>()
            .SelectMany(a => a.Tokens)
            .Select(t => t.Value)
            .Where(v => v.Length > 1 && v[0] == '-' && !double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))];

    internal static RootCommand BuildRoot(CliConsole console)
    {
        var root = new RootCommand("Stockade: run untrusted plugins in kernel-confined worker processes.");
        root.Options.Add(GlobalOptions.Home);
        foreach (var command in CommandCatalog.Create(console))
        {
            root.Subcommands.Add(command);
        }

        CommandExamples.AddTo(root);
        return root;
    }

    /// <summary>
    /// Wraps a command body with the CLI's error policy: <see cref="CliException"/> becomes a message
    /// and its exit code; anything else is a bug, reported without a stack trace unless
    /// STOCKADE_DEBUG=1.
    /// </summary>
    public static void SetHandler(Command command, CliConsole console, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await body(parse, ct).ConfigureAwait(false);
            }
            catch (CliException ex)
            {
                console.WriteError(ex.Message, ex.NextStep);
                return ex.ExitCode;
            }
            catch (Hosting.Store.StoreException ex) when (ex.IsIntegrityFailure)
            {
                console.WriteError(ex.Message);
                return ExitCodes.IntegrityFailure;
            }
            catch (Hosting.Store.StoreException ex)
            {
                console.WriteError(ex.Message); // says what to do next (free space, permissions, another --home)
                return ExitCodes.UsageOrNotFound;
            }
            catch (Hosting.Audit.AuditWriteException ex)
            {
                // Audit before act: what could not be recorded was not done.
                console.WriteError($"refused: the audit log could not record it, and what cannot be audited is not done ({ex.Message})",
                    "free space on the audit folder's disk (or fix its permissions), then run the command again; `stockade audit verify` checks the log.");
                return ExitCodes.IntegrityFailure;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                console.WriteError("cancelled.");
                return 130;
            }
            catch (Exception ex)
            {
                console.WriteError($"internal error: {ex.GetType().Name}: {ex.Message}",
                    Environment.GetEnvironmentVariable("STOCKADE_DEBUG") == "1"
                        ? ex.ToString()
                        : "this is a bug in Stockade; run again with STOCKADE_DEBUG=1 for details and report it.");
                return ExitCodes.PluginFailed;
            }
        });
    }
}
