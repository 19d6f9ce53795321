using System.Globalization;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>Names, listing and tail reading of the daily audit files.</summary>
internal static class AuditFiles
{
    public const string LockFileName = ".lock";
    private const string Prefix = "audit-";
    private const string Suffix = ".jsonl";
    private const string DayFormat = "yyyy-MM-dd";

    public static string FileName(DateOnly day) => Prefix + day.ToString(DayFormat, CultureInfo.InvariantCulture) + Suffix;

    public static bool TryParseDay(string fileName, out DateOnly day)
    {
        day = default;
        return fileName.Length == Prefix.Length + DayFormat.Length + Suffix.Length
            && fileName.StartsWith(Prefix, StringComparison.Ordinal)
            && fileName.EndsWith(Suffix, StringComparison.Ordinal)
            && DateOnly.TryParseExact(fileName.AsSpan(Prefix.Length, DayFormat.Length), DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    /// <summary>Audit files of <paramref name="directory"/> in date order (oldest first); empty when the folder does not exist.</summary>
    public static List<(DateOnly Day, string Path)> List(string directory)
    {
        var files = new List<(DateOnly Day, string Path)>();
        if (!System.IO.Directory.Exists(directory))
        {
            return files;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(directory, Prefix + "*" + Suffix))
        {
            if (TryParseDay(Path.GetFileName(path), out var day))
            {
                files.Add((day, path));
            }
        }

        files.Sort((a, b) => a.Day.CompareTo(b.Day));
        return files;
    }

    /// <summary>
    /// The last well-formed record of a file, reading backwards from its end, and whether the file ends
    /// with a newline (a writer that crashed mid-line leaves it without one).
    /// </summary>
    public static (AuditRecord? Last, bool EndsWithNewline) ReadTail(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (length == 0)
        {
            return (null, true);
        }

        long chunk = 64 * 1024;
        while (true)
        {
            var take = (int)Math.Min(length, chunk);
            var buffer = new byte[take];
            var read = RandomAccess.Read(handle, buffer, length - take);
            var span = buffer.AsSpan(0, read);
            var endsWithNewline = span[^1] == (byte)'\n';
            var end = endsWithNewline ? span.Length - 1 : span.Length;
            while (end > 0)
            {
                var newline = span[..end].LastIndexOf((byte)'\n');
                if (newline < 0 && take < length)
                {
                    break; // the line may start before this chunk: read a larger one
                }

                if (AuditRecordFormat.TryParseLine(span[(newline + 1)..end], out var record, out _))
                {
                    return (record, endsWithNewline);
                }

                end = newline;
            }

            if (take == length)
            {
                return (null, endsWithNewline);
            }

            chunk *= 4;
        }
    }
}
