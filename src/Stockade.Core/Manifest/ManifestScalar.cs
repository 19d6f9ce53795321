namespace Stockade.Core.Manifest;

/// <summary>A scalar; <see cref="IsPlain"/> is false for quoted text, which is never a number, boolean or null.</summary>
internal sealed class ManifestScalar(string value, bool isPlain, int line, int column) : ManifestNode(line, column)
{
    public string Value { get; } = value;

    public bool IsPlain { get; } = isPlain;

    /// <summary>True for an empty plain value, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => IsNull ? "null" : "a text value";
}
