using System.CommandLine;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Hosting;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;

namespace Stockade.Cli.Commands;

/// <summary>Install, uninstall, list, enable and disable plugins.</summary>
internal static class PluginCommands
{
    public static Command Install(CliConsole console)
    {
        var dir = new Argument<DirectoryInfo>("plugin-dir") { Description = "The plugin folder to install (validated, copied read-only into the home)." };
        var grant = new Option<string[]>("--grant") { Description = "all | none | a declared permission (repeatable). On a terminal the rest is asked on one screen: the required permissions all or nothing, each optional one apart; with no terminal nothing else is granted. 'none' for a plugin with required permissions installs nothing (exit 3)." };
        var yes = new Option<bool>("--yes") { Description = "Do not ask: grant only what --grant says." };
        var json = GlobalOptions.Json();
        var command = new Command("install", "Validate a plugin, copy it into the home and decide its permissions.") { dir, grant, yes, json };
        CliApplication.SetHandler(command, console, async (parse, _) =>
        {
            var folder = parse.GetValue(dir)!;
            if (!folder.Exists)
            {
                throw new CliException(ExitCodes.UsageOrNotFound, $"no folder at {folder.FullName}", "give the path of a plugin folder.");
            }

            var grants = parse.GetValue(grant) ?? [];
            var ask = !parse.GetValue(yes) && console.IsInteractive && !parse.GetValue(json);
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            var installer = new PluginInstaller(host);
            var review = new InstallReview(console, grants, ask);
            InstallResult result;
            var step = console.Status.Begin($"checking {folder.FullName}: manifest, signature, analysis");
            try
            {
                result = installer.Install(folder.FullName, new InstallOptions
                {
                    Grants = grants,
                    Yes = parse.GetValue(yes),
                    By = Environment.UserName,
                    Review = report =>
                    {
                        step.Dispose(); // the screen and its questions own the terminal
                        var decided = review.Decide(report);
                        if (decided)
                        {
                            step = console.Status.Begin($"installing {report.PluginId}: copying and recording");
                        }

                        return decided;
                    },
                    Ask = ask ? review.Answer : null,
                });
            }
            catch (PluginPermissionDeniedException ex) when (review.Declined is not null)
            {
                // Declined at review: nothing was copied or recorded.
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(console.RawOutput, new { ok = false, plugin = ex.PluginId, error = new { code = PluginErrorMapping.ErrorCode(ex), message = review.Declined, next = review.DeclinedNext } });
                }

                console.WriteError(review.Declined, review.DeclinedNext);
                return ExitCodes.PermissionDenied;
            }
            catch (PluginException ex)
            {
                return Fail(console, ex, parse.GetValue(json));
            }
            catch (AuditWriteException ex)
            {
                return AuditRefused(console, host, "installed", ex);
            }
            finally
            {
                step.Dispose();
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.RawOutput, result);
                return ExitCodes.Success;
            }

            console.Output.MarkupLine($"[green]{(result.Upgraded ? "upgraded" : "installed")}[/] [bold]{TerminalText.Markup(result.PluginId)}[/] {TerminalText.Markup(result.Version)} → {TerminalText.Markup(result.Directory)}");
            PermissionRenderer.Write(console, result.PluginId, result.Permissions);
            foreach (var warning in result.Warnings)
            {
                console.Output.MarkupLine($"[yellow]warning[/] {TerminalText.Markup(warning.Code)}: {TerminalText.Markup(warning.Message)}");
            }

            // As 'stockade permissions' decides them (its own folders count as granted).
            var requiredOpen = installer.GetPermissions(result.PluginId).Permissions.Select(p => p.View)
                .Where(p => p.Required && p.Decision is not ("granted" or "partly-granted")).ToList();
            if (requiredOpen.Count > 0)
            {
                // Nobody answered (no terminal, or --yes without them in --grant): installed, but refused what it needs.
                console.Output.MarkupLine($"[yellow]not ready[/]: {TerminalText.Markup(result.PluginId)} is refused what its required permissions allow until they are granted:");
                var home = parse.GetValue(GlobalOptions.Home) is { } explicitHome ? " --home " + GrantAdvice.ShellArgument(explicitHome.FullName) : "";
                foreach (var p in requiredOpen)
                {
                    console.Output.MarkupLine($"  {TerminalText.Markup(GrantAdvice.Command(result.PluginId, p.Permission) + home)}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Uninstall(CliConsole console)
    {
        var id = new Argument<string>("id") { Description = "The installed plugin's id." };
        var command = new Command("uninstall", "Remove an installed plugin and its grants (its data folder is kept).") { id };
        CliApplication.SetHandler(command, console, async (parse, _) =>
        {
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            try
            {
                new PluginInstaller(host).Uninstall(parse.GetValue(id)!);
            }
            catch (PluginException ex)
            {
                return Fail(console, ex, json: false);
            }
            catch (AuditWriteException ex)
            {
                return AuditRefused(console, host, "uninstalled", ex);
            }

            console.Output.MarkupLine($"[yellow]uninstalled[/] {TerminalText.Markup(parse.GetValue(id)!)}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command List(CliConsole console)
    {
        var json = GlobalOptions.Json();
        var command = new Command("list", "List installed plugins.") { json };
        CliApplication.SetHandler(command, console, async (parse, _) =>
        {
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            var plugins = new PluginInstaller(host).ListInstalled();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.RawOutput, plugins.Select(p => new { p.Id, p.Version, p.Enabled, p.InstalledAt, p.Source, p.FilesHash }).ToArray());
                return ExitCodes.Success;
            }

            if (plugins.Count == 0)
            {
                console.Output.MarkupLine("[grey]no plugins installed[/] — install one with: stockade install <plugin-dir>");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("id");
            table.AddColumn("version");
            table.AddColumn("state");
            table.AddColumn("installed (UTC)");
            table.AddColumn("from");
            foreach (var p in plugins)
            {
                table.AddRow(TerminalText.Markup(p.Id), TerminalText.Markup(p.Version), p.Enabled ? "[green]enabled[/]" : "[yellow]disabled[/]", p.InstalledAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), TerminalText.Markup(p.Source));
            }

            console.Output.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command SetEnabled(CliConsole console, bool enable)
    {
        var id = new Argument<string>("id") { Description = "The installed plugin's id." };
        var command = new Command(enable ? "enable" : "disable", enable ? "Allow an installed plugin to run again." : "Stop an installed plugin from running (its grants are kept).") { id };
        CliApplication.SetHandler(command, console, async (parse, _) =>
        {
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            try
            {
                new PluginInstaller(host).SetEnabled(parse.GetValue(id)!, enable, Environment.UserName);
            }
            catch (PluginException ex)
            {
                return Fail(console, ex, json: false);
            }
            catch (AuditWriteException ex)
            {
                return AuditRefused(console, host, enable ? "enabled" : "disabled", ex);
            }

            console.Output.MarkupLine($"{(enable ? "[green]enabled[/]" : "[yellow]disabled[/]")} {TerminalText.Markup(parse.GetValue(id)!)}");
            return ExitCodes.Success;
        });
        return command;
    }

    // Audit before act: the record could not be written (or the space held for records is low), so nothing was done.
    internal static int AuditRefused(CliConsole console, PluginHost host, string done, AuditWriteException ex)
    {
        console.WriteError($"nothing was {done}: its audit record could not be written ({ex.Message})",
            $"free space in (or repair) the audit folder {host.Audit.Directory}, then run the same command again.");
        return ExitCodes.IntegrityFailure;
    }

    internal static int Fail(CliConsole console, PluginException ex, bool json)
    {
        if (json)
        {
            JsonOutput.Write(console.RawOutput, new { ok = false, plugin = ex.PluginId, error = new { code = PluginErrorMapping.ErrorCode(ex), message = ex.Message, next = ex.NextStep, problems = (ex as PluginRefusedException)?.Problems } });
        }

        PluginErrorMapping.WriteHuman(console, ex);
        return PluginErrorMapping.ExitCode(ex);
    }

}
