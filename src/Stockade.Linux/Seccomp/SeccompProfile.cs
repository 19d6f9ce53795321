namespace Stockade.Linux.Seccomp;

/// <summary>
/// Which allow-list a worker's seccomp filter is built from: the runtimes differ in a few calls (the .NET runtime's
/// W^X double mapping, V8's memory protection keys), and a profile lists only what its runtime was measured to need.
/// </summary>
public enum SeccompProfile
{
    /// <summary>The .NET worker (stage 2 installs the filter itself).</summary>
    Dotnet,

    /// <summary>An executable plugin run by a Python interpreter.</summary>
    Python,

    /// <summary>An executable plugin run by Node.js.</summary>
    Node,

    /// <summary>Any other executable plugin (a native program): the calls common to every profile.</summary>
    Native,

    /// <summary>
    /// A .NET plugin compiled ahead of time (NativeAOT, <c>runtime: native</c>): the calls common to every profile plus
    /// the GC's process-wide barrier. No JIT, so no W^X double mapping: unlike <see cref="Dotnet"/>, no memfd_create.
    /// </summary>
    NativeAot,
}
