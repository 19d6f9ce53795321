using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace Stockade.Analysis.Metadata;

/// <summary>
/// One <c>call</c>, <c>callvirt</c>, <c>newobj</c>, <c>ldftn</c>, <c>ldvirtftn</c> or <c>calli</c> instruction, with
/// its target resolved to names. For <c>calli</c> the target names are empty.
/// </summary>
internal readonly struct CallSite
{
    private readonly MetadataReader _reader;
    private readonly BlobHandle _signature;

    public CallSite(
        MetadataReader reader,
        ILOpCode opCode,
        in MethodTarget target,
        string callerType,
        string callerMethod,
        int ilOffset,
        bool nonPublicBindingFlagsLoaded)
    {
        _reader = reader;
        _signature = target.Signature;
        OpCode = opCode;
        TargetType = target.TypeName;
        TargetName = target.Name;
        TargetIsPInvoke = target.IsPInvoke;
        CallerType = callerType;
        CallerMethod = callerMethod;
        ILOffset = ilOffset;
        NonPublicBindingFlagsLoaded = nonPublicBindingFlagsLoaded;
    }

    public ILOpCode OpCode { get; }

    /// <summary>Full name of the called member's declaring type, e.g. <c>System.IO.File</c>.</summary>
    public string TargetType { get; }

    /// <summary>Name of the called member, e.g. <c>ReadAllText</c> or <c>.ctor</c>.</summary>
    public string TargetName { get; }

    /// <summary>The target is a method of this assembly declared with <c>pinvokeimpl</c> (DllImport / LibraryImport).</summary>
    public bool TargetIsPInvoke { get; }

    public string CallerType { get; }

    public string CallerMethod { get; }

    public int ILOffset { get; }

    /// <summary>A constant with <c>BindingFlags.NonPublic</c> set was loaded earlier in this method and not yet consumed by a reflection lookup.</summary>
    public bool NonPublicBindingFlagsLoaded { get; }

    /// <summary><c>Type.Member</c>, as shown in findings.</summary>
    public string Evidence => OpCode == ILOpCode.Calli ? "calli (call through a function pointer)" : TargetType + "." + TargetName;

    /// <summary>Type name of the target's first parameter, or <see langword="null"/> when it has none (decoded on demand).</summary>
    public string? GetFirstParameterType()
    {
        if (_signature.IsNil)
        {
            return null;
        }

        var blob = _reader.GetBlobReader(_signature);
        if (blob.Length == 0 || new SignatureHeader(blob.ReadByte()).Kind != SignatureKind.Method)
        {
            return null;
        }

        blob.Reset();
        var decoded = new SignatureDecoder<string, object?>(TypeNameProvider.Instance, _reader, genericContext: null)
            .DecodeMethodSignature(ref blob);
        return decoded.ParameterTypes.Length == 0 ? null : decoded.ParameterTypes[0];
    }
}
