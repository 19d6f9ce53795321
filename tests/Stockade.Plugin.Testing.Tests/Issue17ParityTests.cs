using Stockade.Hosting;
using Stockade.Plugin.Testing.Tests.KitProbe;

namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// Issue 17 item 2(a), the promise itself: a brokered call the manifest does not declare (or the test does not grant)
/// fails in process with the same exception and the same message as in a real host. Each case runs the same plugin,
/// same manifest and grants, in a real confined worker and in process, and compares what the plugin saw.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17ParityTests(Issue17ParityTests.Plugins plugins) : IClassFixture<Issue17ParityTests.Plugins>
{
    public const string Notes = "database:write=notes";
    public const string Theme = "config:read=theme";
    public const string Api = "network:request=api.example.com:443";

    [LandlockTheory]
    [InlineData("kvSet", "secrets/x", null)]            // undeclared namespace
    [InlineData("kvGet", "secrets/x", null)]            // undeclared read
    [InlineData("configGet", "password", null)]         // undeclared key
    [InlineData("configSet", "theme", null)]            // declared read, undeclared write
    [InlineData("fetch", null, "https://evil.example.net/steal")] // undeclared host
    [InlineData("fetch", null, "http://api.example.com/")]        // declared host, undeclared port
    public async Task UndeclaredBrokeredCall_InProcess_SameExceptionAndMessageAsARealHost(string op, string? key, string? url)
    {
        var request = new { op, key, value = "v", url };

        var real = await plugins.Confined.InvokeAsync<Seen>("attempt", request);
        var fake = await plugins.InProcess.InvokeAsync<Seen>("attempt", request);

        real.ShouldNotBeNull().Ok.ShouldBeFalse("the real host allowed an undeclared call");
        real.Type.ShouldBe(typeof(PermissionDeniedException).FullName);
        real.Code.ShouldBe("permission_denied");
        fake.ShouldBe(real);

        // Uncaught: in process the test gets the plugin's own exception; a host reports the same type and message.
        var thrown = await Should.ThrowAsync<PermissionDeniedException>(() => plugins.InProcess.InvokeAsync(op, request));
        thrown.Message.ShouldBe(real.Message);
        thrown.Permission.ShouldBe(real.Permission);
        // Issue 18: the host refused it during the call, so the host reports a refusal (exit 3), caught or not.
        var hosted = await Should.ThrowAsync<PluginPermissionDeniedException>(() => plugins.Confined.InvokeAsync(op, request));
        hosted.Layer.ShouldBe("broker");
        hosted.Message.ShouldEndWith($"{nameof(PermissionDeniedException)}: {real.Message}");
    }

    [LandlockTheory]
    [InlineData("kvSet", "notes/a", null)]
    [InlineData("kvGet", "notes/a", null)]
    public async Task GrantedBrokeredCall_SucceedsInBoth(string op, string? key, string? url)
    {
        var request = new { op, key, value = "alpha", url };

        var real = await plugins.Confined.InvokeAsync<Seen>("attempt", request);
        var fake = await plugins.InProcess.InvokeAsync<Seen>("attempt", request);

        real.ShouldNotBeNull().Ok.ShouldBeTrue(real.ToString());
        fake.ShouldNotBeNull().Ok.ShouldBeTrue(fake.ToString());
    }

    /// <summary>The same plugin, manifest and grants, once confined under a real host and once in process.</summary>
    public sealed class Plugins : IAsyncLifetime
    {
        private readonly KitWorld _world = new();

        public ConfinedPlugin Confined { get; private set; } = null!;

        public InProcessPlugin<KitProbePlugin> InProcess { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var folder = _world.Probe(Notes, Theme, Api);
            InProcess = await InProcessPlugin.StartAsync<KitProbePlugin>(folder, grants: [Notes, Theme, Api]);
            if (LandlockTheoryAttribute.Missing is null)
            {
                Confined = await ConfinedPlugin.StartAsync(folder, grants: [Notes, Theme, Api]);
            }
        }

        public async Task DisposeAsync()
        {
            await InProcess.DisposeAsync();
            if (Confined is not null)
            {
                await Confined.DisposeAsync();
            }

            _world.Dispose();
        }
    }
}
