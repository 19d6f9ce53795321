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

    /// <summary>
    /// Disk space held ahead of the audit file (allocated past its end, invisible to readers), so that records already
    /// accepted always have room to land. Default 4 MiB (about 10,000 records of ~400 bytes); refilled whenever more than
    /// 1 MiB of it was used. Given back on a clean close when no other writer has the folder open.
    /// </summary>
    public long ReserveBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>
    /// When the reserve left, minus what is queued and not yet written, drops below this, <see cref="AuditLog.AdmissionRefusal"/>
    /// says why and the host refuses new brokered calls (fail secure before the disk is full, not after). Default 512 KiB:
    /// room for the records still to come of what is already running (starts, stops, denials). Accepted again once the
    /// reserve can be refilled.
    /// </summary>
    public long LowReserveBytes { get; set; } = 512L * 1024;

    /// <summary>
    /// Whether heads are signed (<c>audit/heads.jsonl</c>). Default true; a log without signed heads fails
    /// <c>stockade audit verify</c>, which then cannot tell appended forgeries from genuine records.
    /// </summary>
    public bool SignHeads { get; set; } = true;

    /// <summary>The key that signs heads. When null, <see cref="SigningKeyPath"/> is read (and created on first use).</summary>
    public AuditSigningKey? SigningKey { get; set; }

    /// <summary>The private key file used when <see cref="SigningKey"/> is null; default <see cref="AuditSigningKey.DefaultPath"/> (never inside the home).</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>A signed head is written at most this long after the first record it covers. Default 5 s: after a crash, at most the last 5 s of records are unsigned.</summary>
    public TimeSpan HeadInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A signed head is also written after this many unsigned records. Default 10,000.</summary>
    public int HeadEveryRecords { get; set; } = 10_000;

    /// <summary>
    /// How many UTC days of audit files to keep, counting today; null (the default) keeps every day. When set, the writer
    /// removes older days' files at its first write and at each day change, after signing a head with reason
    /// <c>retention</c> over the last removed record, so <c>verify</c> starts the chain after it (needs a signing key:
    /// without one nothing is removed). At least 1.
    /// </summary>
    public int? RetentionDays { get; set; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem with these options.</summary>
    internal void Validate()
    {
        var errors = new OptionErrors(nameof(AuditLogOptions));
        errors.Require(!string.IsNullOrWhiteSpace(Directory), nameof(Directory), "must be the audit folder, e.g. $STOCKADE_HOME/audit", Directory);
        errors.Positive(nameof(FsyncInterval), FsyncInterval);
        errors.AtLeast(nameof(QueueCapacity), QueueCapacity, 1);
        errors.AtLeast(nameof(MaxBatchSize), MaxBatchSize, 1);
        errors.Positive(nameof(LockTimeout), LockTimeout);
        errors.AtLeast(nameof(ReserveBytes), ReserveBytes, 64 * 1024);
        errors.Require(LowReserveBytes >= 0 && LowReserveBytes < ReserveBytes, nameof(LowReserveBytes), $"must be 0 or more and below ReserveBytes ({ReserveBytes})", LowReserveBytes);
        errors.Positive(nameof(HeadInterval), HeadInterval);
        errors.AtLeast(nameof(HeadEveryRecords), HeadEveryRecords, 1);
        errors.Require(RetentionDays is null or >= 1, nameof(RetentionDays), "must be at least 1 day, or null to keep every day", RetentionDays);
        errors.ThrowIfAny();
    }
}
