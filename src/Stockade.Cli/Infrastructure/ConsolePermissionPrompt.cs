using Spectre.Console;
using Stockade.Cli.Rendering;
using Stockade.Hosting;

namespace Stockade.Cli.Infrastructure;

/// <summary>
/// Asks on the terminal for an optional permission; refuses when nobody can answer. The reason is
/// the plugin's own text: shown sanitised on the title line, marked as the plugin's, and cut, so it
/// cannot redraw the prompt or pass for the host's words.
/// </summary>
internal sealed class ConsolePermissionPrompt(CliConsole console) : IPermissionPrompt
{
    public ValueTask<PermissionAnswer> AskAsync(string pluginId, string permission, string? reason, CancellationToken cancellationToken)
    {
        if (!console.IsInteractive)
        {
            // The permission is the broker's own parse of the request, printed back canonically; the reason is the plugin's and is not shown here.
            console.Error.WriteLine($"stockade: {TerminalText.Line(pluginId)} asked for '{TerminalText.Line(permission)}' and no terminal can answer: refused. To allow it: {TerminalText.Line(GrantAdvice.Command(pluginId, permission))}");
            return ValueTask.FromResult(PermissionAnswer.Deny);
        }

        var choice = console.Output.Prompt(new SelectionPrompt<string>()
            .Title($"[yellow]{TerminalText.Markup(pluginId)}[/] asks for [bold]{TerminalText.Markup(permission)}[/]{(reason is null ? "" : $" (the plugin says: {TerminalText.Markup(reason, 300)})")}")
            .AddChoices("deny", "allow once", "allow always"));
        return ValueTask.FromResult(choice switch
        {
            "allow once" => PermissionAnswer.AllowOnce,
            "allow always" => PermissionAnswer.AllowAlways,
            _ => PermissionAnswer.Deny,
        });
    }
}
