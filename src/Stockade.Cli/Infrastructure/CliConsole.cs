using Spectre.Console;

namespace Stockade.Cli.Infrastructure;

/// <summary>
/// Where the CLI writes: human output through Spectre.Console on stdout, errors on stderr, and
/// <c>--json</c> documents as plain text on stdout (never decorated). Tests pass their own writers.
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(IAnsiConsole output, TextWriter error, TextWriter rawOutput, TextReader? input, bool interactive)
    {
        Output = output;
        Error = error;
        RawOutput = rawOutput;
        Input = input;
        IsInteractive = interactive;
    }

    /// <summary>Human output (tables, colours when a terminal is attached).</summary>
    public IAnsiConsole Output { get; }

    /// <summary>Errors and next steps.</summary>
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

        return new CliConsole(output, Console.Error, Console.Out, interactive ? Console.In : null, interactive);
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

    public void WriteError(string message, string? nextStep = null)
    {
        Error.WriteLine($"stockade: {message}");
        if (!string.IsNullOrWhiteSpace(nextStep))
        {
            Error.WriteLine($"  next: {nextStep}");
        }
    }
}
