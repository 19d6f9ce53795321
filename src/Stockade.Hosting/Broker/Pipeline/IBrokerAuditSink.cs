using Stockade.Core.Audit;
using Stockade.Hosting.Audit;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>Where the broker writes its records: the host's audit log, as the broker may use it.</summary>
internal interface IBrokerAuditSink
{
    /// <summary>Why brokered calls are refused after the audit log lost records, or null while it works.</summary>
    string? Failure { get; }

    /// <summary>Sequences a record (its place in the writer's queue) without waiting for the disk; the task completes when written.</summary>
    ValueTask<Task<AuditRecord>> QueueAsync(AuditEntry entry);

    /// <summary>Writes a record and waits until it is in the file.</summary>
    ValueTask<AuditRecord> AppendAsync(AuditEntry entry);

    /// <summary>Queues a record without waiting (never dropped).</summary>
    void Append(AuditEntry entry);

    /// <summary>A sequenced record could not be written: refuse every further brokered call (decision 14).</summary>
    void Lost(AuditWriteException failure);
}
