namespace Stockade.Linux.FileSystem;

/// <summary>
/// A plugin folder holds something install, validate and sign do not accept (a link, a device, a FIFO, a socket,
/// a hard link, a file or a folder past the limits), or reading it took longer than allowed.
/// </summary>
public sealed class PluginFolderRefusedException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entry">The entry, relative to the plugin folder, with control characters made visible.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="nextStep">What to do about it.</param>
    /// <param name="timedOut">The time limit was reached.</param>
    public PluginFolderRefusedException(string entry, string problem, string nextStep, bool timedOut = false)
        : base($"'{entry}' {problem}; {nextStep}")
    {
        Entry = entry;
        Problem = problem;
        NextStep = nextStep;
        TimedOut = timedOut;
    }

    /// <summary>The entry, relative to the plugin folder (sanitised: safe to print).</summary>
    public string Entry { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }

    /// <summary>What to do about it.</summary>
    public string NextStep { get; }

    /// <summary>The folder was refused because reading it took longer than <see cref="PluginFolderLimits.Timeout"/>.</summary>
    public bool TimedOut { get; }
}
