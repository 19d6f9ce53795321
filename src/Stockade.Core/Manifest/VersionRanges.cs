using NuGet.Versioning;

namespace Stockade.Core.Manifest;

/// <summary>
/// Reads a version range in NuGet notation (<c>[1.0,2.0)</c>, <c>1.0</c> meaning at least 1.0) or SemVer
/// comparator notation (<c>&gt;=1.0 &lt;2.0</c>, <c>^1.2</c>, <c>~1.2.3</c>, <c>=1.4.0</c>).
/// </summary>
internal static class VersionRanges
{
    public static bool TryParse(string text, out VersionRange? range, out string? error)
    {
        range = null;
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            error = "the range is empty";
            return false;
        }

        if (trimmed[0] is '[' or '(' || char.IsAsciiDigit(trimmed[0]))
        {
            if (VersionRange.TryParse(trimmed, out range))
            {
                error = null;
                return true;
            }

            error = $"'{text}' is not a NuGet version range such as [1.0,2.0) or a SemVer range such as >=1.0 <2.0";
            return false;
        }

        NuGetVersion? min = null;
        NuGetVersion? max = null;
        bool includeMin = false, includeMax = false;
        foreach (var part in trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var op = part.TakeWhile(c => c is '>' or '<' or '=' or '^' or '~').Count();
            var opText = part[..op];
            if (!NuGetVersion.TryParse(part[op..], out var version))
            {
                error = $"'{part[op..]}' in '{text}' is not a version";
                return false;
            }

            switch (opText)
            {
                case ">=":
                    (min, includeMin) = (version, true);
                    break;
                case ">":
                    (min, includeMin) = (version, false);
                    break;
                case "<=":
                    (max, includeMax) = (version, true);
                    break;
                case "<":
                    (max, includeMax) = (version, false);
                    break;
                case "=":
                    (min, includeMin, max, includeMax) = (version, true, version, true);
                    break;
                case "^":
                    (min, includeMin) = (version, true);
                    (max, includeMax) = (version.Major > 0 ? new NuGetVersion(version.Major + 1, 0, 0) : new NuGetVersion(0, version.Minor + 1, 0), false);
                    break;
                case "~":
                    (min, includeMin, max, includeMax) = (version, true, new NuGetVersion(version.Major, version.Minor + 1, 0), false);
                    break;
                default:
                    error = $"'{opText}' in '{text}' is not a comparator; use >=, >, <=, <, =, ^ or ~";
                    return false;
            }
        }

        if (min is not null && max is not null && (min > max || (min == max && !(includeMin && includeMax))))
        {
            error = $"'{text}' matches no version at all";
            return false;
        }

        range = new VersionRange(min, includeMin, max, includeMax);
        error = null;
        return true;
    }
}
