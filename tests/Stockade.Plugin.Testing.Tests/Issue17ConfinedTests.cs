using Stockade.Hosting;
using Stockade.Plugin.Testing.Tests.KitProbe;

namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// Issue 17 item 2(b): a plugin started by the kit in a real confined worker under its manifest and the test's grants
/// meets the kernel: a file it declared (and was granted) reads, a world-readable file it did not declare is refused by
/// Landlock with EACCES. For C# and Python, with the worker under the host's own choice of user (a uid of its own when
/// the tests run as root) and as uid 65534.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17ConfinedTests : IDisposable
{
    private const int Nobody = 65534;
    private readonly KitWorld _world = new();

    public void Dispose() => _world.Dispose();

    // An unprivileged uid needs a root host to switch to it; otherwise the worker runs as the test's own user.
    public static TheoryData<int?> Users() => IsRoot() ? new TheoryData<int?> { (int?)null, Nobody } : new TheoryData<int?> { (int?)null };

    [LandlockTheory]
    [MemberData(nameof(Users))]
    public async Task CSharp_UndeclaredFile_DeniedByLandlock_DeclaredFileReads(int? workerUid)
    {
        var read = $"file:read={_world.Granted}/**";
        await using var plugin = await ConfinedPlugin.StartAsync(_world.Probe(read), grants: [read], new PluginTestOptions { WorkerUserId = workerUid });

        plugin.Plugin.Guarantees.ShouldContain(g => g.Layer == EnforcementLayer.Kernel && g.Mechanism.Contains("Landlock", StringComparison.Ordinal));
        (await plugin.InvokeAsync<string>("readFile", new { path = _world.GrantedFile })).ShouldBe("granted content");

        var seen = await plugin.InvokeAsync<Seen>("attempt", new { op = "readFile", path = _world.Secret });
        seen.ShouldNotBeNull().Ok.ShouldBeFalse("the worker read a file its manifest does not declare");
        seen.Type.ShouldBe(typeof(UnauthorizedAccessException).FullName);
        seen.Message.ShouldBe($"Access to the path '{_world.Secret}' is denied.");

        var denied = await Should.ThrowAsync<PluginPermissionDeniedException>(() => plugin.InvokeAsync("readFile", new { path = _world.Secret }));
        denied.Layer.ShouldBe("kernel");
        denied.Resource.ShouldBe(_world.Secret);
    }

    [LandlockTheory]
    [MemberData(nameof(Users))]
    public async Task Python_UndeclaredFile_DeniedByLandlockWithEacces_DeclaredFileReads(int? workerUid)
    {
        var read = $"file:read={_world.Granted}/**";
        await using var plugin = await ConfinedPlugin.StartAsync(_world.PythonProbe(read), grants: [read], new PluginTestOptions { WorkerUserId = workerUid });

        var granted = await plugin.InvokeAsync("read", new { path = _world.GrantedFile });
        var secret = await plugin.InvokeAsync("read", new { path = _world.Secret });

        granted.GetProperty("content").GetString().ShouldBe("granted content", granted.ToString());
        secret.GetProperty("ok").GetBoolean().ShouldBeFalse(secret.ToString());
        secret.GetProperty("errno").GetInt32().ShouldBe(13, "EACCES, Landlock's answer"); // the file is world-readable: only Landlock refuses it
    }

    [LandlockTheory]
    [InlineData("sandboxed")]
    public async Task GrantedBrokeredCalls_Work_InTheConfinedWorker(string level)
    {
        const string Notes = "database:write=notes";
        const string Theme = "config:read=theme";
        var options = new PluginTestOptions { Level = level, Config = { ["theme"] = "dark" }, Store = { ["notes/seeded"] = "seed" } };
        await using var plugin = await ConfinedPlugin.StartAsync(_world.Probe(Notes, Theme), grants: [Notes, Theme], options);

        await plugin.InvokeAsync("kvSet", new { key = "notes/a", value = "alpha" });

        (await plugin.InvokeAsync<string>("kvGet", new { key = "notes/a" })).ShouldBe("alpha");
        (await plugin.InvokeAsync<string>("kvGet", new { key = "notes/seeded" })).ShouldBe("seed");
        (await plugin.InvokeAsync<string>("configGet", new { key = "theme" })).ShouldBe("\"dark\"");
        plugin.ProcessId.ShouldNotBeNull();
    }

    private static bool IsRoot() => OperatingSystem.IsLinux() && File.ReadAllText("/proc/self/status").Contains("\nUid:\t0\t", StringComparison.Ordinal);
}
