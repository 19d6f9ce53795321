using System.Collections.Concurrent;
using Stockade.Linux.Cgroups;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>The real backend, wrapped so a test sees each worker cgroup the host made and its counters as they stood when it was removed.</summary>
internal sealed class RecordingCgroupBackend(ICgroupBackend inner) : ICgroupBackend
{
    public ConcurrentQueue<RecordingCgroup> Created { get; } = new();

    public CgroupBackendKind Kind => inner.Kind;

    public string Description => inner.Description;

    public IWorkerCgroup Create(string name, CgroupLimits limits, int? owner)
    {
        var cgroup = new RecordingCgroup(inner.Create(name, limits, owner), name, limits);
        Created.Enqueue(cgroup);
        return cgroup;
    }

    public int RemoveStale() => inner.RemoveStale();

    /// <summary>The last cgroup made for a worker of <paramref name="pluginId"/>.</summary>
    public RecordingCgroup Last(string pluginId) => Created.Last(c => c.Name.StartsWith(pluginId + "-", StringComparison.Ordinal));
}

internal sealed class RecordingCgroup(IWorkerCgroup inner, string name, CgroupLimits limits) : IWorkerCgroup
{
    private readonly TaskCompletionSource<CgroupCounters> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    public CgroupLimits Limits { get; } = limits;

    public List<int?> CpuPercents { get; } = [];

    /// <summary>The counters read just before the cgroup was removed.</summary>
    public Task<CgroupCounters> Final => _final.Task;

    public bool DirectoriesGone => ProcsFiles.All(f => !Directory.Exists(Path.GetDirectoryName(f)));

    public IReadOnlyList<string> ProcsFiles => inner.ProcsFiles;

    public CgroupCounters ReadCounters() => inner.ReadCounters();

    public void SetCpuPercent(int? percent)
    {
        lock (CpuPercents)
        {
            CpuPercents.Add(percent);
        }

        inner.SetCpuPercent(percent);
    }

    public void KillAll() => inner.KillAll();

    public void Dispose()
    {
        var counters = inner.ReadCounters();
        inner.Dispose();
        _final.TrySetResult(counters);
    }
}
