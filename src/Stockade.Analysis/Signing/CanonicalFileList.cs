using System.Security.Cryptography;
using System.Text;
using Stockade.Linux.FileSystem;

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
    /// <exception cref="PluginFolderRefusedException">The folder holds an entry that is not accepted, or is past the limits.</exception>
    public static SortedDictionary<string, string> Compute(string pluginDir)
    {
        using var folder = PluginFolder.Open(pluginDir);
        return Compute(folder);
    }

    /// <summary>Relative path → lowercase SHA-256 hex, ordered, of a folder already walked (files read through its descriptors).</summary>
    public static SortedDictionary<string, string> Compute(PluginFolder folder)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in folder.Files)
        {
            // obj/ folders are never walked (PluginFolder skips them), so only the signature itself is left out here.
            if (file.RelativePath != SignatureDocument.FileName)
            {
                entries[file.RelativePath] = Convert.ToHexStringLower(SHA256.HashData(folder.ReadAllBytes(file.RelativePath)));
            }
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
