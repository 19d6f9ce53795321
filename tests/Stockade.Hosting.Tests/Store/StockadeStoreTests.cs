using System.Globalization;
using Microsoft.Data.Sqlite;
using Stockade.Core.Audit;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Store;
using Stockade.Hosting.Tests.Audit;

namespace Stockade.Hosting.Tests.Store;

public sealed class StockadeStoreTests : IDisposable
{
    private static readonly DateTimeOffset Installed = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private readonly TempDirectory _home = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _home.Dispose();
    }

    [Fact]
    public void Constructor_FreshHome_CreatesSchemaInWalMode()
    {
        using (new StockadeStore(_home.Path))
        {
        }

        using var connection = new SqliteConnection($"Data Source={_home.Combine(StockadeStore.FileName)};Pooling=False");
        connection.Open();
        Scalar(connection, "PRAGMA user_version").ShouldBe((long)StockadeStore.SchemaVersion);
        Scalar(connection, "PRAGMA journal_mode").ShouldBe("wal");
        var tables = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        tables.ShouldBe(["audit_head", "config", "grants", "host_categories", "host_policies", "kv", "plugins", "stockade_info", "trusted_keys", "worker_uids"]); // stockade_info: issue 17; host_*: issue 18
    }

    [Fact]
    public void Constructor_ReopenedHome_KeepsDataAndSchema()
    {
        using (var store = new StockadeStore(_home.Path))
        {
            store.UpsertPlugin(Plugin("com.example.one"));
        }

        using var reopened = new StockadeStore(_home.Path);

        reopened.GetPlugin("com.example.one").ShouldBe(Plugin("com.example.one"));
    }

    [Fact]
    public void Constructor_SchemaFromNewerStockade_ThrowsStoreExceptionSayingUpgrade()
    {
        using (new StockadeStore(_home.Path))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={_home.Combine(StockadeStore.FileName)};Pooling=False"))
        {
            connection.Open();
            Scalar(connection, $"PRAGMA user_version = {StockadeStore.SchemaVersion + 1}");
        }

        var ex = Should.Throw<StoreException>(() => new StockadeStore(_home.Path));

        ex.Message.ShouldContain("upgrade stockade");
    }

    [Fact]
    public void Constructor_HomeUnderAFile_ThrowsStoreExceptionNamingTheFolder()
    {
        // A portable stand-in for an unusable home: its parent is a regular file. The read-only mount case is
        // tested for real in Constructor_ReadOnlyMount_ThrowsStoreExceptionSayingChooseAnotherHome.
        var file = _home.Combine("not-a-folder");
        File.WriteAllText(file, "x");

        var ex = Should.Throw<StoreException>(() => new StockadeStore(Path.Combine(file, "home")));

        ex.Message.ShouldContain(Path.Combine(file, "home"));
        ex.Message.ShouldContain("choose another --home");
    }

    [UnshareFact]
    public async Task Constructor_ReadOnlyMount_ThrowsStoreExceptionSayingChooseAnotherHome()
    {
        var home = Directory.CreateDirectory(_home.Combine("ro")).FullName;

        // A private mount namespace, a read-only tmpfs over the home, and the store opened there by a child.
        using var process = HelperProcess.StartRaw(
            "unshare",
            ["--mount", "--propagation", "private", "--", "sh", "-c", "mount -t tmpfs -o ro tmpfs \"$1\" && exec dotnet \"$2\" open-store \"$1\"", "sh", home, HelperProcess.DllPath]);
        var (exitCode, output) = await HelperProcess.WaitAsync(process);

        exitCode.ShouldBe(3, output);
        output.ShouldContain($"stockade.db in {home}");
        output.ShouldContain("read-only file system");
        output.ShouldContain("choose another --home");
    }

    [Fact]
    public void Grants_SetReadReplaceRemove_RoundTrip()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(Plugin("com.example.one"));
        var read = new GrantRecord("com.example.one", "file:read=$PLUGIN_DATA/**", true, false, Installed, "alice");
        var net = new GrantRecord("com.example.one", "network:request=*.example.com:443", false, true, Installed, "alice");

        store.SetGrant(read).ShouldBeTrue();
        store.SetGrant(net).ShouldBeTrue();
        store.SetGrant(net with { Allowed = true, GrantedBy = "bob" }).ShouldBeTrue();

        store.GetGrants("com.example.one").ShouldBe([read, net with { Allowed = true, GrantedBy = "bob" }]);
        store.RemoveGrant("com.example.one", read.Permission).ShouldBeTrue();
        store.RemoveGrant("com.example.one", read.Permission).ShouldBeFalse();
        store.GetGrants("com.example.one").Select(g => g.Permission).ShouldBe([net.Permission]);
    }

    [Fact]
    public void SetGrant_PluginNotInstalled_ReturnsFalseAndStoresNothing()
    {
        using var store = new StockadeStore(_home.Path);

        store.SetGrant(new GrantRecord("com.example.ghost", "env:read=LANG", true, false, Installed, "alice")).ShouldBeFalse();

        store.GetGrants("com.example.ghost").ShouldBeEmpty();
    }

    [Fact]
    public void RemovePlugin_WithGrantsValuesAndConfig_RemovesThemAll()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(Plugin("com.example.one"));
        store.SetGrant(new GrantRecord("com.example.one", "env:read=LANG", true, false, Installed, "alice"));
        store.SetValue("com.example.one", "ns", "k", new byte[] { 1 }).ShouldBe(KvWriteResult.Written);
        store.SetConfig("com.example.one", "theme", "dark").ShouldBeTrue();

        store.RemovePlugin("com.example.one").ShouldBeTrue();

        store.GetPlugin("com.example.one").ShouldBeNull();
        store.GetGrants("com.example.one").ShouldBeEmpty();
        store.GetUsage("com.example.one").ShouldBe(0);
        store.GetConfig("com.example.one", "theme").ShouldBeNull();
        store.RemovePlugin("com.example.one").ShouldBeFalse();
    }

    [Fact]
    public void SetEnabled_InstalledAndMissing_UpdatesOrReturnsFalse()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(Plugin("com.example.one"));

        store.SetEnabled("com.example.one", false).ShouldBeTrue();
        store.SetEnabled("com.example.ghost", false).ShouldBeFalse();

        store.GetPlugin("com.example.one")!.Enabled.ShouldBeFalse();
        store.ListPlugins().Select(p => p.Id).ShouldBe(["com.example.one"]);
    }

    [Fact]
    public void KeyValue_SetGetListDeleteUsage_RoundTrip()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(Plugin("com.example.one"));

        store.SetValue("com.example.one", "cache", "a%1", new byte[] { 1, 2, 3 }).ShouldBe(KvWriteResult.Written);
        store.SetValue("com.example.one", "cache", "ab", new byte[] { 4 }).ShouldBe(KvWriteResult.Written);
        store.SetValue("com.example.one", "other", "a", new byte[] { 5 }).ShouldBe(KvWriteResult.Written);

        store.GetValue("com.example.one", "cache", "a%1").ShouldBe(new byte[] { 1, 2, 3 });
        store.GetValue("com.example.one", "cache", "missing").ShouldBeNull();
        store.ListKeys("com.example.one", "cache").ShouldBe(["a%1", "ab"]);
        store.ListKeys("com.example.one", "cache", "a%").ShouldBe(["a%1"]);
        store.GetUsage("com.example.one").ShouldBe((3 + 3) + (2 + 1) + (1 + 1));
        store.DeleteValue("com.example.one", "cache", "ab").ShouldBeTrue();
        store.DeleteValue("com.example.one", "cache", "ab").ShouldBeFalse();
        store.SetValue("com.example.ghost", "cache", "a", new byte[] { 1 }).ShouldBe(KvWriteResult.PluginNotFound);
    }

    [Fact]
    public void SetValue_OverQuota_RefusedAndPreviousValueKept()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(Plugin("com.example.one"));
        store.SetValue("com.example.one", "ns", "k", new byte[10], quotaBytes: 20).ShouldBe(KvWriteResult.Written);

        store.SetValue("com.example.one", "ns", "k", new byte[30], quotaBytes: 20).ShouldBe(KvWriteResult.QuotaExceeded);

        store.GetValue("com.example.one", "ns", "k")!.Length.ShouldBe(10);
        store.GetUsage("com.example.one").ShouldBe(11);
    }

    [Fact]
    public void Config_SetGetRemove_RoundTrip()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(Plugin("com.example.one"));

        store.SetConfig("com.example.one", "theme", "dark").ShouldBeTrue();
        store.SetConfig("com.example.one", "theme", "light").ShouldBeTrue();
        store.GetConfig("com.example.one", "theme").ShouldBe("light");
        store.SetConfig("com.example.one", "theme", null).ShouldBeTrue();

        store.GetConfig("com.example.one", "theme").ShouldBeNull();
        store.SetConfig("com.example.ghost", "theme", "dark").ShouldBeFalse();
    }

    [Fact]
    public void TrustedKeys_AddListRemove_RoundTrip()
    {
        using var store = new StockadeStore(_home.Path);
        var key = new TrustedKey("sha256:abc", "Example Corp", "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", Installed);

        store.AddTrustedKey(key);

        store.ListTrustedKeys().ShouldBe([key]);
        store.RemoveTrustedKey("sha256:abc").ShouldBeTrue();
        store.RemoveTrustedKey("sha256:abc").ShouldBeFalse();
        store.ListTrustedKeys().ShouldBeEmpty();
    }

    [Fact]
    public void AuditHead_WriteOlderAfterNewer_KeepsTheNewer()
    {
        using var store = new StockadeStore(_home.Path);
        store.Read().ShouldBeNull();

        store.Write(new AuditHead(10, new string('a', 64)));
        store.Write(new AuditHead(9, new string('b', 64)));

        store.Read().ShouldBe(new AuditHead(10, new string('a', 64)));
    }

    [Fact]
    public async Task Writes_TwoStoresOnOneHomeFromManyThreads_AllLand()
    {
        using var first = new StockadeStore(_home.Path);
        using var second = new StockadeStore(_home.Path);
        first.UpsertPlugin(Plugin("shared"));

        var writers = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var store = t % 2 == 0 ? first : second;
            for (var i = 0; i < 50; i++)
            {
                store.SetValue("shared", "ns", $"t{t}-{i}", new byte[] { (byte)i }).ShouldBe(KvWriteResult.Written);
                store.SetGrant(new GrantRecord("shared", $"hook:register=t{t}.{i}", true, false, Installed, "test")).ShouldBeTrue();
            }
        }));
        await Task.WhenAll(writers);

        first.ListKeys("shared", "ns").Count.ShouldBe(400);
        second.GetGrants("shared").Count.ShouldBe(400);
    }

    [Fact]
    public async Task Writes_TwoProcessesOnOneHome_AllLand()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(Plugin("shared"));

        using var child = HelperProcess.Start("kv", _home.Path, "300", "child");
        for (var i = 0; i < 300; i++)
        {
            store.SetValue("shared", "ns", $"parent-{i}", new byte[] { 1, 2, 3 }).ShouldBe(KvWriteResult.Written);
        }

        var (exitCode, output) = await HelperProcess.WaitAsync(child);

        exitCode.ShouldBe(0, output);
        var keys = store.ListKeys("shared", "ns");
        keys.Count(k => k.StartsWith("parent-", StringComparison.Ordinal)).ShouldBe(300);
        keys.Count(k => k.StartsWith("child-", StringComparison.Ordinal)).ShouldBe(300);
    }

    private static PluginRecord Plugin(string id) =>
        new(id, "1.2.3", "/src/" + id, Installed, "sha256:" + new string('0', 64), true, "{\"id\":\"" + id + "\"}");

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = command.ExecuteScalar();
        return value is long or string or null ? value : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }
}
