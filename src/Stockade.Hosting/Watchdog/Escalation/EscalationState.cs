using System.Globalization;

namespace Stockade.Hosting.Monitoring.Escalation;

/// <summary>
/// The escalation of one watched process (design §7): warn once per episode at the warning ratio,
/// count a violation per sample over a soft limit, throttle and then kill as violations accumulate,
/// kill at once over a hard limit, and forgive one violation per <see cref="WatchdogOptions.DecayEvery"/>
/// clean samples. Not thread-safe: the owner serialises calls.
/// </summary>
internal sealed class EscalationState(WatchdogOptions options, WatchdogLimits limits)
{
    // Indexed by WatchdogResource: whether the resource is inside a warning episode.
    private readonly bool[] _warned = new bool[Enum.GetValues<WatchdogResource>().Length];
    private int _cleanSamples;
    private (WatchdogResource Resource, double? Limit) _throttleCause;

    public int Violations { get; private set; }

    public bool Throttled { get; private set; }

    public bool Killed { get; private set; }

    /// <summary>Judges one sample; appends what to do to <paramref name="steps"/>.</summary>
    public void Evaluate(ResourceUsage usage, List<EscalationStep> steps)
    {
        if (Killed)
        {
            return;
        }

        // Hard limits first: once one kills, nothing else matters.
        var violated = false;
        (WatchdogResource Resource, double Limit, double Observed, string? Reason) last = default;
        foreach (var resource in Checked)
        {
            if (Limit(resource) is not { } limit || Observe(resource, usage) is not { } observed)
            {
                continue;
            }

            // The worker itself is one process: being alone is never a warning, whatever the limit. Held at a CPU quota is
            // at the limit whatever the use reads.
            var heldAtCpuQuota = resource == WatchdogResource.CpuPercent && HeldAtQuota(usage) == true;
            if ((observed >= limit * options.WarnRatio || heldAtCpuQuota) && !(resource == WatchdogResource.Processes && observed <= 1))
            {
                if (!_warned[(int)resource])
                {
                    _warned[(int)resource] = true;
                    steps.Add(new EscalationStep(EscalationAction.Warn, resource, limit, observed, Violations));
                }
            }
            else
            {
                _warned[(int)resource] = false;
            }

            // A task refused at the cgroup's pids limit (threads + processes) means the kernel already holds the worker
            // there: reaching a task limit then is trying to pass it, and ends the worker at once rather than after the
            // violations (the plugin can do nothing useful at that ceiling).
            var heldByPids = resource is WatchdogResource.Processes or WatchdogResource.Threads && usage.CgroupTasksLimitHits > 0;
            string? heldAtQuota = null;
            if (resource == WatchdogResource.CpuPercent && HeldAtQuota(usage) is not null)
            {
                // Under a CPU quota the use never passes the share: the kernel's throttled periods say it wanted more.
                if (!heldAtCpuQuota)
                {
                    continue;
                }

                heldAtQuota = string.Create(CultureInfo.InvariantCulture,
                    $"held at its quota of {usage.CpuQuotaPercent:0.#} % in {usage.CpuThrottledPeriodsPercent:0} % of its CPU periods");
            }
            else if (observed < limit || (observed == limit && !heldByPids))
            {
                continue;
            }

            if (WatchdogLimits.IsHard(resource) || heldByPids)
            {
                Killed = true;
                var reason = heldByPids ? string.Create(CultureInfo.InvariantCulture, $"{usage.CgroupTasksLimitHits} tasks refused") : null;
                var named = (resource, limit, observed);
                if (heldByPids && resource == WatchdogResource.Threads
                    && Limit(WatchdogResource.Processes) is { } processLimit && Observe(WatchdogResource.Processes, usage) is { } processes && processes > processLimit)
                {
                    named = (WatchdogResource.Processes, processLimit, processes); // a fork bomb: its processes are what it multiplied
                }

                steps.Add(new EscalationStep(EscalationAction.Kill, named.resource, named.limit, named.observed, Violations, reason));
                return;
            }

            Violations++;
            violated = true;
            last = (resource, limit, observed, heldAtQuota);
            steps.Add(new EscalationStep(EscalationAction.Violation, resource, limit, observed, Violations, heldAtQuota));
        }

        if (violated)
        {
            _cleanSamples = 0;
            Escalate(last.Resource, last.Limit, last.Observed, last.Reason, steps);
            return;
        }

        if (Violations > 0 && ++_cleanSamples >= options.DecayEvery)
        {
            _cleanSamples = 0;
            Violations--;
            if (Violations == 0 && Throttled)
            {
                Throttled = false;
                var observed = _throttleCause.Resource == WatchdogResource.Reported ? null : Observe(_throttleCause.Resource, usage);
                steps.Add(new EscalationStep(EscalationAction.Release, _throttleCause.Resource, _throttleCause.Limit, observed, 0));
            }
        }
    }

    /// <summary>Counts a violation reported from outside (e.g. rate-limit abuse seen by the broker).</summary>
    public void Report(string reason, List<EscalationStep> steps)
    {
        if (Killed)
        {
            return;
        }

        Violations++;
        _cleanSamples = 0;
        steps.Add(new EscalationStep(EscalationAction.Violation, WatchdogResource.Reported, null, null, Violations, reason));
        Escalate(WatchdogResource.Reported, null, null, reason, steps);
    }

    /// <summary>The value of <paramref name="resource"/> in <paramref name="usage"/>, in the unit of its limit.</summary>
    public static double? Observe(WatchdogResource resource, ResourceUsage usage) => resource switch
    {
        // With a cgroup, its own figures count: memory is the cgroup's charge alone (the kernel holds it at the limit and
        // its OOM kill is named from oom_kill; RSS summed over a process tree counts pages shared after fork once per
        // child), CPU is the use the cgroup measured (whether it wanted more is HeldAtQuota's question), and tasks and
        // processes of everything in it (children that left the process tree included).
        WatchdogResource.Memory => usage.CgroupMemoryBytes ?? usage.MemoryBytes,
        WatchdogResource.Processes => Math.Max(usage.Processes, usage.CgroupProcesses ?? 0),
        WatchdogResource.Disk => usage.DiskBytes,
        WatchdogResource.CpuTime => usage.CpuTime.TotalSeconds,
        WatchdogResource.CpuPercent => usage.CpuPercent,
        WatchdogResource.Threads => Math.Max(usage.Threads, usage.CgroupTasks ?? 0),
        WatchdogResource.OpenFiles => usage.OpenFiles,
        _ => null,
    };

    /// <summary>Throttled in at least this share of the window's quota periods (percent): the quota held it most of the time.</summary>
    internal const double HeldPeriodsPercent = 50;

    /// <summary>...while using at least this fraction of the quota in force: a thread that waited while its group used little is not held.</summary>
    internal const double HeldUseOfQuota = 0.75;

    /// <summary>
    /// Whether the CPU quota held the worker back: <see langword="true"/> when the kernel throttled it in at least half of
    /// the window's quota periods and it used at least three quarters of the quota in force (its <c>cpuPercent</c>, or
    /// the throttled share), i.e. it wanted more than it was given; <see langword="null"/> without a quota or its counters
    /// (no cgroup, or one without the cpu controller), where the use is compared with the limit instead.
    /// </summary>
    /// <remarks>
    /// The use condition keeps a multi-threaded worker well inside its share from counting: a quota of one 5 ms slice
    /// taken by one CPU's run queue can throttle a thread woken on another CPU although the group used 2 of its 5 ms.
    /// While throttled, being held at the lowered quota counts too: the plugin keeps asking for more than it is given,
    /// and how much more cannot be seen without lifting the throttle.
    /// </remarks>
    internal static bool? HeldAtQuota(ResourceUsage usage) =>
        usage.CpuThrottledPeriodsPercent is { } throttled && usage.CpuQuotaPercent is { } quota
            ? throttled >= HeldPeriodsPercent && usage.CpuPercent >= quota * HeldUseOfQuota
            : null;

    private static ReadOnlySpan<WatchdogResource> Checked =>
    [
        WatchdogResource.Memory,
        WatchdogResource.Disk,
        WatchdogResource.CpuTime,
        WatchdogResource.CpuPercent,
        WatchdogResource.OpenFiles,

        // The task limits last: a sample's last violation names the kill, and a bomb's children also inherit (and so
        // multiply) the descriptors counted above; processes is checked after threads so a fork bomb (over both) is named by it.
        WatchdogResource.Threads,
        WatchdogResource.Processes,
    ];

    private double? Limit(WatchdogResource resource) => resource switch
    {
        WatchdogResource.Memory => limits.MemoryBytes,
        WatchdogResource.Disk => limits.DiskBytes,
        WatchdogResource.CpuTime => limits.CpuTime?.TotalSeconds,
        WatchdogResource.CpuPercent => limits.CpuPercent,
        WatchdogResource.Threads => limits.Threads,
        WatchdogResource.Processes => limits.Processes,
        WatchdogResource.OpenFiles => limits.OpenFiles,
        _ => null,
    };

    private void Escalate(WatchdogResource resource, double? limit, double? observed, string? reason, List<EscalationStep> steps)
    {
        if (Violations >= options.KillAfter)
        {
            Killed = true;
            steps.Add(new EscalationStep(EscalationAction.Kill, resource, limit, observed, Violations, reason));
        }
        else if (Violations >= options.ThrottleAfter && !Throttled)
        {
            Throttled = true;
            _throttleCause = (resource, limit);
            steps.Add(new EscalationStep(EscalationAction.Throttle, resource, limit, observed, Violations, reason));
        }
    }
}
