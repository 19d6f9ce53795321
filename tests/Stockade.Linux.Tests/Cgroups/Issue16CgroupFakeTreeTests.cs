using Stockade.Linux.Cgroups;

namespace Stockade.Linux.Tests.Cgroups;

/// <summary>
/// Issue 16, what can be tested without a cgroup v2 kernel: parsing of the kernel's files, the v2 file layout and
/// selection against a temporary directory laid out like cgroupfs. The v2 backend was not run on a v2 kernel here.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16CgroupFakeTreeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stockade-cgfake-").FullName;

    [Fact]
    public void ParseV1Mounts_ThisMachinesLayout_FindsEachControllerAndCoMounts()
    {
        const string mountInfo = """
            30 24 0:27 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            31 24 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
            32 24 0:29 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            33 24 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            34 24 0:31 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
            """;

        Dictionary<string, string> mounts = CgroupHierarchy.ParseV1Mounts(mountInfo);

        mounts["memory"].ShouldBe("/sys/fs/cgroup/memory");
        mounts["cpu"].ShouldBe("/sys/fs/cgroup/cpu,cpuacct");
        mounts["cpuacct"].ShouldBe("/sys/fs/cgroup/cpu,cpuacct");
        mounts.ContainsKey("freezer").ShouldBeFalse();
        CgroupHierarchy.ParseV2Mount(mountInfo).ShouldBe("/sys/fs/cgroup/unified");
    }

    [Fact]
    public void ParseOwnPaths_V1AndV2Lines_GiveEachControllersPath()
    {
        Dictionary<string, string> own = CgroupHierarchy.ParseOwnPaths("4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/user.slice/x.scope\n");

        own["memory"].ShouldBe("/process_api/abc");
        own["cpuacct"].ShouldBe("/");
        own[""].ShouldBe("/user.slice/x.scope");
    }

    [Theory]
    [InlineData("max\n", null)]
    [InlineData("9223372036854771712\n", null)] // v1's "unlimited"
    [InlineData("1048576\n", 1048576L)]
    [InlineData("garbage", null)]
    public void ParseNumber_KernelForms(string text, long? expected) => CgroupFile.ParseNumber(text).ShouldBe(expected);

    [Fact]
    public void ParseKeyed_FindsTheKeyOnly() =>
        CgroupFile.ParseKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill").ShouldBe(3);

    [Fact]
    public void V2_Create_WritesMemoryMaxHighSwapCpuMaxAndPidsMax()
    {
        string parent = FakeV2Parent("memory cpu pids");
        var backend = new CgroupV2Backend(parent);

        IWorkerCgroup cgroup = backend.Create("w1", new CgroupLimits(100L * 1024 * 1024, 150, 64), owner: null);
        string dir = Path.GetDirectoryName(cgroup.ProcsFiles.ShouldHaveSingleItem())!;

        Path.GetFileName(dir).ShouldBe(CgroupNames.HostTag + "w1");
        Read(dir, "memory.max").ShouldBe("104857600");
        Read(dir, "memory.high").ShouldBe("94371840"); // 90 %: the kernel throttles there
        Read(dir, "cpu.max").ShouldBe("150000 100000");
        Read(dir, "pids.max").ShouldBe("64");
        cgroup.SetCpuPercent(null);
        Read(dir, "cpu.max").ShouldBe("max 100000");
    }

    [Fact]
    public void V2_ReadCounters_ParsesEventsPeakAndCpuStat()
    {
        string parent = FakeV2Parent("memory cpu pids");
        IWorkerCgroup cgroup = new CgroupV2Backend(parent).Create("w2", new CgroupLimits(null, null, null), owner: null);
        string dir = Path.GetDirectoryName(cgroup.ProcsFiles[0])!;
        File.WriteAllText(Path.Combine(dir, "memory.current"), "1000\n");
        File.WriteAllText(Path.Combine(dir, "memory.peak"), "2000\n");
        File.WriteAllText(Path.Combine(dir, "memory.max"), "max\n");
        File.WriteAllText(Path.Combine(dir, "memory.events"), "low 0\nhigh 7\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n");
        File.WriteAllText(Path.Combine(dir, "pids.current"), "3\n");
        File.WriteAllText(Path.Combine(dir, "pids.events"), "max 9\n");
        File.WriteAllText(Path.Combine(dir, "cpu.stat"), "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 10\nnr_throttled 4\nthrottled_usec 250000\n");

        CgroupCounters counters = cgroup.ReadCounters();

        counters.ShouldBe(new CgroupCounters(1000, 2000, null, 1, 5, 3, 9, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.25), CpuPeriods: 10, CpuThrottledPeriods: 4));
    }

    [Fact]
    public void V2_ReadCounters_MissingFilesAreNullNotErrors()
    {
        var worker = new CgroupV2Worker(Path.Combine(_root, "gone"));

        worker.ReadCounters().ShouldBe(new CgroupCounters(null, null, null, null, null, null, null, null, null));
    }

    [Fact]
    public void V2_Problem_LacksAController_SaysWhich()
    {
        string parent = FakeV2Parent("memory pids");

        CgroupV2Backend.Problem(parent).ShouldNotBeNull().ShouldContain("lacks the cpu controller");
    }

    [Fact]
    public void V2_Problem_ControllersNotEnabled_EnablesThemInSubtreeControl()
    {
        string parent = FakeV2Parent("memory cpu pids", enabled: "");

        CgroupV2Backend.Problem(parent).ShouldBeNull();
        Read(parent, "cgroup.subtree_control").ShouldBe("+memory +cpu +pids");
    }

    [Fact]
    public void Select_PathThatDoesNotExist_RefusesWithoutDowngradeAndSaysWhy()
    {
        string missing = Path.Combine(_root, "v2", "nope");
        Directory.CreateDirectory(Path.Combine(_root, "v2"));

        CgroupSelection refused = CgroupBackends.Select(new CgroupOptions { Path = missing }, new Dictionary<string, string>(), Path.Combine(_root, "v2"), new Dictionary<string, string>());
        CgroupSelection downgraded = CgroupBackends.Select(new CgroupOptions { Path = missing, AllowDowngrade = true }, new Dictionary<string, string>(), Path.Combine(_root, "v2"), new Dictionary<string, string>());

        refused.Error.ShouldNotBeNull().ShouldContain(missing + " does not exist");
        refused.Error.ShouldContain("AllowDowngrade");
        refused.Backend.Kind.ShouldBe(CgroupBackendKind.None);
        downgraded.Error.ShouldBeNull();
        downgraded.Downgraded.ShouldBeTrue();
        downgraded.Backend.Description.ShouldContain("does not exist");
    }

    [Fact]
    public void Select_PathNotUnderAnyCgroupMount_SaysSo()
    {
        CgroupSelection selection = CgroupBackends.Select(new CgroupOptions { Path = _root }, new Dictionary<string, string> { ["memory"] = "/sys/fs/cgroup/memory" }, null, new Dictionary<string, string>());

        selection.Error.ShouldNotBeNull().ShouldContain("is not under a cgroup mount");
    }

    [Fact]
    public void Select_V1PathLackingAController_NamesIt()
    {
        string memory = Path.Combine(_root, "memory");
        Directory.CreateDirectory(Path.Combine(memory, "mine"));
        var mounts = new Dictionary<string, string> { ["memory"] = memory, ["cpu"] = Path.Combine(_root, "cpu") };

        CgroupSelection selection = CgroupBackends.Select(new CgroupOptions { Path = Path.Combine(memory, "mine") }, mounts, null, new Dictionary<string, string>());

        selection.Error.ShouldNotBeNull();
        selection.Refused.ShouldContain(r => r.Contains("no pids controller is mounted") && r.Contains(Path.Combine(_root, "cpu", "mine") + " does not exist"));
    }

    [Fact]
    public void Select_V2PathUsable_IsV2()
    {
        string mount = Path.Combine(_root, "unified");
        string parent = FakeV2Parent("memory cpu pids", under: mount);

        CgroupSelection selection = CgroupBackends.Select(new CgroupOptions { Path = parent }, new Dictionary<string, string>(), mount, new Dictionary<string, string>());

        selection.Backend.Kind.ShouldBe(CgroupBackendKind.V2);
        selection.Backend.Description.ShouldContain(parent);
    }

    [Fact]
    public void Select_RequireNone_TurnsCgroupsOff() =>
        CgroupBackends.Select(new CgroupOptions { Require = CgroupBackendKind.None }).Backend.Kind.ShouldBe(CgroupBackendKind.None);

    [Fact]
    public void IsStale_OnlyForThisLayoutAndADeadHost()
    {
        CgroupNames.IsStale(CgroupNames.HostTag + "w").ShouldBeFalse("this host is alive");
        CgroupNames.IsStale(CgroupNames.Tag(Environment.ProcessId, 1) + "w").ShouldBeTrue("same pid, another start time: a reused pid");
        CgroupNames.IsStale(CgroupNames.Tag(4_194_304, 1) + "w").ShouldBeTrue();
        CgroupNames.IsStale("stockade-host").ShouldBeFalse();
        CgroupNames.IsStale("stockade.x.y.z").ShouldBeFalse("not ours to judge");
        CgroupNames.ForWorker("a/b c").ShouldEndWith("a-b-c");
    }

    private string FakeV2Parent(string controllers, string? enabled = null, string? under = null)
    {
        string parent = Path.Combine(under ?? _root, "parent-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(parent);
        File.WriteAllText(Path.Combine(parent, "cgroup.controllers"), controllers + "\n");
        File.WriteAllText(Path.Combine(parent, "cgroup.subtree_control"), (enabled ?? controllers) + "\n");
        return parent;
    }

    private static string Read(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Trim();

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
