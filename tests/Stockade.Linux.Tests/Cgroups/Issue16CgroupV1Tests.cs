using System.Diagnostics;
using System.Globalization;
using Stockade.Linux.Cgroups;
using Stockade.Linux.Launch;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cgroups;

/// <summary>
/// Issue 16 on this machine's cgroup v1, for real, as root: the backend a host chooses, one worker cgroup per
/// controller joined by the launcher, and hostile C workloads held by it (memory hogs private and shared, a spinner,
/// fork and thread bombs, a child that escapes its parent's tree); nothing is left behind.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16CgroupV1Tests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const long MiB = 1024 * 1024;

    private static ICgroupBackend Backend() => CgroupBackends.Select(new CgroupOptions { Require = CgroupBackendKind.V1 }).Backend;

    [CgroupV1Fact]
    public void Select_OnThisMachine_IsV1UnderTheHostsOwnMemoryCgroup()
    {
        var backend = (CgroupV1Backend)Backend();
        Dictionary<string, string> own = CgroupHierarchy.OwnPaths();

        backend.Kind.ShouldBe(CgroupBackendKind.V1);
        backend.Parents.Keys.ShouldBe(["memory", "cpu", "cpuacct", "pids", "freezer"], ignoreOrder: true);
        backend.Parents["memory"].ShouldBe(CgroupHierarchy.Join(CgroupHierarchy.V1Mounts()["memory"], own["memory"]));
        backend.Description.ShouldContain("memory under");
    }

    [CgroupV1Fact]
    public void Create_WritesTheLimitsAndDisposeRemovesEveryDirectory()
    {
        var backend = (CgroupV1Backend)Backend();
        IWorkerCgroup cgroup = backend.Create("limits", new CgroupLimits(96 * MiB, 30, 40), owner: 65534);
        string[] directories = [.. cgroup.ProcsFiles.Select(Path.GetDirectoryName)!];
        try
        {
            directories.Length.ShouldBe(5); // memory, cpu, cpuacct, pids, freezer: none co-mounted here
            string Dir(string controller) => directories.Single(d => d.StartsWith(backend.Parents[controller] + "/", StringComparison.Ordinal));
            File.ReadAllText(Path.Combine(Dir("memory"), "memory.limit_in_bytes")).Trim().ShouldBe((96 * MiB).ToString(CultureInfo.InvariantCulture));
            File.ReadAllText(Path.Combine(Dir("cpu"), "cpu.cfs_quota_us")).Trim().ShouldBe("30000");
            File.ReadAllText(Path.Combine(Dir("cpu"), "cpu.cfs_period_us")).Trim().ShouldBe("100000");
            File.ReadAllText(Path.Combine(Dir("pids"), "pids.max")).Trim().ShouldBe("40");
            Path.GetFileName(Dir("memory")).ShouldStartWith(CgroupNames.HostTag);
            foreach (string procs in cgroup.ProcsFiles)
            {
                OwnerOf(procs).ShouldBe(65534u, procs); // the worker's own user may join it
            }

            CgroupCounters counters = cgroup.ReadCounters();
            counters.MemoryLimitBytes.ShouldBe(96 * MiB);
            counters.TasksCurrent.ShouldBe(0);
            counters.OomKills.ShouldBe(0);
            counters.CpuUsage.ShouldBe(TimeSpan.Zero);

            cgroup.SetCpuPercent(null);
            File.ReadAllText(Path.Combine(Dir("cpu"), "cpu.cfs_quota_us")).Trim().ShouldBe("-1");
        }
        finally
        {
            cgroup.Dispose();
        }

        foreach (string directory in directories)
        {
            Directory.Exists(directory).ShouldBeFalse(directory);
        }
    }

    [CgroupV1Theory]
    [InlineData("private")]
    [InlineData("shared")]
    public void MemoryHog_IsKilledByTheCgroupAtItsLimit(string kind)
    {
        Run run = RunInCgroup(new CgroupLimits(64 * MiB, null, null), [kind, "512"], TimeSpan.FromSeconds(60));

        run.Stdout.ShouldNotContain("allocated", customMessage: "the hog got all its memory");
        run.ExitCode.ShouldBe(137, run.Describe()); // SIGKILL from the memcg OOM killer
        run.Counters.OomKills.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(1, run.Describe());
        run.Counters.MemoryPeakBytes.ShouldNotBeNull().ShouldBeLessThanOrEqualTo((long)(64 * MiB * 1.1), run.Describe());
    }

    [CgroupV1Fact]
    public void Spinner_IsHeldAtItsCpuShare()
    {
        Run run = RunInCgroup(new CgroupLimits(null, 20, null), ["spin", "3"], TimeSpan.FromSeconds(60));

        run.ExitCode.ShouldBe(0, run.Describe());
        double share = run.Counters.CpuUsage!.Value.TotalSeconds / run.Wall.TotalSeconds;
        share.ShouldBeLessThanOrEqualTo(0.2 * 1.5, run.Describe()); // a busy machine only lowers it
        run.Counters.CpuThrottled.ShouldNotBeNull().ShouldBeGreaterThan(TimeSpan.Zero, run.Describe());
    }

    [CgroupV1Theory]
    [InlineData("forkbomb")]
    [InlineData("threadbomb")]
    public void Bomb_IsHeldByPidsMaxAndKillAllEmptiesIt(string kind)
    {
        Run run = RunInCgroup(new CgroupLimits(null, null, 32), [kind, "2"], TimeSpan.FromSeconds(4));

        run.TasksWhileRunning.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(32, run.Describe());
        run.TasksWhileRunning.Value.ShouldBeGreaterThan(16, run.Describe());
        run.Counters.TasksLimitHits.ShouldNotBeNull().ShouldBeGreaterThan(0, run.Describe());
        run.Counters.TasksCurrent.ShouldBe(0, "KillAll leaves the cgroup empty");
    }

    [CgroupV1Fact]
    public void ForkingWorker_ItsEscapedGrandchildIsHeldAndKilledWithIt()
    {
        Run run = RunInCgroup(new CgroupLimits(null, null, 16), ["escape", "1"], TimeSpan.FromSeconds(30), keepCgroup: true);
        try
        {
            run.ExitCode.ShouldBe(0, run.Describe());
            run.Cgroup.ReadCounters().TasksCurrent.ShouldBe(1, "the grandchild outlives the worker, outside its process tree, but not outside its cgroup");
            int grandchild = CgroupFile.ReadPids(run.Cgroup.ProcsFiles[0]).ShouldHaveSingleItem();

            run.Cgroup.Dispose();

            WaitUntil(() => !Directory.Exists($"/proc/{grandchild}") || File.ReadAllText($"/proc/{grandchild}/stat").Contains(") Z ", StringComparison.Ordinal))
                .ShouldBeTrue("removing the cgroup kills what the worker left behind");
            Directory.Exists(Path.GetDirectoryName(run.Cgroup.ProcsFiles[0])).ShouldBeFalse();
        }
        finally
        {
            run.Cgroup.Dispose();
        }
    }

    /// <summary>
    /// Fork chains (each link forks its successor and exits at once, four chains) in a cgroup without the freezer, which
    /// v1 leaves optional: KillAll must still empty it. A read-then-kill loop alone lost the race: every pid it read had
    /// already been replaced, and the cgroup (with its tasks) outlived its worker.
    /// </summary>
    [CgroupV1Fact]
    public void ForkChains_WithoutTheFreezer_KillAllStillEmptiesTheCgroup()
    {
        var full = (CgroupV1Backend)Backend();
        var backend = new CgroupV1Backend(full.Parents.Where(p => p.Key != "freezer").ToDictionary(p => p.Key, p => p.Value));
        var cgroup = (CgroupV1Worker)backend.Create("respawn", new CgroupLimits(null, null, 64), owner: null);
        string program = CgroupHostileProgram.In(sandbox.Bin);
        try
        {
            var spec = new LaunchSpec { Executable = program, Arguments = [program, "respawn", "4"], CgroupProcsFiles = cgroup.ProcsFiles };
            var start = new ProcessStartInfo(sandbox.Launcher) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("--spec");
            start.ArgumentList.Add(spec.ToArgument());
            using (Process.Start(start)!)
            {
                Thread.Sleep(1000);
            }

            (cgroup.ReadCounters().TasksCurrent ?? 0).ShouldBeGreaterThan(0, "the chains were not running: the check would prove nothing");

            cgroup.KillAll(TimeSpan.FromSeconds(5)).ShouldBeTrue($"the fork chains outran KillAll: {cgroup.ReadCounters()}");
            cgroup.ReadCounters().TasksCurrent.ShouldBe(0);
        }
        finally
        {
            // Never leave chains running on a shared machine, whatever KillAll did: no fork is possible at pids.max 0.
            foreach (string limit in cgroup.ProcsFiles.Select(p => Path.Combine(Path.GetDirectoryName(p)!, "pids.max")).Where(File.Exists))
            {
                File.WriteAllText(limit, "0");
            }

            cgroup.Dispose();
        }
    }

    [CgroupV1Fact]
    public void RemoveStale_KillsAndRemovesADeadHostsWorkerAndLeavesLiveOnes()
    {
        var backend = (CgroupV1Backend)Backend();
        using IWorkerCgroup live = backend.Create("live", new CgroupLimits(null, null, 8), owner: null);
        // A host that died: pid 4194304 is above any pid_max, so no process has it.
        string stale = CgroupNames.Tag(4_194_304, 12345) + "dead-worker";
        var directories = backend.Parents.Values.Select(p => Path.Combine(p, stale)).Distinct().ToList();
        directories.ForEach(d => Directory.CreateDirectory(d));
        using Process sleeper = Process.Start("/usr/bin/sleep", "60");
        foreach (string directory in directories)
        {
            File.WriteAllText(Path.Combine(directory, "cgroup.procs"), sleeper.Id.ToString(CultureInfo.InvariantCulture));
        }

        int removed = backend.RemoveStale();

        removed.ShouldBe(1);
        sleeper.WaitForExit(TimeSpan.FromSeconds(10)).ShouldBeTrue("the dead host's task is killed first");
        directories.ShouldAllBe(d => !Directory.Exists(d));
        live.ProcsFiles.ShouldAllBe(f => File.Exists(f), "a live host's cgroups stay");
    }

    private Run RunInCgroup(CgroupLimits limits, string[] arguments, TimeSpan wait, bool keepCgroup = false)
    {
        string program = CgroupHostileProgram.In(sandbox.Bin);
        IWorkerCgroup cgroup = Backend().Create("test-" + arguments[0], limits, owner: null);
        try
        {
            var spec = new LaunchSpec { Executable = program, Arguments = [program, .. arguments], CgroupProcsFiles = cgroup.ProcsFiles };
            var start = new ProcessStartInfo(sandbox.Launcher) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("--spec");
            start.ArgumentList.Add(spec.ToArgument());
            var watch = Stopwatch.StartNew();
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit(wait);
            TimeSpan wall = watch.Elapsed;
            long? tasks = cgroup.ReadCounters().TasksCurrent;
            if (!keepCgroup)
            {
                cgroup.KillAll();
            }

            process.WaitForExit();
            Task.WaitAll([stdout, stderr], keepCgroup ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(10));
            CgroupCounters counters = cgroup.ReadCounters();
            return new Run(cgroup, process.ExitCode, stdout.IsCompleted ? stdout.Result : "", stderr.IsCompleted ? stderr.Result : "", wall, tasks, counters);
        }
        finally
        {
            if (!keepCgroup)
            {
                cgroup.Dispose();
                cgroup.ProcsFiles.ShouldAllBe(f => !File.Exists(f), "the worker's cgroup is removed");
            }
        }
    }

    private static bool WaitUntil(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    private static unsafe uint OwnerOf(string path)
    {
        byte* buffer = stackalloc byte[Interop.SizeOfStat];
        Interop.Check(Interop.lstat(path, buffer), "lstat");
        return *(uint*)(buffer + Interop.StatUidOffset);
    }

    private sealed record Run(IWorkerCgroup Cgroup, int ExitCode, string Stdout, string Stderr, TimeSpan Wall, long? TasksWhileRunning, CgroupCounters Counters)
    {
        public string Describe() => $"exit {ExitCode}, wall {Wall.TotalSeconds:0.00} s, stdout '{Stdout.Trim()}', stderr '{Stderr.Trim()}', counters {Counters}";
    }
}
