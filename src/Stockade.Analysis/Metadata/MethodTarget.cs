using System.Reflection.Metadata;

namespace Stockade.Analysis.Metadata;

/// <summary>A call target resolved from a metadata token.</summary>
internal readonly record struct MethodTarget(string TypeName, string Name, bool IsPInvoke, BlobHandle Signature)
{
    public static MethodTarget Unknown { get; } = new(string.Empty, string.Empty, false, default);
}
