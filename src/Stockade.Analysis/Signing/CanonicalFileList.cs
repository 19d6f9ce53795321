using System.Security.Cryptography;
using System.Text;

namespace Stockade.Analysis.Signing;

/// <summary>
/// The signed content of a plugin folder: every file except <c>stockade.sig</c> at the root and anything under an
/// <c>obj/</c> folder, ordered by ordinal relative path with <c>/</c>, one line <c>sha256hex  relative/path\n</c>
/// each, UTF-8. Hidden files are included: skipping them would let a file be slipped in unsigned.
/// </summary>
internal static class CanonicalFileList
{
    private const string Separator = "  ";

    /// <summary>Relative path → lowercase SHA-256 hex, ordered.</summary>
    public static SortedDictionary<string, string> Compute(string pluginDir)
    {
        var root = Path.GetFullPath(pluginDir);
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var file in Directory.EnumerateFiles(root, "*", options))
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative == SignatureDocument.FileName || relative.Split('/').SkipLast(1).Contains("obj", StringComparer.Ordinal))
            {
                continue;
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            entries[relative] = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        return entries;
    }

    public static string Serialize(IEnumerable<KeyValuePair<string, string>> entries)
    {
        var text = new StringBuilder();
        foreach (var (path, hash) in entries)
        {
            text.Append(hash).Append(Separator).Append(path).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Parses a serialized list; <see langword="null"/> when a line is malformed.</summary>
    public static Dictionary<string, string>? Parse(string text)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var separator = line.IndexOf(Separator, StringComparison.Ordinal);
            if (separator != 64 || !entries.TryAdd(line[(separator + Separator.Length)..], line[..separator]))
            {
                return null;
            }
        }

        return entries;
    }

    public static string HashText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
