using System.Diagnostics.CodeAnalysis;

namespace Stockade.Core.Policy;

/// <summary>The lowercase names of <see cref="SecurityLevel"/> used on the command line and in files.</summary>
public static class SecurityLevelNames
{
    /// <summary>Every level name, least confined first.</summary>
    public static IReadOnlyList<string> All { get; } = ["unrestricted", "limited", "sandboxed", "strict"];

    /// <summary>The lowercase name of <paramref name="level"/>.</summary>
    public static string ToName(this SecurityLevel level) => level switch
    {
        SecurityLevel.Unrestricted => "unrestricted",
        SecurityLevel.Limited => "limited",
        SecurityLevel.Sandboxed => "sandboxed",
        SecurityLevel.Strict => "strict",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown security level."),
    };

    /// <summary>Parses a lowercase level name (exact match; <c>Strict</c> or <c>1</c> are refused).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out SecurityLevel level)
    {
        var index = text is null ? -1 : All.ToList().IndexOf(text);
        level = index < 0 ? default : (SecurityLevel)index;
        return index >= 0;
    }
}
