namespace Stockade.Core.Manifest;

/// <summary>A node of the parsed document with its 1-based position; YAML and JSON both load into these.</summary>
internal abstract class ManifestNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>How the node is described in "wrong type" messages.</summary>
    public abstract string KindName { get; }
}

/// <summary>A scalar; <see cref="IsPlain"/> is false for quoted text, which is never a number, boolean or null.</summary>
internal sealed class ManifestScalar(string value, bool isPlain, int line, int column) : ManifestNode(line, column)
{
    public string Value { get; } = value;

    public bool IsPlain { get; } = isPlain;

    /// <summary>True for an empty plain value, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "null" : "a text value";
}

internal sealed class ManifestSequence(IReadOnlyList<ManifestNode> items, int line, int column) : ManifestNode(line, column)
{
    public IReadOnlyList<ManifestNode> Items { get; } = items;

    public override string KindName => "a list";
}

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
