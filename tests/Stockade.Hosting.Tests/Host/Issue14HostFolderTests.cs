using System.Text.Json;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue 14, class 5: a live worker swaps folders of its <c>$TEMP</c> for symlinks to a victim folder
/// while a host removes that temp folder — a second host starting the same plugin on the same home,
/// and the first host ending the worker. The victim's files must all survive. Also: links planted in
/// <c>$PLUGIN_DATA</c> and <c>$TEMP</c> do not make the host walk the disk or hang.
/// </summary>
[Trait("Issue", "14")]
public abstract class Issue14HostFolderTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : Issue14Fixture
{
    private const int VictimFiles = 32;

    [Theory]
    [InlineData("cs")]
    [InlineData("py")]
    public async Task TempSwappedForSymlink_SecondHostStartsSamePlugin_VictimSurvives(string language)
    {
        var id = $"t.swap-{language}-{Guid.NewGuid():N}"[..24];
        var victim = Victim();
        await fixture.Host.LoadAsync(Copy(language, id), new PluginLoadOptions { Level = fixture.Level, Grants = ["file:write=$PLUGIN_DATA/**"] });
        try
        {
            var started = await fixture.Host.InvokeAsync<Report>(id, "swapper", new { path = victim, name = "temp", seconds = 60 }, JsonSerializerOptions.Web);
            started!.Succeeded.ShouldBeTrue(started.Error);
            await Task.Delay(1000);

            // A second host on the same home starts the same plugin: today it wipes temp/<id> by path.
            var options = fixture.Options();
            var refusals = new List<string>();
            await using (var second = new PluginHost(options))
            {
                for (var round = 0; round < 8; round++)
                {
                    try
                    {
                        await second.LoadAsync(Path.Combine(fixture.World.Plugins, id), new PluginLoadOptions { Level = fixture.Level, Grants = ["file:write=$PLUGIN_DATA/**"] });
                        _ = await second.InvokeAsync<Report>(id, language == "cs" ? "unixSocket" : "socketPair", new { }, JsonSerializerOptions.Web);
                        await second.UnloadAsync(id);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PluginException or System.ComponentModel.Win32Exception)
                    {
                        // Today the second host trips over the folder the first host's worker is changing.
                        refusals.Add($"{ex.GetType().Name}: {ex.Message}");
                    }
                }
            }

            VictimSurvivors(victim).ShouldBe(VictimFiles, "a host followed a symlink a worker planted in $TEMP and deleted files outside it");
            refusals.ShouldBeEmpty("a live worker of one host kept a second host from starting the same plugin");
        }
        finally
        {
            await UnloadQuietlyAsync(id);
        }

        VictimSurvivors(victim).ShouldBe(VictimFiles, "the host followed a symlink a worker planted in $TEMP when it removed the folder");
        (await fixture.Host.InvokeAsync(Issue14Fixture.Benign, "ping")).GetString().ShouldBe("pong");
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("py")]
    public async Task TempSwappedForSymlink_HostEndsTheWorker_VictimSurvives(string language)
    {
        var id = $"t.swapend-{language}-{Guid.NewGuid():N}"[..24];
        var victim = Victim();
        var folder = Copy(language, id);
        var refusals = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            try
            {
                await fixture.Host.LoadAsync(folder, new PluginLoadOptions { Level = fixture.Level, Grants = ["file:write=$PLUGIN_DATA/**"] });
                var started = await fixture.Host.InvokeAsync<Report>(id, "swapper", new { path = victim, name = "temp", seconds = 30 }, JsonSerializerOptions.Web);
                started!.Succeeded.ShouldBeTrue(started.Error);
                await Task.Delay(300);
                await fixture.Host.UnloadAsync(id);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PluginException or System.ComponentModel.Win32Exception)
            {
                // Today a load can trip over the folder a worker that has not yet died keeps changing.
                refusals.Add($"{ex.GetType().Name}: {ex.Message}");
            }
        }

        await UnloadQuietlyAsync(id);
        VictimSurvivors(victim).ShouldBe(VictimFiles, "the host followed a symlink a worker planted in $TEMP when it removed the folder");
        refusals.ShouldBeEmpty("the host could not restart a plugin whose previous worker was still changing its temp folder");
        (await fixture.Host.InvokeAsync(Issue14Fixture.Benign, "ping")).GetString().ShouldBe("pong");
    }

    [Fact]
    public async Task LinksToRootAndDevZeroInDataAndTemp_HostStaysResponsive()
    {
        var id = $"t.links-{Guid.NewGuid():N}"[..20];
        await fixture.Host.LoadAsync(Copy("cs", id), new PluginLoadOptions { Level = fixture.Level, Grants = ["file:write=$PLUGIN_DATA/**"] });
        var planted = await fixture.Host.InvokeAsync<Report>(id, "plantLinks", new { }, JsonSerializerOptions.Web);
        planted!.Succeeded.ShouldBeTrue("the links could not be planted, so nothing is tested: " + planted.Error);

        // The watchdog measures $PLUGIN_DATA every 200 ms here: give it time to walk (or not walk) the disk.
        await Task.Delay(3000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (await fixture.Host.InvokeAsync(Issue14Fixture.Benign, "ping")).GetString().ShouldBe("pong");
        var unload = fixture.Host.UnloadAsync(id);
        (await Task.WhenAny(unload, Task.Delay(TimeSpan.FromSeconds(60)))).ShouldBe(unload, "unloading a plugin whose folders hold links to / and /dev/zero did not finish within 60 s");
        await unload;
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60));
        Directory.Exists("/etc").ShouldBeTrue();
        File.Exists("/dev/zero").ShouldBeTrue();
    }

    // Strict needs a signature and declarations that match the analysis (issue 15): prepared per level.
    private string Copy(string language, string id) => StrictSigning.ForLevel(fixture.Host, Unsigned(language, id), fixture.Level);

    private string Unsigned(string language, string id) => language == "cs"
        ? fixture.World.Plugin("hostile-csharp", id, """
            runtime: dotnet
            entry: bin/HostilePlugin.dll
            entryType: Samples.Hostile.HostilePlugin
            timeouts: { init: 30s, call: 60s, hook: 5s }
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: tests
            resources: { memoryMb: 256, openFiles: 128 }
            """)
        : fixture.World.Plugin("hostile-python", id, """
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 30s, call: 60s, hook: 5s }
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: tests
            resources: { memoryMb: 128, openFiles: 64 }
            """);

    private string Victim()
    {
        var victim = Directory.CreateDirectory(Path.Combine(fixture.World.Outside, $"victim-{Guid.NewGuid():N}")).FullName;
        for (var i = 0; i < VictimFiles; i++)
        {
            File.WriteAllText(Path.Combine(victim, $"keep-{i}.txt"), "keep me");
        }

        return victim;
    }

    private async Task UnloadQuietlyAsync(string id)
    {
        try
        {
            await fixture.Host.UnloadAsync(id);
        }
        catch (Exception ex) when (ex is PluginException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Not loaded (a refused round) or its folder is still being changed; the victim check is what counts.
        }
    }

    private static int VictimSurvivors(string victim) =>
        Directory.Exists(victim) ? Directory.EnumerateFiles(victim, "keep-*.txt").Count() : 0;

    /// <summary>The hostile samples' report of one attempt.</summary>
    public sealed record Report(string Attempt, bool Succeeded, string? Error);
}

public sealed class Issue14HostFolderRootSandboxedTests(Issue14RootSandboxedFixture fixture) : Issue14HostFolderTests<Issue14RootSandboxedFixture>(fixture);

public sealed class Issue14HostFolderNobodySandboxedTests(Issue14NobodySandboxedFixture fixture) : Issue14HostFolderTests<Issue14NobodySandboxedFixture>(fixture);

public sealed class Issue14HostFolderRootStrictTests(Issue14RootStrictFixture fixture) : Issue14HostFolderTests<Issue14RootStrictFixture>(fixture);

public sealed class Issue14HostFolderNobodyStrictTests(Issue14NobodyStrictFixture fixture) : Issue14HostFolderTests<Issue14NobodyStrictFixture>(fixture);
