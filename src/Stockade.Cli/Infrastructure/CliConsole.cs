using Spectre.Console;
using Stockade.Cli.Rendering;

namespace Stockade.Cli.Infrastructure;

/// <summary>
/// Where the CLI writes: human output through Spectre.Console on stdout, errors on stderr, and
/// <c>--json</c> documents as plain text on stdout (never decorated). Tests pass their own writers.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(IAnsiConsole output, TextWriter error, TextWriter rawOutput, TextReader? input, bool interactive, TextWriter? errorTerminal = null)
    {
        Output = output;
        Error = error as TerminalWriter ?? new TerminalWriter(error);
        RawOutput = rawOutput;
        Input = input;
        IsInteractive = interactive;
        Status = new StatusLine(errorTerminal);
    }

    /// <summary>The spinner for long steps; it draws only when stderr is a terminal (<see cref="StatusLine"/>).</summary>
    public StatusLine Status { get; }

    /// <summary>Human output (tables, colours when a terminal is attached).</summary>
    public IAnsiConsole Output { get; }

    /// <summary>Errors and next steps; everything written here is made terminal-safe (<see cref="TerminalWriter"/>).</summary>
    public TextWriter Error { get; }

    /// <summary>Machine output: exactly one JSON document per command.</summary>
    public TextWriter RawOutput { get; }

    public TextReader? Input { get; }

    /// <summary>True when a person can answer prompts (stdin and stdout are terminals).</summary>
    public bool IsInteractive { get; }

    public static CliConsole CreateDefault()
    {
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        var output = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (Console.IsOutputRedirected)
        {
            // Piped or captured output has no terminal width to follow; 80 columns wraps the tables badly.
            output.Profile.Width = 140;
        }

        // A spinner only on a terminal a person watches: not into a pipe or a file, not in CI logs, not on a dumb terminal.
        var errorTerminal = !Console.IsErrorRedirected
            && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        return new CliConsole(output, Console.Error, Console.Out, interactive ? Console.In : null, interactive, errorTerminal ? Console.Error : null);
    }

    /// <summary>A console for tests and for capturing output: no colours, fixed width.</summary>
    public static CliConsole CreateCaptured(StringWriter output, StringWriter error, TextReader? input = null)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        ansi.Profile.Width = 160;
        return new CliConsole(ansi, error, output, input, interactive: false);
    }

    /// <summary>
    /// One error as a person reads it: the message on one line (text inside it cannot start a line of
    /// its own) and the next step, which may span lines (a debug dump).
    /// </summary>
    public void WriteError(string message, string? nextStep = null)
    {
        Error.WriteLine($"stockade: {TerminalText.Line(message)}");
        if (!string.IsNullOrWhiteSpace(nextStep))
        {
            Error.WriteLine($"  next: {TerminalText.Block(nextStep)}");
        }
    }
}
