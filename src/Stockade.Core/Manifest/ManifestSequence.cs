namespace Stockade.Core.Manifest;

/// <summary>A list, in document order.</summary>
internal sealed class ManifestSequence(IReadOnlyList<ManifestNode> items, int line, int column) : ManifestNode(line, column)
{
    public IReadOnlyList<ManifestNode> Items { get; } = items;

    public override string KindName => "a list";
}
