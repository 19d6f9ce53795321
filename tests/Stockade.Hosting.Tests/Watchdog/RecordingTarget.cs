using System.Collections.Concurrent;
using Stockade.Hosting.Monitoring;

namespace Stockade.Hosting.Tests.Watchdog;

/// <summary>Records what the watchdog asked for, and optionally acts on it.</summary>
internal sealed class RecordingTarget(Action<KillRequest>? onKill = null) : IWatchdogTarget
{
    public ConcurrentQueue<ThrottleRequest> Throttles { get; } = new();

    public ConcurrentQueue<KillRequest> Kills { get; } = new();

    public void Throttle(ThrottleRequest request) => Throttles.Enqueue(request);

    public void Kill(KillRequest request)
    {
        Kills.Enqueue(request);
        onKill?.Invoke(request);
    }
}
