using Spectre.Console;
using Stockade.Hosting;

namespace Stockade.Cli.Infrastructure;

/// <summary>Asks on the terminal for an optional permission; refuses when nobody can answer.</summary>
internal sealed class ConsolePermissionPrompt(CliConsole console) : IPermissionPrompt
{
    public ValueTask<PermissionAnswer> AskAsync(string pluginId, string permission, string? reason, CancellationToken cancellationToken)
    {
        if (!console.IsInteractive)
        {
            console.Error.WriteLine($"stockade: {pluginId} asked for '{permission}' and no terminal can answer: refused. To allow it: stockade grant {pluginId} {permission}");
            return ValueTask.FromResult(PermissionAnswer.Deny);
        }

        var choice = console.Output.Prompt(new SelectionPrompt<string>()
            .Title($"[yellow]{Markup.Escape(pluginId)}[/] asks for [bold]{Markup.Escape(permission)}[/]{(reason is null ? "" : $" ({Markup.Escape(reason)})")}")
            .AddChoices("deny", "allow once", "allow always"));
        return ValueTask.FromResult(choice switch
        {
            "allow once" => PermissionAnswer.AllowOnce,
            "allow always" => PermissionAnswer.AllowAlways,
            _ => PermissionAnswer.Deny,
        });
    }
}
