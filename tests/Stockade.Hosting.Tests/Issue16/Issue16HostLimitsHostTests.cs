using Stockade.Core.Audit;
using Stockade.Core.Manifest;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// Issue 16 item 6 through a real host: a limit the manifest leaves out takes the host's default (seen in the worker's
/// own <c>/proc/&lt;pid&gt;/limits</c>), a limit above the host's cap refuses the load with the cap named and audited,
/// and a host that clamps runs it at the cap and records that it did.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16HostLimitsHostTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task AboveTheCap_IsRefusedWithTheCapNamed_AndAudited_NothingStarted()
    {
        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home, ResourceCaps = HostLimits.DefaultCaps with { MemoryMb = 256, Threads = 32 } });

        var refused = await Should.ThrowAsync<PluginRefusedException>(() => host.LoadAsync(_world.Misbehave("t.greedy", resources: "{ memoryMb: 512, threads: 64, openFiles: 128, diskMb: 16, maxFileMb: 16 }")));

        refused.Message.ShouldContain("2 limit(s) above the host's caps");
        refused.Problems.ShouldContain("'resources.memoryMb' is 512 MiB, above this host's cap of 256 MiB (PluginHostOptions.ResourceCaps.MemoryMb)");
        refused.Problems.ShouldContain(p => p.Contains("PluginHostOptions.ResourceCaps.Threads", StringComparison.Ordinal));
        host.Plugins.ShouldBeEmpty();
        var records = new AuditReader(host.Home.AuditDirectory).Query(new AuditQuery()).Where(r => r.Plugin == "t.greedy").ToList();
        records.Where(r => r.Action == AuditActions.ValidationWarning && r.Decision == AuditDecision.Deny).Count().ShouldBe(2);
        records.ShouldNotContain(r => r.Action == AuditActions.PluginStarted);
    }

    [Fact]
    public async Task LeftOut_TakesTheHostDefault_AndAClampingHostRunsAtTheCap()
    {
        await using var host = new PluginHost(new PluginHostOptions
        {
            Home = _world.Home,
            DefaultResources = ResourceLimits.Default with { MemoryMb = 300, OpenFiles = 200 },
            ResourceCaps = HostLimits.DefaultCaps with { MaxFileMb = 32 },
            ClampToCaps = true,
        });

        var plugin = await host.LoadAsync(_world.Misbehave("t.defaults", resources: "{ maxFileMb: 64 }"), new PluginLoadOptions { Level = "sandboxed" });

        plugin.Policy.Resources.MemoryMb.ShouldBe(300);
        plugin.Policy.Resources.OpenFiles.ShouldBe(200);
        plugin.Policy.Resources.MaxFileMb.ShouldBe(32);
        var limits = File.ReadAllLines($"/proc/{plugin.ProcessId.ShouldNotBeNull()}/limits");
        Issue15DataHeadroomTests.MemoryLimitIsApplied(plugin.ProcessId.ShouldNotBeNull(), 300);
        limits.ShouldContain(l => l.StartsWith("Max open files", StringComparison.Ordinal) && l.Contains(" 200 ", StringComparison.Ordinal));
        limits.ShouldContain(l => l.StartsWith("Max file size", StringComparison.Ordinal) && l.Contains((32L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var clamped = new AuditReader(host.Home.AuditDirectory).Query(new AuditQuery()).Single(r => r.Plugin == "t.defaults" && r.Action == AuditActions.ValidationWarning);
        clamped.Decision.ShouldBe(AuditDecision.Info);
        clamped.Details["applied"].ShouldBe("clamped to the cap");
        clamped.Details["message"].ShouldContain("maxFileMb");
    }
}
