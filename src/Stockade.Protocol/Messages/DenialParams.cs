namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.denial</c>: the worker saw the kernel refuse something.</summary>
/// <param name="Kind">What was refused; <c>file</c> for now.</param>
/// <param name="Path">The path, when known.</param>
/// <param name="Operation"><c>read</c>, <c>write</c>, <c>delete</c>, <c>list</c>, or <c>null</c> when unknown.</param>
/// <param name="Errno">The errno reported (13 EACCES, 1 EPERM).</param>
internal sealed record DenialParams(
    string Kind,
    string? Path,
    string? Operation,
    int Errno);
