using System.Collections.Frozen;
using System.Text.Json;

namespace Stockade.Hosting.Contracts;

/// <summary>
/// The contracts a worker says its plugin implements (<c>contracts</c> in its <c>initialize</c> answer), read as the
/// plugin's word: only well-formed names and versions are kept, at most <see cref="MaxCount"/>, and what is dropped is
/// never shown (docs/protocol.md, "Contracts"). A dropped entry is a contract the plugin does not implement, so a typed
/// call to it is refused rather than sent.
/// </summary>
internal static class ReportedContracts
{
    /// <summary>More contracts than a plugin class implements in practice; the rest are ignored.</summary>
    public const int MaxCount = 64;

    /// <summary>The longest contract name kept.</summary>
    public const int MaxNameLength = 128;

    /// <summary>None.</summary>
    public static readonly IReadOnlyDictionary<string, int> None = FrozenDictionary<string, int>.Empty;

    /// <summary>The contracts in an <c>initialize</c> answer.</summary>
    public static IReadOnlyDictionary<string, int> Read(JsonElement? initializeResult)
    {
        if (initializeResult is not { ValueKind: JsonValueKind.Object } result
            || !result.TryGetProperty("contracts", out var contracts) || contracts.ValueKind != JsonValueKind.Object)
        {
            return None;
        }

        var kept = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in contracts.EnumerateObject())
        {
            if (kept.Count == MaxCount)
            {
                break;
            }

            if (IsName(entry.Name) && entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out var version) && version >= 0)
            {
                kept.TryAdd(entry.Name, version); // the first of a repeated key, as System.Text.Json reads objects elsewhere
            }
        }

        return kept.Count == 0 ? None : kept.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// A contract name: lower-case ASCII letters and digits first, then those and <c>. _ -</c>; safe to print and to put in
    /// advice. The host's own contract names are held to it too, so a name the host cannot match is said at once.
    /// </summary>
    public static bool IsName(string name)
    {
        if (name.Length is 0 or > MaxNameLength || !IsLowerAlnum(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!IsLowerAlnum(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;

        static bool IsLowerAlnum(char c) => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c);
    }
}
