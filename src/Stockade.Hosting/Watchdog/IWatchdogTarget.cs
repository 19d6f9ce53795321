namespace Stockade.Hosting.Monitoring;

/// <summary>
/// What the watchdog asks of whoever owns a watched process. Calls come from the watchdog's timer
/// thread (or from the thread that called <see cref="Watchdog.ReportViolation"/>) and must return quickly;
/// an exception is logged and does not stop the watchdog.
/// </summary>
public interface IWatchdogTarget
{
    /// <summary>Slow the process down (cgroup <c>cpu.max</c> where delegated, else a lower priority), or lift that when <see cref="ThrottleRequest.Release"/> is set.</summary>
    /// <param name="request">Which process, why, and whether to apply or lift the throttle.</param>
    void Throttle(ThrottleRequest request);

    /// <summary>End the process. The watchdog stops watching it before this call.</summary>
    /// <param name="request">Which process and why.</param>
    void Kill(KillRequest request);
}
