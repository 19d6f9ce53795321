using System.ComponentModel.DataAnnotations;

namespace Stockade.Hosting.Broker.Budgets;

/// <summary>
/// What a worker may cost the host whatever it sends: bytes in flight towards the host (per worker and host-wide), records
/// it can make the host write to the audit log, and log lines. Defaults are chosen so that a well-behaved plugin never
/// meets them; docs/protocol.md ("Byte budgets") and docs/audit.md state the bounds they give.
/// </summary>
public sealed class BudgetOptions
{
    /// <summary>
    /// Bytes one worker may have in flight towards the host, in MiB: frames being read or handled (results, logs,
    /// requests) and answers queued for it that it has not read. Passing it ends the worker with an audited protocol
    /// violation. At least one maximal frame (<see cref="PluginHostOptions.MaxFrameBytes"/>). Default 64 MiB.
    /// </summary>
    [Range(1, 1 << 16)]
    public int WorkerInFlightMb { get; set; } = 64;

    /// <summary>
    /// Bytes all workers together may have in flight towards the host, in MiB. When it is used up, the worker holding the
    /// most is ended (audited protocol violation) and the others go on. At least <see cref="WorkerInFlightMb"/>. Default 256 MiB: four maximal-frame workers at once, while eight offenders stay a bounded few hundred MiB of host memory.
    /// </summary>
    [Range(1, 1 << 20)]
    public int HostInFlightMb { get; set; } = 256;

    /// <summary>The window over which audit and log budgets are counted; summaries are written at its end at the latest. Default 10 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Records a worker's notifications and refusals (kernel denial reports, permission denials, rate-limit refusals,
    /// permission requests) are written one by one per <see cref="Interval"/>; beyond, they are counted into one summary
    /// record per action (count, first and last attempt). Default 100.
    /// </summary>
    [Range(0, 1_000_000)]
    public int AuditRecordsPerInterval { get; set; } = 100;

    /// <summary>
    /// Audit records (written or summarised, allowed calls included) a worker may cause per <see cref="Interval"/>;
    /// one more ends the worker, audited as killed for its audit budget. Default 20,000.
    /// </summary>
    [Range(1, 100_000_000)]
    public int AuditMaxRecordsPerInterval { get; set; } = 20_000;

    /// <summary>Bytes of audit content (permission, resource, details) a worker may cause per <see cref="Interval"/>, in KiB; past it the worker is ended. Default 16 MiB.</summary>
    [Range(1, 1 << 24)]
    public int AuditMaxKbPerInterval { get; set; } = 16 * 1024;

    /// <summary><c>host.log</c> lines passed to the host's logger per <see cref="Interval"/>; the rest are dropped and counted in one line. Default 1,000.</summary>
    [Range(0, 100_000_000)]
    public int LogLinesPerInterval { get; set; } = 1000;

    /// <summary><c>host.log</c> bytes passed to the host's logger per <see cref="Interval"/>, in KiB; the rest are dropped and counted. Default 1 MiB.</summary>
    [Range(0, 1 << 24)]
    public int LogKbPerInterval { get; set; } = 1024;

    /// <summary>Every rule these options break, for the host's options validation (empty when valid).</summary>
    internal IReadOnlyList<string> Validate(int maxFrameBytes)
    {
        var failures = new List<string>();
        if (WorkerInFlightMb < 1 || (long)WorkerInFlightMb * 1024 * 1024 < maxFrameBytes)
        {
            failures.Add($"Budgets.WorkerInFlightMb ({WorkerInFlightMb}) must hold at least one frame of MaxFrameBytes ({maxFrameBytes} bytes).");
        }

        if (HostInFlightMb < WorkerInFlightMb)
        {
            failures.Add($"Budgets.HostInFlightMb ({HostInFlightMb}) must be at least Budgets.WorkerInFlightMb ({WorkerInFlightMb}).");
        }

        if (Interval <= TimeSpan.Zero || Interval > TimeSpan.FromHours(1))
        {
            failures.Add($"Budgets.Interval must be positive and at most an hour (got {Interval}).");
        }

        if (AuditRecordsPerInterval < 0 || AuditMaxRecordsPerInterval < 1 || AuditMaxRecordsPerInterval < AuditRecordsPerInterval)
        {
            failures.Add($"Budgets.AuditMaxRecordsPerInterval ({AuditMaxRecordsPerInterval}) must be at least 1 and at least Budgets.AuditRecordsPerInterval ({AuditRecordsPerInterval}), which must not be negative.");
        }

        if (AuditMaxKbPerInterval < 1)
        {
            failures.Add($"Budgets.AuditMaxKbPerInterval must be at least 1 (got {AuditMaxKbPerInterval}).");
        }

        if (LogLinesPerInterval < 0 || LogKbPerInterval < 0)
        {
            failures.Add("Budgets.LogLinesPerInterval and Budgets.LogKbPerInterval must not be negative.");
        }

        return failures;
    }
}
