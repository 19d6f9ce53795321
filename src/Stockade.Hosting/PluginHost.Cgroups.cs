using Stockade.Core.Audit;
using Stockade.Linux.Cgroups;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    private CgroupSelection? _cgroupSelection;
    private int _cgroupDowngradeAudited;

    /// <summary>
    /// The cgroup backend that holds the workers' memory, CPU share and tasks in the kernel (chosen from
    /// <see cref="PluginHostOptions.Cgroups"/> when first needed; worker cgroups left by a host that died are removed then).
    /// </summary>
    public ICgroupBackend CgroupBackend => CgroupSelection.Backend;

    /// <summary>Tests: use this backend (e.g. a recording wrapper around the real one) instead of choosing one; call before the first load.</summary>
    internal void UseCgroupBackend(ICgroupBackend backend) => _cgroupSelection = new CgroupSelection(backend, [], false, null);

    internal CgroupSelection CgroupSelection => LazyInitializer.EnsureInitialized(ref _cgroupSelection, SelectCgroups);

    private CgroupSelection SelectCgroups()
    {
        var selection = CgroupBackends.Select(_options.Cgroups ?? new CgroupOptions());
        try
        {
            // As the spare temp folders are swept: a host that was killed left its workers' cgroups (and maybe tasks).
            selection.Backend.RemoveStale();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CgroupException)
        {
            Log.WorkerEnded(_logger, "(host)", $"removing stale worker cgroups failed: {ex.Message}");
        }

        return selection;
    }

    /// <summary>The backend a worker of <paramref name="pluginId"/> gets; refuses the start when the cgroup asked for cannot be used and no downgrade is allowed.</summary>
    private ICgroupBackend CgroupsFor(string pluginId)
    {
        var selection = CgroupSelection;
        var requested = _options.Cgroups?.Path ?? _options.Cgroups?.Require?.ToString() ?? "auto";
        if (selection.Error is { } error)
        {
            TryAppend(new AuditEntry(AuditActions.LevelDowngrade, AuditDecision.Deny, AuditLayer.Loader)
            {
                Plugin = pluginId,
                Details = new Dictionary<string, string> { ["what"] = "cgroup", ["requested"] = requested, ["missing"] = string.Join("; ", selection.Refused) },
            });
            throw new PluginFailedException(pluginId, PluginFailureKind.StartFailed, $"plugin '{pluginId}' could not start: {error}",
                nextStep: "run `stockade doctor` to see the cgroup this host can use, fix the path or its delegation, or allow the downgrade (PluginHostOptions.Cgroups.AllowDowngrade).");
        }

        if (selection.Downgraded && Interlocked.Exchange(ref _cgroupDowngradeAudited, 1) == 0)
        {
            TryAppend(new AuditEntry(AuditActions.LevelDowngrade, AuditDecision.Allow, AuditLayer.Loader)
            {
                Plugin = pluginId,
                Details = new Dictionary<string, string> { ["what"] = "cgroup", ["requested"] = requested, ["effective"] = "none", ["missing"] = string.Join("; ", selection.Refused) },
            });
        }

        return selection.Backend;
    }
}
