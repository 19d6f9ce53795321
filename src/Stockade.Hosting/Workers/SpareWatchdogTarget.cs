using Stockade.Hosting.Monitoring;

namespace Stockade.Hosting.Workers;

/// <summary>
/// What the watchdog may do to an idle spare: any escalation ends it. A spare has no work to do, so one that needs
/// throttling is misbehaving, and it is cheaper to start another than to keep it (fail secure).
/// </summary>
internal sealed class SpareWatchdogTarget(PluginSlot slot, ReadyWorker spare) : IWatchdogTarget
{
    public void Throttle(ThrottleRequest request)
    {
        if (!request.Release)
        {
            Discard($"watchdog: {request.Event.Message}");
        }
    }

    public void Kill(KillRequest request) => Discard($"watchdog: {request.Event.Message}");

    private void Discard(string reason)
    {
        // Only while it is still a spare: once taken it is the slot's worker, watched (and judged) under the plugin's id.
        if (slot.Spares.Remove(spare.Worker))
        {
            spare.Worker.Kill(reason, WorkerKillKind.Watchdog);
        }
    }
}
