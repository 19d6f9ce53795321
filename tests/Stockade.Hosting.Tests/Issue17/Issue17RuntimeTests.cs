using Microsoft.Data.Sqlite;
using Stockade.Hosting.Tests.Host;
using Stockade.Hosting.Tests.Installation;
using Stockade.Hosting.Store;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting.Tests.Issue17;

/// <summary>
/// Issue 17: where PluginHost finds its launcher and worker, and what it says when they are missing or from another
/// Stockade version. Real hosts, real workers, real files: a copied runtime folder stands for an app's output.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17RuntimeTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task MissingLauncher_LoadIsRefusedFailSecure_NamingTheMissingGuarantee_NotAFileNotFound()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_world.Root, "no-runtime")).FullName;
        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home, RuntimeDirectory = empty });
        var plugin = PluginFixtures.Write(Path.Combine(_world.Plugins, "p"), "t.no-launcher", "1.0.0", [], []);

        foreach (var level in new[] { "sandboxed", "limited" })
        {
            var ex = await Should.ThrowAsync<LevelNotEnforceableException>(() => host.LoadAsync(plugin, new PluginLoadOptions { Level = level }));
            ex.Missing.ShouldHaveSingleItem().ShouldContain("the Stockade launcher is missing at " + Path.Combine(empty, "stockade-launcher"));
            ex.Missing[0].ShouldContain("Landlock");
            ex.Requested.ShouldBe(level);
            ex.NextStep.ShouldNotBeNull().ShouldContain("linux-x64");
            ex.NextStep.ShouldNotContain("--allow-downgrade"); // nothing to downgrade to: no worker can start here
        }

        // Fixing the folder fixes the next load (the failure is not cached).
        CopyRuntime(empty);
        await host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" });
        (await host.InvokeAsync("t.no-launcher", "config")).GetProperty("allowed").GetBoolean().ShouldBeFalse();
    }

    [Theory]
    [InlineData("{ \"stockade\": \"9.9.9\" }", "is Stockade 9.9.9")]
    [InlineData(null, "carries no readable version stamp")]
    [InlineData("not json", "carries no readable version stamp")]
    public async Task RuntimeOfAnotherVersion_IsRefusedWithTheFix_BeforeAnyWorkerStarts(string? stamp, string expected)
    {
        var runtime = CopyRuntime(Path.Combine(_world.Root, "other-runtime"));
        var stampPath = Path.Combine(runtime, "stockade-runtime.json");
        if (stamp is null)
        {
            File.Delete(stampPath);
        }
        else
        {
            File.WriteAllText(stampPath, stamp);
        }

        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home, RuntimeDirectory = runtime });
        var plugin = PluginFixtures.Write(Path.Combine(_world.Plugins, "p"), "t.mismatch", "1.0.0", [], []);

        var ex = await Should.ThrowAsync<PluginFailedException>(() => host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" }));
        ex.Kind.ShouldBe(PluginFailureKind.StartFailed);
        ex.Message.ShouldContain(expected);
        ex.Message.ShouldContain($"this Stockade.Hosting is {StockadeRelease.Version}");
        ex.NextStep.ShouldNotBeNull().ShouldContain("rebuild or republish");
        host.Plugins.ShouldBeEmpty();
    }

    [Fact]
    public async Task LauncherWithoutExecuteBit_AsNuGetExtractsIt_IsMadeExecutableAndRuns()
    {
        var runtime = CopyRuntime(Path.Combine(_world.Root, "extracted"));
        var launcher = Path.Combine(runtime, "stockade-launcher");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home, RuntimeDirectory = runtime });
        var plugin = PluginFixtures.Write(Path.Combine(_world.Plugins, "p"), "t.no-x", "1.0.0", [], []);
        await host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" });

        (await host.InvokeAsync("t.no-x", "config")).GetProperty("allowed").GetBoolean().ShouldBeFalse();
        File.GetUnixFileMode(launcher).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    [Fact]
    public async Task RootHost_RuntimeUnderAPrivateFolder_IsRefusedNamingTheFolder_NotALauncherExecFailure()
    {
        if (!WorkerIdentity.HostIsRoot)
        {
            return; // only a root host runs its workers as another uid
        }

        var hidden = Directory.CreateDirectory(Path.Combine(_world.Root, "private"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var runtime = CopyRuntime(Path.Combine(hidden, "tools"));
        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home, RuntimeDirectory = runtime });
        var plugin = PluginFixtures.Write(Path.Combine(_world.Plugins, "p"), "t.private-runtime", "1.0.0", [], []);

        var ex = await Should.ThrowAsync<PluginFailedException>(() => host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" }));

        ex.Kind.ShouldBe(PluginFailureKind.StartFailed);
        ex.Message.ShouldContain($"cannot reach the Stockade launcher and worker ({hidden} (mode 700) does not let uid");
        ex.NextStep.ShouldNotBeNull().ShouldContain("--tool-path");
    }

    [Fact]
    public async Task WorkerSpeakingAnotherMajorProtocol_IsRefusedWithTheFix()
    {
        var plugin = PluginFixtures.Write(Path.Combine(_world.Plugins, "p"), "t.protocol-2", "1.0.0", [], []);
        var script = Path.Combine(plugin, "plugin.py");
        File.WriteAllText(script, File.ReadAllText(script).Replace("\"sdkVersion\": \"1.0\"", "\"sdkVersion\": \"2.0\"", StringComparison.Ordinal));
        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home });

        var ex = await Should.ThrowAsync<PluginFailedException>(() => host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" }));

        ex.Kind.ShouldBe(PluginFailureKind.ProtocolViolation);
        ex.Message.ShouldContain("speaks Stockade protocol 2.0, this host speaks 1.0");
        ex.NextStep.ShouldNotBeNull().ShouldContain("\"sdkVersion\": \"1.0\"");
    }

    [Theory]
    [InlineData("1.0", true)]
    [InlineData("1.7", true)]
    [InlineData("2.0", false)]
    [InlineData("\u001b[2Jevil", false)]
    public void RefuseOtherProtocol_ComparesTheMajorVersion_AndNeverEchoesPluginText(string spoken, bool accepted)
    {
        var answer = System.Text.Json.JsonSerializer.SerializeToElement(new { methods = Array.Empty<string>(), hooks = Array.Empty<string>(), sdkVersion = spoken });
        if (accepted)
        {
            PluginHost.RefuseOtherProtocol("t.p", answer);
            return;
        }

        var ex = Should.Throw<PluginFailedException>(() => PluginHost.RefuseOtherProtocol("t.p", answer));
        ex.Message.ShouldNotContain("\u001b");
    }

    [Fact]
    public void SelfContainedWorkerFolder_RunsItsApphost_AndLandlockGrantsThatFolderNotTheSharedRuntime()
    {
        var runtime = CopyRuntime(Path.Combine(_world.Root, "self-contained"));
        var worker = Path.Combine(runtime, "worker");
        File.WriteAllText(Path.Combine(worker, "libhostfxr.so"), "stand-in: only its presence selects the mode here");

        var located = WorkerRuntime.Locate(runtime);

        located.WorkerAppHost.ShouldBe(Path.Combine(worker, "Stockade.Worker"));
        located.WorkerExecutable.ShouldBe(Path.Combine(worker, "Stockade.Worker"));
        located.WorkerCommand.ShouldBe([Path.Combine(worker, "Stockade.Worker")]);
        located.RuntimeRoot.ShouldBe(worker);
    }

    [Fact]
    public void FrameworkDependentWorker_RunsOnTheSharedRuntimeThisHostRunsOn()
    {
        var located = WorkerRuntime.Locate(AppContext.BaseDirectory);

        located.WorkerAppHost.ShouldBeNull();
        var root = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "../../.."));
        located.RuntimeRoot.ShouldBe(Path.GetDirectoryName(WorkerRuntime.RealPath(Path.Combine(root, "dotnet"))));
        located.WorkerCommand[0].ShouldBe("dotnet");
    }

    [Fact]
    public void Store_RecordsTheVersionThatWroteItsSchema_AndANewerHomeNamesIt()
    {
        var home = Path.Combine(_world.Root, "store-home");
        using (new StockadeStore(home))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(home, StockadeStore.FileName)};Pooling=False"))
        {
            connection.Open();
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT value FROM stockade_info WHERE key = 'schema_written_by'";
            read.ExecuteScalar().ShouldBe(StockadeRelease.Version);

            // What a newer Stockade leaves behind: a higher schema number and its own version.
            using var newer = connection.CreateCommand();
            newer.CommandText = $"UPDATE stockade_info SET value = '0.9.0' WHERE key = 'schema_written_by'; PRAGMA user_version = {StockadeStore.SchemaVersion + 1}";
            newer.ExecuteNonQuery();
        }

        var ex = Should.Throw<StoreException>(() => new StockadeStore(home));

        ex.Message.ShouldContain("(written by Stockade 0.9.0)");
        ex.Message.ShouldContain($"newer than this Stockade {StockadeRelease.Version} understands");
        ex.Message.ShouldContain("to 0.9.0 or later");
        ex.Message.ShouldContain("dotnet tool update -g Stockade.Cli");
    }

    [Fact]
    public void Store_WrittenByANewerStockadeWithAHostileVersionText_IsNotEchoed()
    {
        var home = Path.Combine(_world.Root, "store-hostile");
        using (new StockadeStore(home))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(home, StockadeStore.FileName)};Pooling=False"))
        {
            connection.Open();
            using var newer = connection.CreateCommand();
            newer.CommandText = $"UPDATE stockade_info SET value = char(27) || '[2Jgotcha' WHERE key = 'schema_written_by'; PRAGMA user_version = {StockadeStore.SchemaVersion + 1}";
            newer.ExecuteNonQuery();
        }

        var ex = Should.Throw<StoreException>(() => new StockadeStore(home));

        ex.Message.ShouldNotContain("gotcha");
        ex.Message.ShouldContain("upgrade stockade");
    }

    /// <summary>A copy of this test's own runtime (launcher, stamp, worker/) in <paramref name="target"/>, as an app's output holds it.</summary>
    private static string CopyRuntime(string target)
    {
        var source = AppContext.BaseDirectory;
        Directory.CreateDirectory(target);
        File.Copy(Path.Combine(source, "stockade-launcher"), Path.Combine(target, "stockade-launcher"), overwrite: true);
        File.Copy(Path.Combine(source, "stockade-runtime.json"), Path.Combine(target, "stockade-runtime.json"), overwrite: true);
        foreach (var file in Directory.GetFiles(Path.Combine(source, "worker"), "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, "worker", Path.GetRelativePath(Path.Combine(source, "worker"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }

        return target;
    }
}
