namespace Stockade.Hosting.Audit;

/// <summary>Settings of an <see cref="AuditLog"/>.</summary>
public sealed class AuditLogOptions
{
    /// <summary>The folder that holds <c>audit-YYYY-MM-DD.jsonl</c> files and the <c>.lock</c> file, normally <c>$STOCKADE_HOME/audit</c>. Created if missing.</summary>
    public string Directory { get; set; } = string.Empty;

    /// <summary>When written records are forced to disk. Default <see cref="AuditFsyncPolicy.Interval"/>.</summary>
    public AuditFsyncPolicy Fsync { get; set; } = AuditFsyncPolicy.Interval;

    /// <summary>Longest time written records stay unsynced under <see cref="AuditFsyncPolicy.Interval"/>. Default 1 s.</summary>
    public TimeSpan FsyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many appends may wait for the writer before callers are held back (back-pressure, never dropping). Default 8192.</summary>
    public int QueueCapacity { get; set; } = 8192;

    /// <summary>Most records written under one lock acquisition. Default 4096.</summary>
    public int MaxBatchSize { get; set; } = 4096;

    /// <summary>How long a batch waits for another process holding <c>audit/.lock</c> before failing. Default 10 s.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("AuditLogOptions.Directory is empty: set it to the audit folder, e.g. $STOCKADE_HOME/audit.", nameof(Directory));
        }

        if (FsyncInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"AuditLogOptions.FsyncInterval must be positive, not {FsyncInterval}.", nameof(FsyncInterval));
        }

        if (QueueCapacity < 1 || MaxBatchSize < 1)
        {
            throw new ArgumentException("AuditLogOptions.QueueCapacity and MaxBatchSize must be at least 1.", nameof(QueueCapacity));
        }

        if (LockTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"AuditLogOptions.LockTimeout must be positive, not {LockTimeout}.", nameof(LockTimeout));
        }
    }
}
