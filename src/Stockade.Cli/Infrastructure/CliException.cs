namespace Stockade.Cli.Infrastructure;

/// <summary>
/// A user-facing failure: printed to stderr as one message plus what to do next, never as a stack
/// trace, and mapped to an exit code of <see cref="ExitCodes"/>.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, string? nextStep = null)
        : base(message)
    {
        ExitCode = exitCode;
        NextStep = nextStep;
    }

    public int ExitCode { get; }

    public string? NextStep { get; }
}
