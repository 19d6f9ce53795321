using System.Net;
using System.Text;
using Stockade.Hosting;
using Stockade.Plugin.Testing.Tests.KitProbe;

namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// Issue 17 item 2(a): a plugin run in process under the kit's fake host is held to its manifest and the test's grants
/// by the real broker pipeline; key-value store and configuration live in memory; HTTP is answered by the test.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17InProcessTests : IDisposable
{
    private const string Theme = "config:read=theme";
    private const string Notes = "database:write=notes";
    private const string Api = "network:request=api.example.com:443";
    private readonly KitWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task UndeclaredKeyValueWrite_ThrowsPermissionDenied_NamingThePermission_AndStoresNothing()
    {
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe(Notes), grants: [Notes]);

        var refused = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("kvSet", new { key = "secrets/x", value = "y" }));

        refused.Code.ShouldBe("permission_denied");
        refused.Permission.ShouldBe("database:write=secrets");
        refused.Message.ShouldBe("'kit.probe' is not granted database:write=secrets");
        plugin.Store.ShouldBeEmpty();
        plugin.DenialCount.ShouldBe(1);
    }

    [Fact]
    public async Task DeclaredButNotGranted_IsRefusedLikeUndeclared()
    {
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe(Notes, Theme), grants: [Theme]);

        var refused = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("kvSet", new { key = "notes/a", value = "alpha" }));

        refused.Permission.ShouldBe(Notes);
        plugin.Store.ShouldBeEmpty();
    }

    [Fact]
    public async Task GrantedKeyValueStore_RoundTripsInMemory_AndSeededValuesAreThere()
    {
        var options = new PluginTestOptions { Store = { ["notes/seeded"] = "from the test" } };
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe(Notes), grants: [Notes], options);

        await plugin.InvokeAsync("kvSet", new { key = "notes/a", value = "alpha" });
        var read = await plugin.InvokeAsync<string>("kvGet", new { key = "notes/a" });
        var seeded = await plugin.InvokeAsync<string>("kvGet", new { key = "notes/seeded" });
        var keys = await plugin.InvokeAsync<string[]>("kvList", new { key = "notes/" });

        read.ShouldBe("alpha");
        seeded.ShouldBe("from the test");
        keys.ShouldBe(["notes/a", "notes/seeded"]);
        plugin.Store["notes/a"].ShouldBe("alpha");
    }

    [Fact]
    public async Task Config_GrantedKeyReadsTheSeededValue_OtherKeysAndWritesRefused()
    {
        var options = new PluginTestOptions { Config = { ["theme"] = "dark" } };
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe(Theme), grants: [Theme], options);

        var theme = await plugin.InvokeAsync<string>("configGet", new { key = "theme" });
        var other = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("configGet", new { key = "password" }));
        var write = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("configSet", new { key = "theme", value = "light" }));

        theme.ShouldBe("\"dark\"");
        other.Permission.ShouldBe("config:read=password");
        write.Permission.ShouldBe("config:write=theme");
        plugin.Config["theme"].ShouldBe("\"dark\"");
    }

    [Fact]
    public async Task Http_DeclaredHostIsAnsweredByTheTestsHandler_UndeclaredHostRefusedAndNeverSent()
    {
        var handler = new RecordingHandler();
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe(Api), grants: [Api], new PluginTestOptions { Http = handler });

        var answer = await plugin.InvokeAsync<string>("fetch", new { url = "https://api.example.com/v1/items?page=2" });
        var refused = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("fetch", new { url = "https://evil.example.net/steal" }));
        var otherPort = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("fetch", new { url = "http://api.example.com:8080/" }));

        answer.ShouldBe("200 hello from api.example.com");
        handler.Seen.ShouldBe(["GET https://api.example.com/v1/items?page=2"]);
        refused.Permission.ShouldBe("network:request=evil.example.net:443");
        refused.Message.ShouldBe("'kit.probe' is not granted network:request=evil.example.net:443");
        otherPort.Permission.ShouldBe("network:request=api.example.com:8080");
    }

    [Fact]
    public async Task Http_GrantedNameResolvingToLoopback_IsRefusedByTheAddressCheck()
    {
        var handler = new RecordingHandler();
        var options = new PluginTestOptions { Http = handler, NameResolver = _ => [IPAddress.Loopback] };
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe(Api), grants: [Api], options);

        var refused = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("fetch", new { url = "https://api.example.com/" }));

        refused.Message.ShouldContain("loopback");
        handler.Seen.ShouldBeEmpty();
    }

    [Fact]
    public async Task GrantTheManifestDoesNotDeclare_RefusesTheStart()
    {
        var refused = await Should.ThrowAsync<PluginRefusedException>(() => InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe(Theme), grants: [Notes]));

        refused.Message.ShouldContain("grants cannot be given");
    }

    [Fact]
    public async Task ManifestNamingAnotherType_RefusesTheStart()
    {
        var folder = _world.Plugin("KitProbe", "kit.other", KitWorld.ProbeHeader.Replace("KitProbePlugin\n", "Elsewhere\n", StringComparison.Ordinal) + KitWorld.Permissions([]));

        var refused = await Should.ThrowAsync<ArgumentException>(() => InProcessPlugin.StartAsync<KitProbePlugin>(folder));

        refused.Message.ShouldContain("entryType");
    }

    [Fact]
    public async Task InProcess_IsNotConfined_TheKernelsViewNeedsConfinedPlugin()
    {
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(_world.Probe());

        (await plugin.InvokeAsync<string>("readFile", new { path = _world.Secret })).ShouldBe("the host's secret");
    }

    [Fact]
    public async Task HostService_GrantedMethodIsCalled_UngrantedRefusedAndNeverReachesTheService()
    {
        var clock = new FakeClock();
        var manifest = KitWorld.ProbeHeader + KitWorld.Permissions(["clock:read", "clock:set"]);
        var folder = _world.Plugin("KitProbe", "kit.probe", manifest);
        var options = new PluginTestOptions { Services = services => services.Register("clock", clock) };
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(folder, grants: ["clock:read"], options);

        var now = await plugin.InvokeAsync<string>("service", new { service = "clock", method = "now" });
        var refused = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("service", new { service = "clock", method = "reset" }));

        now.ShouldBe("\"12:00\"");
        refused.Permission.ShouldBe("clock:set");
        clock.Resets.ShouldBe(0);
    }

    [Fact]
    public async Task OptionalPermission_TheTestsPromptDecides_UndeclaredNeverAsked()
    {
        var prompt = new AllowOncePrompt();
        var manifest = KitWorld.ProbeHeader + KitWorld.Permissions([]) + "  optional:\n    - permission: database:write=notes\n      reason: tests\n";
        var folder = _world.Plugin("KitProbe", "kit.probe", manifest);
        await using var plugin = await InProcessPlugin.StartAsync<KitProbePlugin>(folder, options: new PluginTestOptions { PermissionPrompt = prompt });

        var before = await Should.ThrowAsync<PermissionDeniedException>(() => plugin.InvokeAsync("kvSet", new { key = "notes/a", value = "x" }));
        var granted = await plugin.InvokeAsync<bool>("ask", new { permission = "database:write=notes" });
        await plugin.InvokeAsync("kvSet", new { key = "notes/a", value = "x" });
        var undeclared = await plugin.InvokeAsync<bool>("ask", new { permission = "database:write=secrets" });

        before.Permission.ShouldBe("database:write=notes");
        granted.ShouldBeTrue();
        plugin.Store["notes/a"].ShouldBe("x");
        undeclared.ShouldBeFalse();
        prompt.Asked.ShouldBe(["kit.probe database:write=notes"]);
    }

    /// <summary>A host application's service: reading the time needs <c>clock:read</c>, resetting it <c>clock:set</c>.</summary>
    public sealed class FakeClock
    {
        public int Resets { get; private set; }

        [Stockade.Hosting.Broker.Services.RequiresPermission("clock:read")]
        [Stockade.Hosting.Broker.Services.HostServiceMethod("now")]
        public string Now() => "12:00";

        [Stockade.Hosting.Broker.Services.RequiresPermission("clock:set")]
        [Stockade.Hosting.Broker.Services.HostServiceMethod("reset")]
        public void Reset() => Resets++;
    }

    private sealed class AllowOncePrompt : IPermissionPrompt
    {
        private readonly List<string> _asked = [];

        public IReadOnlyList<string> Asked => [.. _asked];

        public ValueTask<PermissionAnswer> AskAsync(string pluginId, string permission, string? reason, CancellationToken cancellationToken)
        {
            _asked.Add($"{pluginId} {permission}");
            return ValueTask.FromResult(PermissionAnswer.AllowOnce);
        }
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        private readonly List<string> _seen = [];

        public IReadOnlyList<string> Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen];
                }
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_seen)
            {
                _seen.Add($"{request.Method} {request.RequestUri}");
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($"hello from {request.RequestUri!.Host}", Encoding.UTF8) });
        }
    }
}
