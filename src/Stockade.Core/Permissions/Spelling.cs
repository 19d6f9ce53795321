namespace Stockade.Core.Permissions;

/// <summary>"Did you mean" suggestions by edit distance, shared by the permission parser and the manifest reader.</summary>
internal static class Spelling
{
    /// <summary>Returns the closest candidate when it is near enough to be a likely typo, otherwise null.</summary>
    public static string? Suggest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        // A third of the length keeps "fiel" -> "file" but refuses to map "zzz" onto "env".
        var threshold = Math.Max(1, input.Length / 3);
        return bestDistance <= threshold ? best : null;
    }

    /// <summary>Formats a suggestion as a sentence suffix, or an empty string when there is none.</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates)
    {
        var suggestion = Suggest(input, candidates);
        return suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?";
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transposition).</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }

                d[i, j] = value;
            }
        }

        return d[a.Length, b.Length];
    }
}
