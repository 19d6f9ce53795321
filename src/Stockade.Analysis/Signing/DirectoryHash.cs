namespace Stockade.Analysis.Signing;

/// <summary>A fingerprint of a plugin folder's content, to detect that an installed copy changed.</summary>
public static class DirectoryHash
{
    /// <summary>
    /// Lowercase hex SHA-256 of the folder's canonical file list (the same list a signature covers: every file
    /// except <c>stockade.sig</c> and <c>obj/</c>, with its SHA-256 and relative path), so it changes when any
    /// covered file is changed, added, removed or renamed, and does not change when the folder is re-signed.
    /// </summary>
    /// <param name="pluginDir">The plugin folder; it must exist.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static string Compute(string pluginDir)
    {
        ArgumentNullException.ThrowIfNull(pluginDir);
        return CanonicalFileList.HashText(CanonicalFileList.Serialize(CanonicalFileList.Compute(pluginDir)));
    }

    /// <summary>The fingerprint of file hashes already computed (relative path → lowercase SHA-256 hex).</summary>
    internal static string Compute(IEnumerable<KeyValuePair<string, string>> hashes) =>
        CanonicalFileList.HashText(CanonicalFileList.Serialize(hashes.OrderBy(h => h.Key, StringComparer.Ordinal)));
}
