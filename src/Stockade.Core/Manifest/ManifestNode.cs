namespace Stockade.Core.Manifest;

/// <summary>A node of the parsed document with its 1-based position; YAML and JSON both load into these.</summary>
internal abstract class ManifestNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>How the node is described in "wrong type" messages.</summary>
    public abstract string KindName { get; }
}
