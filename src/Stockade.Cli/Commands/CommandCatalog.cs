using System.CommandLine;
using Stockade.Cli.Infrastructure;

namespace Stockade.Cli.Commands;

/// <summary>Every top-level command, in the order `stockade --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console) =>
    [
        DoctorCommand.Create(console),
        InitCommand.Create(console),
        ValidateCommand.Create(console),
        SigningCommands.Keygen(console),
        SigningCommands.Sign(console),
        SigningCommands.Trust(console),
        PluginCommands.Install(console),
        PluginCommands.Uninstall(console),
        PluginCommands.List(console),
        PermissionCommands.Permissions(console),
        PermissionCommands.Change(console, grant: true),
        PermissionCommands.Change(console, grant: false),
        PluginCommands.SetEnabled(console, enable: true),
        PluginCommands.SetEnabled(console, enable: false),
        RunCommand.Create(console),
        AuditCommand.Create(console),
        PolicyCommand.Create(console),
        DemoCommand.Create(console),
    ];
}
