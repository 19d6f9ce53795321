using System.Text.RegularExpressions;
using Stockade.Core.Manifest;
using Stockade.Hosting.Monitoring;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue 15: one resource-limit table (<see cref="ResourceLimitTable"/>) that every layer reads, and every limit in it
/// is really applied: each rlimit row is read back from <c>/proc/&lt;pid&gt;/limits</c> of a real worker started with
/// values that differ from every default, and each watchdog row is in the limits the watchdog is given.
/// </summary>
[Trait("Issue", "15")]
public sealed partial class ResourceLimitTableTests : HostWorldTest
{
    private const string Id = "t.limits15";
    [Fact]
    public void Table_HasOneRowPerLimit_EachEnforcedSomewhere_AndTheManifestReadsIt()
    {
        var properties = typeof(ResourceLimits).GetProperties().Where(p => p.CanWrite).Select(p => p.Name.ToLowerInvariant()).Order();
        ResourceLimitTable.All.Select(l => l.Key.ToLowerInvariant()).Order().ShouldBe(properties);
        ResourceLimitTable.All.ShouldAllBe(l => l.Rlimit != null || l.Watchdog != null || l.ExecRefusedUnlessGranted);
        ResourceLimitTable.All.Where(l => l.Rlimit != null).ShouldAllBe(l => l.ProcLimitsName != null);

        // Every row's key is read from a manifest (distinct values, each above its floor), and the floor is refused.
        var values = ResourceLimitTable.All.Select((l, i) => (Limit: l, Value: l.Floor + 3 + i)).ToList();
        var manifest = Manifest(string.Join(", ", values.Select(v => $"{v.Limit.Key}: {v.Value}")));
        var read = ManifestReader.Parse(manifest, "plugin.yaml", ManifestFormat.Yaml);
        read.IsValid.ShouldBeTrue(string.Join("; ", read.Diagnostics));
        foreach (var (limit, value) in values)
        {
            limit.Read(read.Manifest!.Resources).ShouldBe(value, limit.Key);
        }

        foreach (var limit in ResourceLimitTable.All)
        {
            ManifestReader.Parse(Manifest($"{limit.Key}: {limit.Floor - 1}"), "plugin.yaml", ManifestFormat.Yaml).IsValid.ShouldBeFalse(limit.Key);
        }
    }

    [Fact]
    public async Task EveryLimit_IsAppliedToARealWorker()
    {
        // Values unlike every default, so a layer that ignored the table would be seen.
        var folder = World.Misbehave(Id, resources: "{ memoryMb: 300, cpuPercent: 90, cpuTimeSeconds: 500, openFiles: 160, threads: 50, diskMb: 20, maxFileMb: 24, processes: 2 }");
        var plugin = await Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed", Grants = ["file:write=$PLUGIN_DATA/**"] });
        var pid = plugin.ProcessId.ShouldNotBeNull();
        var limits = File.ReadAllLines($"/proc/{pid}/limits");

        // Where a memory cgroup holds the worker at its limit (as the kernel shows it), RLIMIT_DATA has the table's
        // headroom so the cgroup binds first (issue 16's residual); without one, every rlimit is the manifest's figure.
        var memoryMb = plugin.Policy.Resources.MemoryMb;
        var heldByCgroup = Issue16.Issue15DataHeadroomTests.MemoryCgroupLimit(pid) is long cgroupLimit && cgroupLimit <= memoryMb * 1024L * 1024;
        var data = ResourceLimitTable.Rlimits(plugin.Policy.Resources, heldByCgroup).Single(r => r.Limit == ResourceLimitTable.Memory).KernelValue;
        if (heldByCgroup)
        {
            data.ShouldNotBeNull().ShouldBeGreaterThan(memoryMb * 1024L * 1024, "RLIMIT_DATA under a memory cgroup has headroom");
        }
        else
        {
            data.ShouldBe(memoryMb * 1024L * 1024);
        }

        foreach (var (limit, expected) in ResourceLimitTable.Rlimits(plugin.Policy.Resources, heldByCgroup))
        {
            var line = limits.Single(l => l.StartsWith(limit.ProcLimitsName!, StringComparison.Ordinal));
            var match = Columns().Match(line[limit.ProcLimitsName!.Length..]);
            match.Success.ShouldBeTrue(line);
            var text = expected?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited";
            match.Groups[1].Value.ShouldBe(text, $"{limit.Rlimit} soft ({limit.Key}): {line}");
            match.Groups[2].Value.ShouldBe(text, $"{limit.Rlimit} hard ({limit.Key}): {line}");
        }

        var watched = WatchdogLimits.From(plugin.Policy.Resources);
        foreach (var (limit, expected) in ResourceLimitTable.Watched(plugin.Policy.Resources))
        {
            object? actual = Enum.Parse<WatchdogResource>(limit.Watchdog!) switch
            {
                WatchdogResource.Memory => watched.MemoryBytes,
                WatchdogResource.CpuPercent => (long?)watched.CpuPercent,
                WatchdogResource.CpuTime => (long?)watched.CpuTime?.TotalSeconds,
                WatchdogResource.Threads => (long?)watched.Threads,
                WatchdogResource.OpenFiles => (long?)watched.OpenFiles,
                WatchdogResource.Disk => watched.DiskBytes,
                _ => null,
            };
            actual.ShouldBe(expected, limit.Key);
        }

        // The exec row: nothing can be started without subprocess granted (the fork bomb starts nothing).
        (await Host.InvokeAsync(Id, "forkBomb")).GetProperty("count").GetInt64().ShouldBe(0);
    }

    [Fact]
    public void Planner_SetsOneRlimitPerTableRow_FromTheTableAlone()
    {
        var resources = new ResourceLimits { MemoryMb = 300, CpuTimeSeconds = 500, OpenFiles = 160, MaxFileMb = 24 };
        foreach (var memoryCgroup in new[] { false, true })
        {
            var planned = Stockade.Hosting.Workers.WorkerLaunchPlanner.Rlimits(resources, memoryCgroup);
            var set = typeof(Stockade.Linux.Launch.LaunchRlimits).GetProperties().Where(p => p.PropertyType == typeof(long?))
                .Select(p => (Name: p.Name, Value: (long?)p.GetValue(planned))).Where(p => p.Value is not null).ToList();
            var table = ResourceLimitTable.Rlimits(resources, memoryCgroup).Select(r => r.KernelValue).ToList();

            // Every row's value is set, and nothing else but the core dump ban.
            set.Select(p => p.Value).Order().ShouldBe(table.Append(0L).Order(), $"memory cgroup {memoryCgroup}: {string.Join(", ", set)}");
            planned.DataBytes.ShouldBe(memoryCgroup ? 300L * 1024 * 1024 + 300L * 1024 * 1024 : 300L * 1024 * 1024);
        }

        Should.Throw<ArgumentException>(() => new Stockade.Linux.Launch.LaunchRlimits().Set("RLIMIT_MEMLOCK", 1)).Message.ShouldContain("RLIMIT_MEMLOCK");
    }

    private static string Manifest(string resources) => $$"""
        id: t.table
        name: t.table
        version: 1.0.0
        publisher: tests
        runtime: process
        entry: plugin.py
        interpreter: /usr/bin/python3
        resources: { {{resources}} }
        """;

    [GeneratedRegex(@"^\s+(\S+)\s+(\S+)")]
    private static partial Regex Columns();
}
