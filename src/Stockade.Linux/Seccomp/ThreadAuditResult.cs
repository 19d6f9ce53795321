namespace Stockade.Linux.Seccomp;

/// <summary>The result of <see cref="ThreadAudit.AllThreadsInSeccompFilterMode"/>.</summary>
internal sealed record ThreadAuditResult(bool AllInFilterMode, IReadOnlyList<ThreadSeccompState> Threads, string? Error)
{
    /// <summary>Threads not in filter mode (2); unconfined threads a plugin could use.</summary>
    internal IEnumerable<ThreadSeccompState> Unconfined => Threads.Where(t => t.SeccompMode != 2);
}
