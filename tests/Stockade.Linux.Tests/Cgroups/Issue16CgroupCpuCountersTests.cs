using Stockade.Linux.Cgroups;

namespace Stockade.Linux.Tests.Cgroups;

/// <summary>
/// Issue 16, the CPU counters the watchdog judges a quota by, read from directories laid out like cgroupfs (v1: one
/// per controller; v2: one): the use, the quota periods and the throttled ones from one read of <c>cpu.stat</c>, and
/// the quota in force. The real v1 side runs in <c>Issue16CpuFigureTests</c> (Hosting).
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16CgroupCpuCountersTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stockade-cgcpu-").FullName;

    [Fact]
    public void V1_ReadCounters_ParsesCpuStatCpuacctAndTheQuota()
    {
        string cpu = Folder("cpu"), cpuacct = Folder("cpuacct");
        File.WriteAllText(Path.Combine(cpu, "cpu.stat"), "nr_periods 31\nnr_throttled 30\nthrottled_time 5700000000\nnr_bursts 0\nburst_time 0\n");
        File.WriteAllText(Path.Combine(cpu, "cpu.cfs_quota_us"), "5000\n");
        File.WriteAllText(Path.Combine(cpu, "cpu.cfs_period_us"), "100000\n");
        File.WriteAllText(Path.Combine(cpuacct, "cpuacct.usage"), "155000000\n");
        var worker = new CgroupV1Worker(new() { ["cpu"] = cpu, ["cpuacct"] = cpuacct }, [cpu, cpuacct]);

        CgroupCounters counters = worker.ReadCounters();

        counters.CpuUsage.ShouldBe(TimeSpan.FromMilliseconds(155));
        counters.CpuPeriods.ShouldBe(31);
        counters.CpuThrottledPeriods.ShouldBe(30);
        counters.CpuThrottled.ShouldBe(TimeSpan.FromSeconds(5.7), "summed over CPUs: more than the 3.1 s the periods span");
        counters.CpuQuotaPercent.ShouldBe(5);
    }

    [Fact]
    public void V1_ReadCounters_NoQuota_IsNull()
    {
        string cpu = Folder("cpu");
        File.WriteAllText(Path.Combine(cpu, "cpu.stat"), "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
        File.WriteAllText(Path.Combine(cpu, "cpu.cfs_quota_us"), "-1\n");
        File.WriteAllText(Path.Combine(cpu, "cpu.cfs_period_us"), "100000\n");
        var worker = new CgroupV1Worker(new() { ["cpu"] = cpu }, [cpu]);

        CgroupCounters counters = worker.ReadCounters();

        counters.CpuQuotaPercent.ShouldBeNull();
        counters.CpuPeriods.ShouldBe(0);
        counters.CpuUsage.ShouldBeNull("no cpuacct controller");
    }

    [Fact]
    public void V2_ReadCounters_ParsesCpuStatAndCpuMax()
    {
        string dir = Folder("v2");
        File.WriteAllText(Path.Combine(dir, "cpu.stat"), "usage_usec 155000\nuser_usec 150000\nsystem_usec 5000\nnr_periods 31\nnr_throttled 30\nthrottled_usec 5700000\nnr_bursts 0\nburst_usec 0\n");
        File.WriteAllText(Path.Combine(dir, "cpu.max"), "2500 100000\n");
        var worker = new CgroupV2Worker(dir);

        CgroupCounters counters = worker.ReadCounters();

        counters.CpuUsage.ShouldBe(TimeSpan.FromMilliseconds(155));
        counters.CpuPeriods.ShouldBe(31);
        counters.CpuThrottledPeriods.ShouldBe(30);
        counters.CpuQuotaPercent.ShouldBe(2.5);
    }

    [Theory]
    [InlineData("max 100000\n", null)]
    [InlineData("5000 100000\n", 5.0)]
    [InlineData("800000 100000", 800.0)]
    [InlineData("", null)]
    [InlineData("garbage", null)]
    public void V2_QuotaPercent_KernelForms(string cpuMax, double? expected) => CgroupV2Worker.QuotaPercent(cpuMax).ShouldBe(expected);

    [Fact]
    public void V2_ReadCounters_WithoutTheCpuController_HasUseButNoPeriods()
    {
        // cpu.stat exists in every v2 cgroup; only its usage lines without the cpu controller enabled.
        string dir = Folder("v2-nocpu");
        File.WriteAllText(Path.Combine(dir, "cpu.stat"), "usage_usec 155000\nuser_usec 150000\nsystem_usec 5000\n");
        var worker = new CgroupV2Worker(dir);

        CgroupCounters counters = worker.ReadCounters();

        counters.CpuUsage.ShouldBe(TimeSpan.FromMilliseconds(155));
        counters.CpuPeriods.ShouldBeNull();
        counters.CpuThrottledPeriods.ShouldBeNull();
        counters.CpuQuotaPercent.ShouldBeNull();
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
