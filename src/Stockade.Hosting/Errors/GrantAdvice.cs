using System.Buffers;

namespace Stockade.Hosting;

/// <summary>
/// Builds the <c>stockade grant</c> line a person may paste. Its parts come from the host's own
/// records (the plugin id it loaded, a permission the host parsed and printed itself), and each is
/// quoted for a POSIX shell, so a scope that holds a path a plugin chose (spaces, quotes, <c>;</c>,
/// <c>$</c>) stays one argument and runs nothing.
/// </summary>
public static class GrantAdvice
{
    private static readonly SearchValues<char> Plain =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+@%");

    /// <summary><c>stockade grant ID PERMISSION</c>, each argument quoted where a shell would read it otherwise.</summary>
    public static string Command(string pluginId, string permission) =>
        $"stockade grant {ShellArgument(pluginId)} {ShellArgument(permission)}";

    /// <summary>One shell word: as it is when it holds only plain characters, else in single quotes.</summary>
    public static string ShellArgument(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && !argument.AsSpan().ContainsAnyExcept(Plain))
        {
            return argument;
        }

        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
