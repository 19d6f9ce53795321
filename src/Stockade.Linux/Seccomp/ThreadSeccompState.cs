namespace Stockade.Linux.Seccomp;

/// <summary>The seccomp mode of one thread, as <c>/proc/self/task/&lt;tid&gt;/status</c> reports it.</summary>
internal sealed record ThreadSeccompState(int ThreadId, string Name, int SeccompMode);
