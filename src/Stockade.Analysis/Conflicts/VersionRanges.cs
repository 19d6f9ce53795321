using NuGet.Versioning;

namespace Stockade.Analysis.Conflicts;

/// <summary>
/// Reads version ranges: NuGet interval notation (<c>[1.0,2.0)</c>, <c>1.0</c> meaning ≥ 1.0, <c>[1.0]</c>,
/// <c>1.*</c>), plus npm-like forms translated to it: <c>*</c>, <c>^1.2</c>, <c>~1.2</c>, and one or two
/// space-separated comparators (<c>&gt;=1.0.0 &lt;2.0.0</c>, <c>&gt;1.0</c>, <c>&lt;=2.0</c>, <c>=1.2.3</c>).
/// </summary>
internal static class VersionRanges
{
    public const string AcceptedForms = "accepted forms: [1.0,2.0), 1.0 (at least 1.0), [1.0], ^1.2, ~1.2, >=1.0.0 <2.0.0, *";

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
            _ => VersionRange.TryParse(trimmed, out var nuget) ? nuget : null,
        };
        if (parsed is null)
        {
            problem = $"'{text}' is not a version range ({AcceptedForms})";
            return false;
        }

        range = parsed;
        return true;
    }

    /// <summary>Normalised text of a range for messages, e.g. <c>[1.0.0, 2.0.0)</c>.</summary>
    public static string Describe(VersionRange range) => range.ToNormalizedString();

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
