using System.Diagnostics.CodeAnalysis;

namespace Stockade.Core.Policy;

/// <summary>The lowercase names of <see cref="SecurityLevel"/> used on the command line and in files.</summary>
public static class SecurityLevelNames
{
    /// <summary>Every level name, least confined first.</summary>
    public static IReadOnlyList<string> All { get; } = [.. LevelPresets.All.Select(p => p.Name)];

    /// <summary>The names joined for a message or a help text: <c>unrestricted, limited, sandboxed, strict</c>.</summary>
    /// <param name="separator">Between two names, e.g. <c>", "</c> or <c>" | "</c>.</param>
    public static string List(string separator = ", ") => string.Join(separator, All);

    /// <summary>The lowercase name of <paramref name="level"/>.</summary>
    public static string ToName(this SecurityLevel level) => LevelPresets.Get(level).Name;

    /// <summary>Parses a lowercase level name (exact match; <c>Strict</c> or <c>1</c> are refused).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out SecurityLevel level)
    {
        var preset = text is null ? null : LevelPresets.All.FirstOrDefault(p => string.Equals(p.Name, text, StringComparison.Ordinal));
        level = preset?.Level ?? default;
        return preset is not null;
    }
}
