namespace Stockade.Plugin.Serving;

// The stack trace of a plugin exception without the worker's and reflection's own frames, which say nothing to the
// plugin author and describe the worker to whoever reads the error.
internal static class PluginStackTrace
{
    private static readonly string[] HiddenFrames = ["   at Stockade.Worker.", "   at Stockade.Plugin.Serving.", "   at System.Reflection."];

    public static string? Of(Exception exception)
    {
        if (exception.StackTrace is not { } trace)
        {
            return null;
        }

        var lines = trace.Split('\n')
            .Select(line => line.TrimEnd('\r'))
            .Where(line => !HiddenFrames.Any(hidden => line.StartsWith(hidden, StringComparison.Ordinal)));
        return string.Join('\n', lines);
    }
}
