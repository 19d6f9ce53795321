using System.Collections.Concurrent;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Services;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// A confined plugin (samples/plugins/capabilities-csharp) reaches host services, its configuration, its
/// key-value store and optional permissions only through the broker: what is granted works, what is not is
/// refused with the permission that would allow it, and the audit log records both.
/// </summary>
public sealed class BrokerCapabilitiesEndToEndTests : IAsyncLifetime
{
    private const string Id = "t.caps";
    private readonly HostWorld _world = new();
    private readonly ScriptedPrompt _prompt = new();
    private readonly ClockService _clock = new();
    private PluginHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new PluginHost(new PluginHostOptions { Home = _world.Home, KeyValueQuotaMb = 1 }) { PermissionPrompt = _prompt };
        _host.Services.Register("clock", _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task HostService_GrantedPermission_CallsTheApplication()
    {
        await LoadAsync(required: ["clock:read"], grants: ["clock:read"]);

        var outcome = await CallAsync("service", new { service = "clock", method = "now" });

        outcome.GetProperty("ok").GetBoolean().ShouldBeTrue(outcome.ToString());
        outcome.GetProperty("value").GetString().ShouldBe(ClockService.Now);
        _clock.Calls.ShouldBe(1);
        (await AuditAsync(AuditActions.ServiceCall)).ShouldContain(r => r.Decision == AuditDecision.Allow && r.Resource == "clock.now");
    }

    [Fact]
    public async Task HostService_PermissionNotGranted_RefusedNamingIt_ApplicationNeverCalled()
    {
        await LoadAsync(required: ["clock:read", "clock:set"], grants: ["clock:read"]);

        var outcome = await CallAsync("service", new { service = "clock", method = "set", args = new { time = "12:00" } });

        outcome.GetProperty("ok").GetBoolean().ShouldBeFalse();
        outcome.GetProperty("code").GetString().ShouldBe("permission_denied");
        outcome.GetProperty("permission").GetString().ShouldBe("clock:set");
        _clock.Sets.ShouldBe(0);
        (await AuditAsync(AuditActions.ServiceBlocked)).ShouldContain(r => r.Decision == AuditDecision.Deny && r.Permission == "clock:set");
    }

    [Fact]
    public async Task Config_ReadGranted_WriteNotGranted_ReadsHostValueAndRefusesWrite()
    {
        await InstallAndLoadAsync(required: ["config:read=theme"], grants: ["config:read=theme"]);
        _host.Store.SetConfig(Id, "theme", "\"dark\"").ShouldBeTrue();

        var read = await CallAsync("configGet", new { key = "theme" });
        var write = await CallAsync("configSet", new { key = "theme", value = "light" });
        var other = await CallAsync("configGet", new { key = "password" });

        read.GetProperty("value").GetString().ShouldBe("dark", read.ToString());
        write.GetProperty("code").GetString().ShouldBe("permission_denied");
        write.GetProperty("permission").GetString().ShouldBe("config:write=theme");
        other.GetProperty("code").GetString().ShouldBe("permission_denied");
        _host.Store.GetConfig(Id, "theme").ShouldBe("\"dark\"");
    }

    [Fact]
    public async Task KeyValueStore_Granted_RoundTripsAndStaysWithinQuota()
    {
        await InstallAndLoadAsync(required: ["database:write=notes"], grants: ["database:write=notes"]);

        (await CallAsync("kvSet", new { key = "notes/a", value = "alpha" })).GetProperty("ok").GetBoolean().ShouldBeTrue();
        (await CallAsync("kvSet", new { key = "notes/b", value = "beta" })).GetProperty("ok").GetBoolean().ShouldBeTrue();
        var got = await CallAsync("kvGet", new { key = "notes/a" });
        got.GetProperty("value").GetString().ShouldBe("alpha", got.ToString());
        (await CallAsync("kvList", new { prefix = "notes/" })).GetProperty("value").EnumerateArray().Select(e => e.GetString()).ShouldBe(["notes/a", "notes/b"]);
        (await CallAsync("kvDelete", new { key = "notes/a" })).GetProperty("value").GetBoolean().ShouldBeTrue();
        (await CallAsync("kvGet", new { key = "notes/a" })).GetProperty("value").ValueKind.ShouldBe(JsonValueKind.Null);

        // Another namespace is not granted; a value past the 1 MiB quota is refused and not stored.
        (await CallAsync("kvSet", new { key = "secrets/x", value = "y" })).GetProperty("code").GetString().ShouldBe("permission_denied");
        var big = await CallAsync("kvSet", new { key = "notes/big", value = new string('x', 2 * 1024 * 1024) });
        big.GetProperty("ok").GetBoolean().ShouldBeFalse();
        big.GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("quota");
        (await CallAsync("kvGet", new { key = "notes/big" })).GetProperty("value").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Theory]
    [InlineData(PermissionAnswer.AllowOnce, true)]
    [InlineData(PermissionAnswer.Deny, false)]
    public async Task OptionalPermission_AskedAtRunTime_TheAnswerDecidesAndIsAudited(PermissionAnswer answer, bool granted)
    {
        await LoadAsync(required: [], optional: ["clock:read"], grants: []);
        _prompt.Answer = answer;

        var before = await CallAsync("service", new { service = "clock", method = "now" });
        var asked = await CallAsync("ask", new { permission = "clock:read", reason = "to show the time" });
        var after = await CallAsync("service", new { service = "clock", method = "now" });

        before.GetProperty("code").GetString().ShouldBe("permission_denied");
        asked.GetProperty("value").GetBoolean().ShouldBe(granted);
        after.GetProperty("ok").GetBoolean().ShouldBe(granted);
        _prompt.Asked.ShouldBe([$"{Id} clock:read to show the time"]);
        (await AuditAsync(AuditActions.PermissionRequested)).ShouldContain(r => r.Permission == "clock:read");
        var decided = await AuditAsync(granted ? AuditActions.PermissionGranted : AuditActions.PermissionDenied);
        decided.Where(r => r.Permission == "clock:read").Select(r => r.Details.GetValueOrDefault("answer")).ShouldContain(answer.ToString());
    }

    [Fact]
    public async Task OptionalPermission_NotDeclared_IsRefusedWithoutAskingAnyone()
    {
        await LoadAsync(required: [], grants: []);

        var asked = await CallAsync("ask", new { permission = "clock:read", reason = "sneaky" });

        asked.GetProperty("value").GetBoolean().ShouldBeFalse();
        _prompt.Asked.ShouldBeEmpty();
    }

    [Fact]
    public async Task KeyValueStore_PluginNotInstalled_RefusedSayingHowInsteadOfLosingTheWrite()
    {
        await LoadAsync(required: ["database:write=notes"], grants: ["database:write=notes"]);

        var write = await CallAsync("kvSet", new { key = "notes/a", value = "alpha" });

        write.GetProperty("ok").GetBoolean().ShouldBeFalse();
        write.GetProperty("code").GetString().ShouldBe("not_found");
        write.GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("stockade install");
    }

    [Theory]
    [InlineData("env:read=APP_*", "demo", null)]
    [InlineData("env:read=APP_API_TOKEN", null, "s3cret")]
    public async Task Environment_OnlyGrantedNamesExist_SecretsOnlyByExactName(string grant, string? mode, string? token)
    {
        await _host.DisposeAsync();
        _host = new PluginHost(new PluginHostOptions
        {
            Home = _world.Home,
            Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["APP_MODE"] = "demo", ["APP_API_TOKEN"] = "s3cret", ["OTHER"] = "x" },
        });
        await LoadAsync(required: [grant], grants: [grant]);

        (await CallAsync("env", new { name = "APP_MODE" })).ValueKind.ShouldBe(mode is null ? JsonValueKind.Null : JsonValueKind.String);
        (await CallAsync("env", new { name = "APP_API_TOKEN" })).ToString().ShouldBe(token ?? string.Empty);
        (await CallAsync("env", new { name = "OTHER" })).ValueKind.ShouldBe(JsonValueKind.Null);
    }

    private async Task InstallAndLoadAsync(string[] required, string[] grants)
    {
        var folder = _world.Plugin("capabilities-csharp", Id, Manifest(required, null));
        new Stockade.Hosting.Installation.PluginInstaller(_host).Install(folder, new Stockade.Hosting.Installation.InstallOptions { Grants = grants, Level = "sandboxed" });
        await _host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
    }

    private async Task LoadAsync(string[] required, string[] grants, string[]? optional = null) =>
        await _host.LoadAsync(_world.Plugin("capabilities-csharp", Id, Manifest(required, optional)), new PluginLoadOptions { Level = "sandboxed", Grants = grants });

    private static string Manifest(string[] required, string[]? optional)
    {
        static string List(string[] items) => string.Concat(items.Select(p => $"\n    - permission: {p}\n      reason: tests"));
        var manifest = $"""
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: {"{"} init: 30s, call: 10s, hook: 2s {"}"}
            permissions:
              required:{(required.Length == 0 ? " []" : List(required))}
              optional:{(optional is null or [] ? " []" : List(optional))}
            """;
        return manifest;
    }

    private async Task<JsonElement> CallAsync(string method, object input) =>
        await _host.InvokeAsync(Id, method, JsonSerializer.SerializeToElement(input));

    private async Task<List<AuditRecord>> AuditAsync(string action)
    {
        await _host.Audit.FlushAsync();
        return [.. new AuditReader(_host.Home.AuditDirectory).Query(new AuditQuery { Plugin = Id, Action = action })];
    }

    public sealed record SetTimeArgs(string Time);

    /// <summary>A host application's service: reading the time needs <c>clock:read</c>, setting it <c>clock:set</c>.</summary>
    public sealed class ClockService
    {
        public const string Now = "2026-11-26T12:00:00Z";

        public int Calls { get; private set; }

        public int Sets { get; private set; }

        [RequiresPermission("clock:read")]
        [HostServiceMethod("now")]
        public string GetNow()
        {
            Calls++;
            return Now;
        }

        [RequiresPermission("clock:set")]
        [HostServiceMethod("set")]
        public void Set(SetTimeArgs args) => Sets += args.Time.Length > 0 ? 1 : 0;
    }

    private sealed class ScriptedPrompt : IPermissionPrompt
    {
        private readonly ConcurrentQueue<string> _asked = new();

        public PermissionAnswer Answer { get; set; } = PermissionAnswer.Deny;

        public IReadOnlyList<string> Asked => [.. _asked];

        public ValueTask<PermissionAnswer> AskAsync(string pluginId, string permission, string? reason, CancellationToken cancellationToken)
        {
            _asked.Enqueue($"{pluginId} {permission} {reason}");
            return ValueTask.FromResult(Answer);
        }
    }
}
