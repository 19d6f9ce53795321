using System.Collections.Concurrent;
using System.Text.Json;
using Stockade.Core.Manifest;
using Stockade.Hosting.Tests.Host;
using Stockade.Hosting.Tests.Issue15;
using Stockade.Linux.Cgroups;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// Issue 16's residual, closed in session 17: a .NET plugin's native allocations met RLIMIT_DATA (which counts the
/// runtime's ~150 MB of reservations) long before its memory cgroup, so the kill verdict rested on a <c>/proc</c> sample
/// taken before the worker died. When a memory cgroup holds the worker at its limit, RLIMIT_DATA now has headroom
/// (<see cref="ResourceLimitTable.Rlimits"/>): the cgroup binds, and the kill is named from the cgroup's own counters.
/// Without a cgroup nothing changes: RLIMIT_DATA is the manifest's figure and still stops the hog.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15DataHeadroomTests
{
    private const int MemoryMb = 192;
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(60);

    [Issue16CgroupFact]
    public async Task NativeHog_UnderAMemoryCgroup_RlimitDataHasHeadroom_KillNamedFromTheCgroupsCounters()
    {
        var events = new ConcurrentQueue<PluginEvent>();
        await using var w = new Issue15World(null, Issue16.Configure);
        w.Host.PluginEvent += (_, e) => events.Enqueue(e);
        if (w.Host.CgroupBackend.Kind == CgroupBackendKind.None)
        {
            Assert.Fail($"a memory cgroup controller is here but the host made none: {w.Host.CgroupBackend.Description}");
        }

        var folder = Issue16.CSharp(w.World, "t.native", $"{{ memoryMb: {MemoryMb}, openFiles: 128 }}");
        var plugin = await w.Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed" });
        var pid = plugin.ProcessId.ShouldNotBeNull();
        var memoryCgroup = MemoryCgroupLimit(pid);
        memoryCgroup.ShouldBe(MemoryMb * MiB, "the worker's memory cgroup holds it at the manifest's limit");
        var expected = ResourceLimitTable.Rlimits(ResourceLimits.Default with { MemoryMb = MemoryMb }, memoryCgroup: true).Single(r => r.Limit == ResourceLimitTable.Memory).KernelValue;
        expected.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(MemoryMb * MiB + 256 * MiB, "headroom above the runtime's reservations");
        DataLimit(pid).ShouldBe(expected.Value, "RLIMIT_DATA of a worker its memory cgroup holds");

        var error = await Record.ExceptionAsync(() => w.Host.InvokeAsync("t.native", "hogNative", HostWorld.Json(new { })).WaitAsync(CallBound));

        await Issue16.KillIsNamedAsync(w, events, "t.native", error, "memory", MemoryMb);
        var killed = (PluginKilledException)error!;
        killed.Message.ShouldContain("memory cgroup", Case.Sensitive, $"the verdict does not rest on the cgroup's counters: {killed.Message}");
        killed.Message.ShouldNotContain("/proc", Case.Sensitive, $"the verdict rests on a /proc sample: {killed.Message}");
    }

    /// <summary>
    /// The headroom is enough: a .NET worker's data segment at rest (the runtime's reservations, which scale with the
    /// GC heap limit) plus its whole memory limit still fit under RLIMIT_DATA, so memory used up to the cgroup's limit is
    /// never refused by the rlimit first, at a small, the default and a large limit.
    /// </summary>
    [Issue16CgroupTheory]
    [InlineData(128)]
    [InlineData(512)]
    [InlineData(4096)]
    public async Task DataSegmentAtRest_PlusTheWholeLimit_FitsUnderTheHeadroom(int memoryMb)
    {
        await using var w = new Issue15World(null, Issue16.Configure);
        var folder = Issue16.CSharp(w.World, "t.rest", $"{{ memoryMb: {memoryMb}, openFiles: 128 }}");
        var plugin = await w.Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed" });
        var pid = plugin.ProcessId.ShouldNotBeNull();
        (await w.Host.InvokeAsync("t.rest", "ping")).GetString().ShouldBe("pong");
        MemoryLimitIsApplied(pid, memoryMb);

        var dataKb = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmData:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var atRest = long.Parse(dataKb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
        (atRest + (memoryMb * MiB)).ShouldBeLessThanOrEqualTo(DataLimit(pid),
            $"at memoryMb {memoryMb} the data segment at rest is {atRest / MiB} MiB: with the whole limit used it would pass RLIMIT_DATA ({DataLimit(pid) / MiB} MiB) before the cgroup");
    }

    [Fact]
    public async Task NativeHog_WithoutACgroup_Uid65534_RlimitDataIsTheManifestsFigure_AndStopsIt()
    {
        var events = new ConcurrentQueue<PluginEvent>();
        await using var w = new Issue15World(65534, Issue16.Configure);
        w.Host.UseCgroupBackend(new NoCgroupBackend("the test asks for no cgroup"));
        w.Host.PluginEvent += (_, e) => events.Enqueue(e);
        var folder = Issue16.CSharp(w.World, "t.native", $"{{ memoryMb: {MemoryMb}, openFiles: 128 }}");
        var plugin = await w.Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed" });
        var pid = plugin.ProcessId.ShouldNotBeNull();
        File.ReadAllLines($"/proc/{pid}/status").ShouldContain(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Contains("65534", StringComparison.Ordinal));
        DataLimit(pid).ShouldBe(MemoryMb * MiB, "without a cgroup RLIMIT_DATA is the memory limit itself");

        var error = await Record.ExceptionAsync(() => w.Host.InvokeAsync("t.native", "hogNative", HostWorld.Json(new { })).WaitAsync(CallBound));

        // Stopped by the kernel at its limit, as before this change: RLIMIT_DATA refused an allocation and the worker
        // died of it. Without a cgroup the verdict still rests on the /proc figures sampled before it died: named as a
        // memory kill when the sample shows the data segment at the limit, else (the runtime aborted first) a crash.
        error.ShouldNotBeNull("the hog took native memory without limit");
        if (error is PluginKilledException)
        {
            await Issue16.KillIsNamedAsync(w, events, "t.native", error, "memory", MemoryMb);
        }
        else
        {
            error.ShouldBeOfType<PluginFailedException>($"ended as {error.GetType().Name}: {error.Message}").Kind.ShouldBe(PluginFailureKind.Crashed, error.Message);
            error.Message.ShouldContain("abort", Case.Insensitive, "the runtime's abort on a refused allocation");
        }

        (await w.Host.InvokeAsync("t.native", "ping").WaitAsync(CallBound)).GetString().ShouldBe("pong", "restarted, under the same limit");
        DataLimit(w.Host.Plugins.Single(p => p.Id == "t.native").ProcessId.ShouldNotBeNull()).ShouldBe(MemoryMb * MiB);
    }

    /// <summary>
    /// Checks that the kernel holds <paramref name="pid"/> at <paramref name="memoryMb"/>: its memory cgroup's limit
    /// where one holds it (with RLIMIT_DATA at the table's headroom), else RLIMIT_DATA itself.
    /// </summary>
    internal static void MemoryLimitIsApplied(int pid, int memoryMb)
    {
        var bytes = memoryMb * MiB;
        var cgroup = MemoryCgroupLimit(pid);
        var held = cgroup is long c && c <= bytes;
        if (held)
        {
            cgroup.ShouldBe(bytes, $"the memory cgroup of worker {pid}");
        }

        var expected = ResourceLimitTable.Rlimits(ResourceLimits.Default with { MemoryMb = memoryMb }, held).Single(r => r.Limit == ResourceLimitTable.Memory).KernelValue;
        DataLimit(pid).ShouldBe(expected.ShouldNotBeNull(), $"RLIMIT_DATA of worker {pid} at memoryMb {memoryMb} ({(held ? "held by a memory cgroup" : "no memory cgroup")})");
    }

    // The soft limit in bytes of "Max data size" in /proc/<pid>/limits (soft = hard is the table test's business).
    private static long DataLimit(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max data size", StringComparison.Ordinal));
        var soft = line["Max data size".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return soft == "unlimited" ? long.MaxValue : long.Parse(soft, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The memory limit of the cgroup the kernel shows <paramref name="pid"/> in (v1 or v2), or null when none limits it.</summary>
    internal static long? MemoryCgroupLimit(int pid)
    {
        foreach (var line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            var file = parts[1].Split(',').Contains("memory") ? Path.Combine("/sys/fs/cgroup/memory" + parts[2], "memory.limit_in_bytes")
                : parts[1].Length == 0 ? Path.Combine("/sys/fs/cgroup" + parts[2], "memory.max")
                : null;
            if (file is not null && File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), out var limit) && limit < long.MaxValue / 2)
            {
                return limit;
            }
        }

        return null;
    }
}
