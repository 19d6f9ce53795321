namespace Stockade.Linux.Canary;

/// <summary>What the canary tries. Each target must be outside what the worker was granted.</summary>
internal sealed record CanaryOptions
{
    /// <summary>A readable file the worker must not read.</summary>
    public string ForbiddenReadPath { get; init; } = "/etc/passwd";

    /// <summary>A directory the worker must not create files in.</summary>
    public string ForbiddenWriteDirectory { get; init; } = "/";

    /// <summary>A loopback TCP port to connect to; nothing needs to listen on it.</summary>
    public int ConnectPort { get; init; } = 1;

    /// <summary>An executable the worker must not exec.</summary>
    public string ExecPath { get; init; } = "/bin/sh";

    /// <summary>
    /// A directory the worker may write (its temp folder; by default the working directory, which the launcher sets to
    /// it), where the setuid probe creates a file, tries to give it the setuid bit, and removes it.
    /// </summary>
    public string WritableDirectory { get; init; } = ".";

    /// <summary>
    /// A pathname Unix socket the host listens on, connected to if <c>socket(AF_UNIX)</c> unexpectedly succeeds;
    /// <see langword="null"/> when the host prepared none (the refused <c>socket</c> call is then the proof).
    /// </summary>
    public string? UnixSocketPath { get; init; }
}
