using System.CommandLine;
using Stockade.Cli.Infrastructure;

namespace Stockade.Cli.Commands;

/// <summary>Every top-level command, in the order `stockade --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliConsole console) =>
    [
        RunCommand.Create(console),
    ];
}
