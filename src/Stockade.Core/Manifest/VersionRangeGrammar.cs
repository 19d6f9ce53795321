using NuGet.Versioning;

namespace Stockade.Core.Manifest;

/// <summary>
/// The one version-range grammar of Stockade, read by the manifest (<c>requires</c>, <c>conflicts</c>) and by the
/// conflict resolver alike:
/// <list type="bullet">
/// <item>NuGet interval notation: <c>[1.0,2.0)</c>, <c>[1.0]</c> (exactly), <c>1.0</c> (at least 1.0);</item>
/// <item><c>1.*</c>: any 1.x, i.e. [1.0.0, 2.0.0) (<c>1.2.*</c> = [1.2.0, 1.3.0)); NuGet would float it to "1.0 or newer";</item>
/// <item><c>*</c>: any version;</item>
/// <item><c>^1.2.3</c>: compatible with, up to the next change of the first non-zero part (<c>^1.2</c> = [1.2, 2.0),
/// <c>^0.3</c> = [0.3, 0.4), <c>^0.0.3</c> = [0.0.3, 0.0.4));</item>
/// <item><c>~1.2.3</c>: up to the next minor (<c>~1</c> = [1.0, 2.0));</item>
/// <item>one or two comparators separated by spaces, at most one lower and one upper bound:
/// <c>&gt;=1.0.0 &lt;2.0.0</c>, <c>&gt;1.0</c>, <c>&lt;=2.0</c>, <c>=1.2.3</c>.</item>
/// </list>
/// A range that matches no version is refused. Of the two grammars this replaces (the manifest's and the
/// resolver's), this is the richer; every form the manifest accepted before is still accepted.
/// </summary>
public static class VersionRangeGrammar
{
    /// <summary>The forms, for messages.</summary>
    public const string AcceptedForms = "accepted forms: [1.0,2.0), 1.0 (at least 1.0), [1.0], 1.*, ^1.2, ~1.2, >=1.0.0 <2.0.0, *";

    /// <summary>Parses <paramref name="text"/>; never throws.</summary>
    /// <param name="text">The range text.</param>
    /// <param name="range">The range; <see cref="VersionRange.All"/> when parsing fails.</param>
    /// <param name="problem">Why it failed, with the accepted forms; empty on success.</param>
    public static bool TryParse(string? text, out VersionRange range, out string problem)
    {
        range = VersionRange.All;
        problem = string.Empty;
        var trimmed = text?.Trim() ?? string.Empty;
        var parsed = trimmed switch
        {
            "" => null,
            "*" => VersionRange.All,
            _ when trimmed[0] == '^' => Caret(trimmed[1..].Trim()),
            _ when trimmed[0] == '~' => Tilde(trimmed[1..].Trim()),
            _ when trimmed[0] is '>' or '<' or '=' => Comparators(trimmed),
            _ when trimmed.EndsWith(".*", StringComparison.Ordinal) && char.IsAsciiDigit(trimmed[0]) => Wildcard(trimmed[..^2]),
            _ => VersionRange.TryParse(trimmed, out var nuget) ? nuget : null,
        };
        if (parsed is null)
        {
            problem = trimmed.Length == 0 ? $"the range is empty ({AcceptedForms})" : $"'{text}' is not a version range ({AcceptedForms})";
            return false;
        }

        range = parsed;
        return true;
    }

    /// <summary>Normalised text of a range for messages, e.g. <c>[1.0.0, 2.0.0)</c>.</summary>
    public static string Describe(VersionRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        return range.ToNormalizedString();
    }

    private static VersionRange? Caret(string text)
    {
        if (!TryPartial(text, out var version, out var parts))
        {
            return null;
        }

        var upper = version.Major > 0 || parts == 1 ? new NuGetVersion(version.Major + 1, 0, 0)
            : version.Minor > 0 || parts == 2 ? new NuGetVersion(0, version.Minor + 1, 0)
            : new NuGetVersion(0, 0, version.Patch + 1);
        return new VersionRange(version, includeMinVersion: true, upper, includeMaxVersion: false);
    }

    // NuGet reads 1.* as a floating "1.0 or anything newer"; for "may this installed plugin be used" a person
    // writing 1.* means any 1.x, so it is read as [1.0.0, 2.0.0) (and 1.2.* as [1.2.0, 1.3.0)).
    private static VersionRange? Wildcard(string text)
    {
        if (!TryPartial(text, out var version, out var parts) || parts > 2)
        {
            return null;
        }

        var upper = parts == 1 ? new NuGetVersion(version.Major + 1, 0, 0) : new NuGetVersion(version.Major, version.Minor + 1, 0);
        return new VersionRange(version, includeMinVersion: true, upper, includeMaxVersion: false);
    }

    private static VersionRange? Tilde(string text)
    {
        if (!TryPartial(text, out var version, out var parts))
        {
            return null;
        }

        var upper = parts == 1 ? new NuGetVersion(version.Major + 1, 0, 0) : new NuGetVersion(version.Major, version.Minor + 1, 0);
        return new VersionRange(version, includeMinVersion: true, upper, includeMaxVersion: false);
    }

    private static VersionRange? Comparators(string text)
    {
        NuGetVersion? min = null, max = null;
        bool includeMin = false, includeMax = false;
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var op = token.StartsWith(">=", StringComparison.Ordinal) || token.StartsWith("<=", StringComparison.Ordinal) ? token[..2]
                : token[0] is '>' or '<' or '=' ? token[..1]
                : null;
            if (op is null || !NuGetVersion.TryParse(token[op.Length..], out var version))
            {
                return null;
            }

            switch (op)
            {
                case ">=" or ">" when min is null:
                    (min, includeMin) = (version, op == ">=");
                    break;
                case "<=" or "<" when max is null:
                    (max, includeMax) = (version, op == "<=");
                    break;
                case "=" when min is null && max is null:
                    (min, includeMin, max, includeMax) = (version, true, version, true);
                    break;
                default:
                    return null;
            }
        }

        if (min is not null && max is not null && (min > max || (min == max && !(includeMin && includeMax))))
        {
            return null;
        }

        return new VersionRange(min, includeMin, max, includeMax);
    }

    private static bool TryPartial(string text, out NuGetVersion version, out int parts)
    {
        parts = text.Split('-', '+')[0].Split('.').Length;
        return NuGetVersion.TryParse(text, out version!) && parts is >= 1 and <= 3;
    }
}
