using Stockade.Core.Manifest;

namespace Stockade.Hosting.Restarts;

/// <summary>
/// One plugin's restarts within its restart window, each marked with whether a resource kill caused it, and the limits
/// it was loaded with (the base of the stricter ladder). The decisions are <see cref="RestartPlanner"/>'s; this only
/// remembers. Used under the slot's start lock.
/// </summary>
internal sealed class RestartHistory
{
    private readonly Queue<(DateTimeOffset At, bool ResourceKill)> _restarts = new();

    /// <summary>Restarts remembered (within the window after <see cref="Forget"/>).</summary>
    public int Count => _restarts.Count;

    /// <summary>Remembered restarts that followed a resource kill.</summary>
    public int ResourceKills => _restarts.Count(r => r.ResourceKill);

    /// <summary>The limits the plugin was loaded with, taken at its first restart; the ladder starts from them.</summary>
    public ResourceLimits? BaseLimits { get; set; }

    /// <summary>What the last restart chose, for its <c>plugin.restarted</c> record and <c>Restarted</c> event; taken once.</summary>
    public RestartChoice? Pending { get; set; }

    /// <summary>Forgets restarts older than <paramref name="window"/>.</summary>
    public void Forget(DateTimeOffset now, TimeSpan window)
    {
        while (_restarts.Count > 0 && now - _restarts.Peek().At > window)
        {
            _restarts.Dequeue();
        }
    }

    /// <summary>Remembers a restart.</summary>
    public void Add(DateTimeOffset at, bool resourceKill) => _restarts.Enqueue((at, resourceKill));

    /// <summary>Forgets every restart (the plugin was enabled again by a person: a fresh budget, the base limits).</summary>
    public void Clear()
    {
        _restarts.Clear();
        Pending = null;
    }
}
