using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>Data of <see cref="AuditLog.RecordWritten"/>.</summary>
/// <param name="record">The record now in the log.</param>
public sealed class AuditRecordWrittenEventArgs(AuditRecord record) : EventArgs
{
    /// <summary>The record now in the log.</summary>
    public AuditRecord Record { get; } = record;
}
