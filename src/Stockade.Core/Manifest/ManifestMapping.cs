namespace Stockade.Core.Manifest;

/// <summary>A mapping with unique keys, in document order (duplicates are reported by the loader and dropped).</summary>
internal sealed class ManifestMapping(IReadOnlyList<KeyValuePair<ManifestScalar, ManifestNode>> entries, int line, int column) : ManifestNode(line, column)
{
    public IReadOnlyList<KeyValuePair<ManifestScalar, ManifestNode>> Entries { get; } = entries;

    public override string KindName => "a mapping";

    public ManifestNode? Get(string key)
    {
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Key.Value, key, StringComparison.Ordinal))
            {
                return entry.Value;
            }
        }

        return null;
    }
}
