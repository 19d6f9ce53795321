using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

// Turns .NET's "Access to the path '/x' is denied." into a host.denial report. The operation is read, best effort,
// from the System.IO frames of the stack trace; it is null when they do not say.
internal static class DenialReport
{
    // Landlock refuses file access with EACCES.
    private const int Eacces = 13;

    public static DenialParams? FromException(UnauthorizedAccessException exception)
    {
        var message = exception.Message;
        var first = message.IndexOf('\'', StringComparison.Ordinal);
        var last = message.LastIndexOf('\'');
        if (first < 0 || last <= first + 1)
        {
            return null;
        }

        return new DenialParams("file", message[(first + 1)..last], GuessOperation(exception.StackTrace), Eacces);
    }

    private static string? GuessOperation(string? stackTrace)
    {
        if (stackTrace is null)
        {
            return null;
        }

        return stackTrace switch
        {
            _ when stackTrace.Contains("Enumerat", StringComparison.Ordinal) || stackTrace.Contains("GetFiles", StringComparison.Ordinal)
                || stackTrace.Contains("GetDirectories", StringComparison.Ordinal) || stackTrace.Contains("GetFileSystemEntries", StringComparison.Ordinal) => "list",
            _ when stackTrace.Contains("Delete", StringComparison.Ordinal) => "delete",
            _ when stackTrace.Contains("System.IO.File.Write", StringComparison.Ordinal) || stackTrace.Contains("System.IO.File.Append", StringComparison.Ordinal)
                || stackTrace.Contains("System.IO.File.Create", StringComparison.Ordinal) || stackTrace.Contains("CreateDirectory", StringComparison.Ordinal)
                || stackTrace.Contains("OpenWrite", StringComparison.Ordinal) => "write",
            _ when stackTrace.Contains("System.IO.File.Read", StringComparison.Ordinal) || stackTrace.Contains("System.IO.File.Open", StringComparison.Ordinal) => "read",
            _ => null,
        };
    }
}
