using System.CommandLine;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Hosting.Validation;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade validate &lt;plugin-dir&gt; [--json]</c>: manifest, signature and static analysis, before any code runs.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliConsole console)
    {
        var dir = new Argument<DirectoryInfo>("plugin-dir") { Description = "The plugin folder (with plugin.yaml or plugin.json)." };
        var level = new Option<string?>("--level") { Description = "Judge analysis findings as this level would (strict turns undeclared use into errors)." };
        var json = GlobalOptions.Json();
        var command = new Command("validate", "Check a plugin folder: manifest, signature and static analysis (never runs its code).") { dir, level, json };
        CliApplication.SetHandler(command, console, (parse, _) =>
        {
            var folder = parse.GetValue(dir)!;
            if (!folder.Exists)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"no folder at {folder.FullName}", "give the path of a plugin folder, e.g. samples/plugins/hello-csharp.");
            }

            var home = GlobalOptions.ResolveHome(parse);
            ValidationReport report;
            using (console.Status.Begin($"checking {folder.FullName}: manifest, signature, analysis"))
            {
                report = PluginValidator.Validate(folder.FullName, new ValidationOptions { Level = parse.GetValue(level), Home = home });
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.RawOutput, report);
            }
            else
            {
                ValidationRenderer.Write(console, report);
            }

            return Task.FromResult(report.IsIntegrityFailure ? ExitCodes.IntegrityFailure : report.IsTimeout ? ExitCodes.Timeout : report.IsValid ? ExitCodes.Success : ExitCodes.PluginRefused);
        });
        return command;
    }
}
