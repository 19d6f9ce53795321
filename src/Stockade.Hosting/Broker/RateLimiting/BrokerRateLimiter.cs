using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Stockade.Hosting.Broker.RateLimiting;

/// <summary>
/// Rate limits brokered calls per plugin. Every rule whose pattern matches the permission counts the
/// call, the plugin's own rules (from its manifest) and the host's defaults alike; the call is refused
/// when any of them is exhausted. One token bucket per (plugin, rule), held by a
/// <see cref="PartitionedRateLimiter{TResource}"/>; thread-safe. The allowed path allocates only the
/// 40-byte closure that the BCL's partitioned limiter creates per lookup.
/// </summary>
internal sealed class BrokerRateLimiter : IDisposable
{
    private readonly RateRule[] _hostDefaults;
    private readonly ConcurrentDictionary<string, RateRule[]> _pluginRules = new(StringComparer.Ordinal);
    private readonly PartitionedRateLimiter<Partition> _limiter;
    private readonly Action<RateRefusal>? _onRefused;

    /// <param name="hostDefaults">Rules every plugin is subject to.</param>
    /// <param name="onRefused">Called (on the caller's thread) for every refusal, e.g. to count abuse as a watchdog violation.</param>
    public BrokerRateLimiter(IEnumerable<RateRule> hostDefaults, Action<RateRefusal>? onRefused = null)
    {
        ArgumentNullException.ThrowIfNull(hostDefaults);
        _hostDefaults = Checked(hostDefaults);
        _onRefused = onRefused;
        _limiter = PartitionedRateLimiter.Create<Partition, Partition>(
            // RateLimitPartition.Get with a static factory: GetTokenBucketLimiter would allocate a closure per call.
            static p => RateLimitPartition.Get(p, static k => new TokenBucketRateLimiter(RateLimiterOptionsFactory.TokenBucket(k.Rule.Limit, k.Rule.Period))),
            PartitionComparer.Instance);
    }

    /// <summary>Sets (or replaces) the rules from a plugin's manifest. Throws for a rule that <see cref="RateRule.Validate"/> rejects: validate manifests first.</summary>
    public void SetPluginRules(string pluginId, IEnumerable<RateRule> rules)
    {
        ArgumentException.ThrowIfNullOrEmpty(pluginId);
        ArgumentNullException.ThrowIfNull(rules);
        _pluginRules[pluginId] = Checked(rules);
    }

    /// <summary>Forgets a plugin's own rules (its buckets expire on their own once idle).</summary>
    public void RemovePlugin(string pluginId) => _pluginRules.TryRemove(pluginId, out _);

    /// <summary>Counts one call of <paramref name="pluginId"/> needing <paramref name="permission"/>.</summary>
    public RateDecision TryAcquire(string pluginId, string permission)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(permission);

        if (_pluginRules.TryGetValue(pluginId, out var own) && Acquire(own, pluginId, permission) is { IsAllowed: false } refusedByOwn)
        {
            return refusedByOwn;
        }

        return Acquire(_hostDefaults, pluginId, permission);
    }

    public void Dispose() => _limiter.Dispose();

    private RateDecision Acquire(RateRule[] rules, string pluginId, string permission)
    {
        foreach (var rule in rules)
        {
            if (!rule.Matches(permission))
            {
                continue;
            }

            using var lease = _limiter.AttemptAcquire(new Partition(pluginId, rule));
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : rule.Period;
                _onRefused?.Invoke(new RateRefusal(pluginId, permission, rule, retryAfter));
                return RateDecision.Refused(rule, retryAfter);
            }
        }

        return RateDecision.Allowed;
    }

    private static RateRule[] Checked(IEnumerable<RateRule> rules)
    {
        var array = rules.ToArray();
        foreach (var rule in array)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(rules));
            if (rule.Validate() is { } error)
            {
                throw new ArgumentException($"Invalid rate rule: {error}.", nameof(rules));
            }
        }

        return array;
    }

    /// <summary>A bucket's identity: the rule object itself (by reference) and the plugin.</summary>
    private readonly record struct Partition(string PluginId, RateRule Rule);

    private sealed class PartitionComparer : IEqualityComparer<Partition>
    {
        public static readonly PartitionComparer Instance = new();

        public bool Equals(Partition x, Partition y) => ReferenceEquals(x.Rule, y.Rule) && string.Equals(x.PluginId, y.PluginId, StringComparison.Ordinal);

        public int GetHashCode(Partition obj) => HashCode.Combine(StringComparer.Ordinal.GetHashCode(obj.PluginId), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Rule));
    }
}
