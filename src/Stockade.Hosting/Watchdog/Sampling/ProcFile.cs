using System.Buffers.Text;

namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>Allocation-free parsing of small <c>/proc</c> text files (read by <c>Stockade.Linux.Procfs.ProcfsReader</c>).</summary>
internal static class ProcFile
{
    /// <summary>Parses the number that follows <paramref name="key"/> (spaces and tabs skipped), e.g. <c>VmRSS:\t  1234 kB</c>.</summary>
    public static bool TryParseKeyed(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key, out long value)
    {
        value = 0;
        var at = text.IndexOf(key);
        if (at < 0)
        {
            return false;
        }

        var rest = text[(at + key.Length)..].TrimStart(" \t"u8);
        return Utf8Parser.TryParse(rest, out value, out _);
    }

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> the watchdog needs (numbering as in proc(5)).</summary>
    public static bool TryParseStat(ReadOnlySpan<byte> text, out StatFields fields)
    {
        fields = default;

        // The command name (field 2) may hold spaces and parentheses; everything after the last ')' is fixed.
        var close = text.LastIndexOf((byte)')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return false;
        }

        var rest = text[(close + 2)..];
        long utime = 0, stime = 0, cutime = 0, cstime = 0, ppid = 0, threads = 0, start = 0, rss = 0;
        var state = (byte)0;
        for (var field = 3; field <= 24; field++)
        {
            var space = rest.IndexOf((byte)' ');
            var token = space < 0 ? rest : rest[..space];
            if (token.IsEmpty)
            {
                return false;
            }

            var parsed = field switch
            {
                3 => TakeState(token, out state),
                4 => Utf8Parser.TryParse(token, out ppid, out _),
                14 => Utf8Parser.TryParse(token, out utime, out _),
                15 => Utf8Parser.TryParse(token, out stime, out _),
                16 => Utf8Parser.TryParse(token, out cutime, out _),
                17 => Utf8Parser.TryParse(token, out cstime, out _),
                20 => Utf8Parser.TryParse(token, out threads, out _),
                22 => Utf8Parser.TryParse(token, out start, out _),
                24 => Utf8Parser.TryParse(token, out rss, out _),
                _ => true,
            };
            if (!parsed)
            {
                return false;
            }

            if (space < 0 && field < 24)
            {
                return false;
            }

            rest = space < 0 ? default : rest[(space + 1)..];
        }

        fields = new StatFields(state, (int)ppid, utime + stime + cutime + cstime, (int)threads, start, rss);
        return true;
    }

    private static bool TakeState(ReadOnlySpan<byte> token, out byte state)
    {
        state = token[0];
        return true;
    }
}
