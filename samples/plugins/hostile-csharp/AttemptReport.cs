namespace Samples.Hostile;

/// <summary>What one escape attempt achieved.</summary>
/// <param name="Attempt">What was tried, e.g. <c>readSecret /etc/shadow (main)</c>.</param>
/// <param name="Succeeded"><see langword="true"/> when the escape worked — a confinement failure.</param>
/// <param name="Error">The error that stopped it, or <see langword="null"/>.</param>
public sealed record AttemptReport(string Attempt, bool Succeeded, string? Error)
{
    /// <summary>Runs <paramref name="attempt"/> and reports success or the exception it threw.</summary>
    public static AttemptReport Try(string attempt, Action action)
    {
        try
        {
            action();
            return new AttemptReport(attempt, true, null);
        }
        catch (Exception e)
        {
            return new AttemptReport(attempt, false, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
