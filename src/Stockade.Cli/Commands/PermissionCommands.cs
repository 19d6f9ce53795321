using System.CommandLine;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Hosting;
using Stockade.Hosting.Installation;

namespace Stockade.Cli.Commands;

/// <summary><c>stockade permissions &lt;id&gt;</c>, <c>grant</c> and <c>revoke</c>.</summary>
internal static class PermissionCommands
{
    public static Command Permissions(CliConsole console)
    {
        var id = new Argument<string>("id") { Description = "The installed plugin's id." };
        var json = GlobalOptions.Json();
        var command = new Command("permissions", "Show what a plugin declared, what each allows in plain words, and what was granted.") { id, json };
        CliApplication.SetHandler(command, console, async (parse, _) =>
        {
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            PermissionsReport report;
            try
            {
                report = new PluginInstaller(host).GetPermissions(parse.GetValue(id)!);
            }
            catch (PluginException ex)
            {
                return PluginCommands.Fail(console, ex, parse.GetValue(json));
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(console.RawOutput, report);
                return ExitCodes.Success;
            }

            PermissionRenderer.Write(console, report.PluginId, [.. report.Permissions.Select(p => p.View)]);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Change(CliConsole console, bool grant)
    {
        var id = new Argument<string>("id") { Description = "The installed plugin's id." };
        var permission = new Argument<string>("permission") { Description = "category:action[=scope], e.g. file:read=$PLUGIN_DATA/** (must be declared by the plugin)." };
        var command = new Command(grant ? "grant" : "revoke", grant
            ? "Grant a permission the plugin declared (a running host applies it at once)."
            : "Revoke a permission (a running host refuses it on the next call; kernel-enforced ones restart the worker).") { id, permission };
        CliApplication.SetHandler(command, console, async (parse, _) =>
        {
            await using var host = HostFactory.Create(GlobalOptions.ResolveHome(parse), console);
            var installer = new PluginInstaller(host);
            GrantChange change;
            try
            {
                change = grant
                    ? installer.Grant(parse.GetValue(id)!, parse.GetValue(permission)!, Environment.UserName)
                    : installer.Revoke(parse.GetValue(id)!, parse.GetValue(permission)!, Environment.UserName);
            }
            catch (PluginException ex)
            {
                return PluginCommands.Fail(console, ex, json: false);
            }
            catch (Stockade.Hosting.Audit.AuditWriteException ex)
            {
                return PluginCommands.AuditRefused(console, host, grant ? "granted" : "revoked", ex);
            }

            var verb = grant ? "[green]granted[/]" : "[yellow]revoked[/]";
            console.Output.MarkupLine(change.Changed
                ? $"{verb} {TerminalText.Markup(change.Permission)} for {TerminalText.Markup(change.PluginId)} ({TerminalText.Markup(change.Meaning)}); was {TerminalText.Markup(change.Before)}, now {TerminalText.Markup(change.After)}. A running host applies it at once."
                : $"{TerminalText.Markup(change.PluginId)}: {TerminalText.Markup(change.Permission)} was already {TerminalText.Markup(change.After)}; nothing changed.");
            return ExitCodes.Success;
        });
        return command;
    }
}
