namespace Stockade.Hosting.Audit;

/// <summary>Data of <see cref="AuditLog.WriteFailed"/>.</summary>
/// <param name="exception">What went wrong.</param>
/// <param name="recordsLost">How many submitted records were not written (0 when only the head store could not be updated).</param>
public sealed class AuditWriteFailedEventArgs(AuditWriteException exception, int recordsLost) : EventArgs
{
    /// <summary>What went wrong; its message says what to do next.</summary>
    public AuditWriteException Exception { get; } = exception;

    /// <summary>How many submitted records were not written; callers of <see cref="AuditLog.AppendAsync"/> among them saw the exception.</summary>
    public int RecordsLost { get; } = recordsLost;
}
