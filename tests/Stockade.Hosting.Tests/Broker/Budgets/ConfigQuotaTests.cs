using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Store;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Broker.Budgets;

/// <summary>
/// Configuration had no quota: a plugin granted <c>config:write</c> could fill the store. Now a write that would pass
/// <see cref="PluginHostOptions.ConfigQuotaKb"/> is refused with a clear error, audited, and nothing is stored.
/// </summary>
public sealed class ConfigQuotaTests : IAsyncLifetime
{
    private const string Id = "t.config-quota";
    private readonly HostWorld _world = new();
    private PluginHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new PluginHost(new PluginHostOptions { Home = _world.Home, ConfigQuotaKb = 1 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task ConfigSet_PastTheQuota_RefusedClearlyAndAudited_NothingStored_SmallWritesStillWork()
    {
        var manifest = """
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: { init: 30s, call: 10s, hook: 2s }
            permissions:
              required:
                - permission: config:write=blob
                  reason: tests
            """;
        new PluginInstaller(_host).Install(_world.Plugin("capabilities-csharp", Id, manifest), new InstallOptions { Grants = ["config:write=blob"], Level = "sandboxed" });
        await _host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });

        var small = await CallAsync("configSet", new { key = "blob", value = new string('s', 100) });
        var large = await CallAsync("configSet", new { key = "blob", value = new string('L', 2000) });

        small.GetProperty("ok").GetBoolean().ShouldBeTrue(small.ToString());
        large.GetProperty("ok").GetBoolean().ShouldBeFalse();
        large.GetProperty("code").GetString().ShouldBe("invalid_params");
        large.GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("quota of 1 KiB");
        _host.Store.GetConfig(Id, "blob").ShouldBe(JsonSerializer.Serialize(new string('s', 100)), "the refused write changed nothing");
        await _host.Audit.FlushAsync();
        new AuditReader(_host.Home.AuditDirectory).Query(new AuditQuery { Plugin = Id, Action = AuditActions.ServiceBlocked })
            .ShouldContain(r => r.Decision == AuditDecision.Deny && r.Permission == "config:write=blob" && r.Details!["reason"].Contains("quota"));
    }

    [Fact]
    public void Store_SetConfigWithQuota_RefusesAtomically_RemovalAlwaysAllowed()
    {
        _host.Store.UpsertPlugin(new PluginRecord("t.store", "1.0.0", "/src/t.store", DateTimeOffset.UtcNow, "sha256:" + new string('0', 64), true, "{\"id\":\"t.store\"}"));

        _host.Store.SetConfig("t.store", "a", "\"12345\"", quotaBytes: 10).ShouldBe(KvWriteResult.Written);
        _host.Store.SetConfig("t.store", "b", "\"12345\"", quotaBytes: 10).ShouldBe(KvWriteResult.QuotaExceeded);
        _host.Store.GetConfig("t.store", "b").ShouldBeNull();
        _host.Store.GetConfigUsage("t.store").ShouldBe(8);
        _host.Store.SetConfig("t.store", "a", null, quotaBytes: 1).ShouldBe(KvWriteResult.Written);
        _host.Store.SetConfig("t.nobody", "a", "1", quotaBytes: 10).ShouldBe(KvWriteResult.PluginNotFound);
    }

    private async Task<JsonElement> CallAsync(string method, object input) =>
        await _host.InvokeAsync(Id, method, JsonSerializer.SerializeToElement(input));
}
