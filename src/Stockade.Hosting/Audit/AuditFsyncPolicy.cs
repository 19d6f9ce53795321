namespace Stockade.Hosting.Audit;

/// <summary>When the audit log forces written records to stable storage (fsync).</summary>
public enum AuditFsyncPolicy
{
    /// <summary>fsync at most once per <see cref="AuditLogOptions.FsyncInterval"/> (default): a crash loses at most that window.</summary>
    Interval,

    /// <summary>fsync after every batch, before <see cref="AuditLog.AppendAsync"/> completes: nothing acknowledged is lost.</summary>
    Always,

    /// <summary>Leave flushing to the operating system. For tests and throwaway homes.</summary>
    Never,
}
