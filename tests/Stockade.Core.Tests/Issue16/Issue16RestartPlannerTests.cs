using Stockade.Core.Manifest;

namespace Stockade.Core.Tests.Issue16;

/// <summary>Issue 16 item 5: the restart ladder as a pure function (policy + base limits + history → next limits or disable).</summary>
[Trait("Issue", "16")]
public sealed class Issue16RestartPlannerTests
{
    private static readonly RestartPolicy Halving = new() { MaxRestarts = 5, Limits = RestartLimits.Stricter, Factor = 0.5 };

    [Fact]
    public void Same_KeepsTheBaseLimits_AfterResourceKills()
    {
        var plan = RestartPlanner.Plan(RestartPolicy.Default, ResourceLimits.Default, restartsInWindow: 1, resourceKillsInWindow: 2);

        plan.Disable.ShouldBeFalse();
        plan.Limits.ShouldBe(ResourceLimits.Default);
        plan.Attempt.ShouldBe(2);
    }

    [Fact]
    public void Stricter_AfterOneResourceKill_MultipliesEveryLimitByTheFactor()
    {
        var baseLimits = ResourceLimits.Default with { MemoryMb = 1024, CpuPercent = 80, CpuTimeSeconds = 600, OpenFiles = 512, Threads = 64, MaxFileMb = 100, Processes = 4 };

        var limits = RestartPlanner.Plan(Halving, baseLimits, 0, 1).Limits;

        limits.MemoryMb.ShouldBe(512);
        limits.CpuPercent.ShouldBe(40);
        limits.CpuTimeSeconds.ShouldBe(300);
        limits.OpenFiles.ShouldBe(256);
        limits.Threads.ShouldBe(32);
        limits.MaxFileMb.ShouldBe(50);
        limits.Processes.ShouldBe(2);
    }

    [Fact]
    public void Stricter_KeepsTheDiskQuota_BecauseTheDataOutlivesTheWorker()
    {
        RestartPlanner.Plan(Halving, ResourceLimits.Default with { DiskMb = 400 }, 0, 3).Limits.DiskMb.ShouldBe(400);
    }

    [Fact]
    public void Stricter_CompoundsPerKill_AndStopsAtEveryFloor()
    {
        var baseLimits = ResourceLimits.Default with { MemoryMb = 512 };

        RestartPlanner.LimitsAfter(Halving, baseLimits, 1).MemoryMb.ShouldBe(256);
        RestartPlanner.LimitsAfter(Halving, baseLimits, 2).MemoryMb.ShouldBe(128);
        var floored = RestartPlanner.LimitsAfter(Halving, baseLimits, 10);
        foreach (var row in ResourceLimitTable.All.Where(r => r.StricterOnRestart))
        {
            var value = row.Read(floored);
            if (value is not null)
            {
                value.Value.ShouldBeGreaterThanOrEqualTo(row.FloorFor(PluginRuntime.Dotnet), row.Key);
            }
        }

        floored.MemoryMb.ShouldBe(ResourceLimitTable.Memory.Floor);
        floored.OpenFiles.ShouldBe(128, "a .NET worker needs 128 descriptors (measured: 64 crashes it at start)");
        RestartPlanner.LimitsAfter(Halving, baseLimits, 10, PluginRuntime.Process).OpenFiles.ShouldBe(64);
        floored.Threads.ShouldBe(ResourceLimitTable.Threads.Floor);
        floored.MaxFileMb.ShouldBe(ResourceLimitTable.MaxFile.Floor);
        floored.CpuPercent.ShouldBe(ResourceLimitTable.CpuPercent.Floor);
        floored.Processes.ShouldBe(1);
    }

    [Fact]
    public void Stricter_NeverLoosensALimitAlreadyBelowItsFloor()
    {
        // A base below the floor cannot come from validation, but the planner must still never raise a limit.
        RestartPlanner.LimitsAfter(Halving, ResourceLimits.Default with { Threads = 8 }, 1).Threads.ShouldBe(8);
    }

    [Fact]
    public void Stricter_LeavesUnlimitedCpuTimeUnlimited()
    {
        RestartPlanner.LimitsAfter(Halving, ResourceLimits.Default, 2).CpuTimeSeconds.ShouldBeNull();
    }

    [Fact]
    public void Stricter_WithoutAResourceKill_KeepsTheBase()
    {
        RestartPlanner.Plan(Halving, ResourceLimits.Default, 2, 0).Limits.ShouldBe(ResourceLimits.Default);
    }

    [Theory]
    [InlineData(3, 2, false)]
    [InlineData(3, 3, true)]
    [InlineData(0, 0, true)]
    public void Budget_DisablesOnceTheRestartsInTheWindowReachTheMaximum(int maxRestarts, int restartsInWindow, bool disabled)
    {
        var plan = RestartPlanner.Plan(RestartPolicy.Default with { MaxRestarts = maxRestarts }, ResourceLimits.Default, restartsInWindow, 1);

        plan.Disable.ShouldBe(disabled);
        if (disabled)
        {
            plan.Reason.ShouldNotBeNull().ShouldContain($"allows {maxRestarts} restart(s)");
        }
    }

    [Fact]
    public void Manifest_MayOnlyMakeTheHostPolicyStricter()
    {
        var host = new RestartPolicy { MaxRestarts = 3, Window = TimeSpan.FromMinutes(5), Limits = RestartLimits.Stricter, Factor = 0.75 };

        var looser = host.StricterBy(new RestartRequest { MaxRestarts = 50, Window = TimeSpan.FromSeconds(10), Limits = RestartLimits.Same });
        looser.ShouldBe(host);

        var stricter = host.StricterBy(new RestartRequest { MaxRestarts = 1, Window = TimeSpan.FromHours(1), Limits = RestartLimits.Stricter, Factor = 0.25 });
        stricter.MaxRestarts.ShouldBe(1);
        stricter.Window.ShouldBe(TimeSpan.FromHours(1));
        stricter.Factor.ShouldBe(0.25);

        var opted = RestartPolicy.Default.StricterBy(new RestartRequest { Limits = RestartLimits.Stricter });
        opted.Limits.ShouldBe(RestartLimits.Stricter);
        opted.Factor.ShouldBe(RestartPolicy.Default.Factor);
        opted.MaxRestarts.ShouldBe(RestartPolicy.Default.MaxRestarts);
    }

    [Fact]
    public void Validate_GathersEveryProblem()
    {
        var problems = new RestartPolicy { MaxRestarts = -1, Window = TimeSpan.Zero, Factor = 1.5 }.Validate("PluginHostOptions.Restart");

        problems.Count.ShouldBe(3);
        problems.ShouldContain(p => p.StartsWith("PluginHostOptions.Restart.MaxRestarts", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("PluginHostOptions.Restart.Window", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("PluginHostOptions.Restart.Factor", StringComparison.Ordinal));
    }
}
