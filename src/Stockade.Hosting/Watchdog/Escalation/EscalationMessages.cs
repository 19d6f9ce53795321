using System.Globalization;

namespace Stockade.Hosting.Monitoring.Escalation;

/// <summary>The sentences of watchdog events.</summary>
internal static class EscalationMessages
{
    public static string Describe(string pluginId, in EscalationStep step, WatchdogOptions options)
    {
        var figures = step.Resource == WatchdogResource.Reported
            ? $"reported: {step.Reason}"
            : $"{Name(step.Resource)} {Format(step.Resource, step.Observed)} against a limit of {Format(step.Resource, step.Limit)}";
        if (step.Resource == WatchdogResource.CpuPercent && step.Reason is not null)
        {
            figures += $", {step.Reason}"; // the use never passes a quota; being held at it is the violation
        }

        return step.Action switch
        {
            EscalationAction.Warn =>
                $"Plugin '{pluginId}' reached {Percent(step.Observed, step.Limit)} of its {Name(step.Resource)} limit ({figures}).",
            EscalationAction.Throttle =>
                $"Plugin '{pluginId}' was throttled after {step.Violations} violations; the last was {figures}. It is killed at {options.KillAfter}.",
            EscalationAction.Release =>
                $"Plugin '{pluginId}' behaved long enough that its violations decayed to zero; its throttle was lifted.",
            EscalationAction.Kill when step.Reason is not null && step.Resource is WatchdogResource.Threads or WatchdogResource.Processes =>
                $"Plugin '{pluginId}' was killed at once: {figures}, held by the kernel at its cgroup's pids limit ({step.Reason}).",
            EscalationAction.Kill when WatchdogLimits.IsHard(step.Resource) =>
                $"Plugin '{pluginId}' was killed at once over a hard limit: {figures}. Raise the limit in its manifest if this use is expected.",
            EscalationAction.Kill =>
                $"Plugin '{pluginId}' was killed after {step.Violations} violations; the last was {figures}.",
            _ => $"Plugin '{pluginId}' exceeded a limit ({figures}); violation {step.Violations} of {options.KillAfter}.",
        };
    }

    private static string Name(WatchdogResource resource) => resource switch
    {
        WatchdogResource.Memory => "memory",
        WatchdogResource.Disk => "disk",
        WatchdogResource.CpuTime => "CPU time",
        WatchdogResource.CpuPercent => "CPU",
        WatchdogResource.Threads => "threads",
        WatchdogResource.Processes => "processes",
        WatchdogResource.OpenFiles => "open files",
        _ => "reported violations",
    };

    private static string Format(WatchdogResource resource, double? value) => value is not { } v
        ? "n/a"
        : resource switch
        {
            WatchdogResource.Memory or WatchdogResource.Disk => string.Create(CultureInfo.InvariantCulture, $"{v / (1024 * 1024):0.#} MiB"),
            WatchdogResource.CpuPercent => string.Create(CultureInfo.InvariantCulture, $"{v:0.#} %"),
            WatchdogResource.CpuTime => string.Create(CultureInfo.InvariantCulture, $"{v:0.##} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{v:0}"),
        };

    private static string Percent(double? observed, double? limit) =>
        observed is { } o && limit is { } l && l > 0 ? string.Create(CultureInfo.InvariantCulture, $"{o / l * 100:0} %") : "n/a";
}
