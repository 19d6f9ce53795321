using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Broker.Http;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue15;

/// <summary>
/// Issue 15, "a full audit disk": the home's audit folder is a small tmpfs (as root), filled almost to the top.
/// Brokered calls go on until the host refuses them; every call that was performed — a key-value write found in
/// the store, an HTTP request seen by a loopback server — has its record on disk (nothing performed without its
/// record). Then, with the disk full: a grant is not stored unless its record is, a refused load leaves nothing
/// running, DisposeAsync does not throw, and the chain still verifies.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15HostileFullDiskTests
{
    private const string Kv = "t.disk-kv";
    private const string Http = "t.disk-http";

    /// <summary>Free room left on the audit tmpfs before the calls begin.</summary>
    private const long HeadroomBytes = 512 * 1024;

    [Issue15TmpfsFact]
    public async Task AuditDiskFills_BrokeredCallsRefused_EveryPerformedCallHasItsRecord_GrantNotStoredWithoutRecord()
    {
        string audit = null!;
        await using var w = new Issue15World(beforeHost: world =>
        {
            // Mounted before the host exists, so no writer holds a file of the folder underneath.
            audit = Path.Combine(world.Home, "audit");
            Directory.CreateDirectory(audit);
            Mount(audit, "size=8m,mode=0700");
        });
        try
        {
            await using var server = new LoopbackHttpServer(_ => ServerResponse.Text(200, "ok"));
            var port = server.Port;
            var kvFolder = w.World.Plugin("capabilities-csharp", Kv, Issue15HostilePipelineTests.Manifest(["database:write=notes", "database:write=extra"], ""));
            new PluginInstaller(w.Host).Install(kvFolder, new InstallOptions { Grants = ["database:write=notes"], Level = "sandboxed" });
            await w.Host.LoadAsync(Kv, new PluginLoadOptions { Level = "sandboxed" });
            await w.Host.LoadAsync(w.World.Misbehave(Http, permissions: $"    - network:request=127.0.0.1:{port}"),
                new PluginLoadOptions { Level = "sandboxed", Grants = [$"network:request=127.0.0.1:{port}"] });
            await w.Host.Audit.FlushAsync();

            var keyPad = new string('k', 200);
            var sanity = await w.Host.InvokeAsync(Kv, "kvSet", HostWorld.Json(new { key = $"notes/sanity{keyPad}", value = "v" }));
            sanity.GetProperty("ok").GetBoolean().ShouldBeTrue($"a key-value write before the disk filled: {sanity}");
            Fill(audit, HeadroomBytes);
            new DriveInfo(audit).AvailableFreeSpace.ShouldBeLessThan(HeadroomBytes + (256 * 1024), "the filler did not fill the audit tmpfs");

            var pad = new string('p', 1000);
            var refusedKv = 0;
            var refusedHttp = 0;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 6000 && watch.Elapsed < TimeSpan.FromSeconds(120) && (refusedKv < 20 || refusedHttp < 20); i++)
            {
                // A refusal may reach the application as the plugin's error or as the host's own (the audit is down).
                try
                {
                    var kv = await w.Host.InvokeAsync(Kv, "kvSet", HostWorld.Json(new { key = $"notes/k{i:D5}x{keyPad}", value = "v" }));
                    refusedKv += kv.GetProperty("ok").GetBoolean() ? 0 : 1;
                }
                catch (Exception ex) when (ex is PluginException or global::Stockade.Hosting.Audit.AuditWriteException)
                {
                    refusedKv++;
                }

                try
                {
                    await w.Host.InvokeAsync(Http, "fetch", HostWorld.Json(new { url = $"http://127.0.0.1:{port}/r{i:D5}x/{pad}" }));
                }
                catch (Exception ex) when (ex is PluginException or global::Stockade.Hosting.Audit.AuditWriteException)
                {
                    refusedHttp++;
                }
            }

            (refusedKv + refusedHttp).ShouldBeGreaterThan(0, "the audit disk never filled: the test proved nothing");

            // Every performed call has its record on disk.
            var records = Issue15.ReadAudit(w.Home);
            var stored = StoredKeys(w.Home, Kv);
            var unrecordedKeys = stored.Select(k => Token(k, 'k')).Where(t => t is not null && !records.Any(r => r.Plugin == Kv && r.Mentions(t))).ToList();
            unrecordedKeys.Count.ShouldBe(0, $"{unrecordedKeys.Count} of {stored.Count} key-value writes were performed with no audit record (first: {unrecordedKeys.FirstOrDefault()})");
            var seen = server.Requests.Select(r => Token(r.Target, 'r')).Where(t => t is not null).ToList();
            var unrecordedRequests = seen.Where(t => !records.Any(r => r.Plugin == Http && r.Mentions(t!))).ToList();
            unrecordedRequests.Count.ShouldBe(0, $"{unrecordedRequests.Count} of {seen.Count} HTTP requests reached the server with no audit record (first: {unrecordedRequests.FirstOrDefault()})");

            // Audit before act: a grant is not stored unless its record is.
            var grant = Record(() => new PluginInstaller(w.Host).Grant(Kv, "database:write=extra", "issue15-test"));
            var granted = StoredGrants(w.Home, Kv).Contains("database:write=extra");
            if (granted)
            {
                Issue15.ReadAudit(w.Home, Kv).ShouldContain(r => r.Mentions("database:write=extra"), "the grant was stored with no record of it");
            }

            grant.ShouldNotBeNull("the grant succeeded while the audit disk is full: it cannot have a record");
            granted.ShouldBeFalse("the grant was stored although its audit record could not be written");

            // A refused load leaves nothing running.
            var late = Issue15.Chaos(w.World, "t.disk-late");
            try
            {
                await w.Host.LoadAsync(late, new PluginLoadOptions { Level = "sandboxed" });
                await w.Host.Audit.FlushAsync();
                Issue15.ReadAudit(w.Home, "t.disk-late").ShouldContain(r => r.Action == Issue15.Started, "a plugin started with no record of its start");
            }
            catch (Exception ex) when (ex is PluginException or global::Stockade.Hosting.Audit.AuditWriteException)
            {
                (await Issue15.WaitNoProcessesAsync(late)).ShouldBeEmpty("a load refused for a full audit disk left its worker running");
            }

            var (_, threw) = await w.DisposeHostAsync();
            threw.ShouldBeNull($"DisposeAsync threw with the audit disk full: {threw}");
            (await Issue15.WaitNoProcessesAsync(w.Marker)).ShouldBeEmpty("a worker outlived its host");
            var verify = await Issue15.VerifyAsync(w.Home);
            verify.ExitCode.ShouldBe(0, verify.ToString());
        }
        finally
        {
            await w.DisposeHostAsync();
            Unmount(audit);
        }
    }

    private static Exception? Record(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>The unique token of a key (<c>k00012x</c>) or request path (<c>r00012x</c>).</summary>
    private static string? Token(string text, char prefix)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, prefix + @"\d{5}x");
        return match.Success ? match.Value : null;
    }

    private static List<string> StoredKeys(string home, string pluginId) =>
        Query(home, "SELECT namespace || '/' || key FROM kv WHERE plugin_id = $id", pluginId);

    private static List<string> StoredGrants(string home, string pluginId) =>
        Query(home, "SELECT permission FROM grants WHERE plugin_id = $id AND allowed = 1", pluginId);

    private static List<string> Query(string home, string sql, string pluginId)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(home, "stockade.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", pluginId);
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>Fills the file system of <paramref name="folder"/> until only <paramref name="leave"/> bytes are free.</summary>
    private static void Fill(string folder, long leave)
    {
        var free = new DriveInfo(folder).AvailableFreeSpace;
        var size = Math.Max(0, free - leave);
        using var filler = new FileStream(Path.Combine(folder, "zz-filler.bin"), FileMode.Create, FileAccess.Write);
        var block = new byte[64 * 1024];
        Array.Fill(block, (byte)0x5a);
        for (long written = 0; written < size; written += block.Length)
        {
            filler.Write(block, 0, (int)Math.Min(block.Length, size - written));
        }

        filler.Flush(flushToDisk: true);
    }

    private static void Mount(string target, string options) => Run("/bin/mount", "-t", "tmpfs", "-o", options, "tmpfs", target);

    private static void Unmount(string target)
    {
        try
        {
            Run("/bin/umount", "-l", target);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    internal static void Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)}: exit {process.ExitCode}: {error}");
        }
    }
}

/// <summary>A fact that runs only as root where a tmpfs can be mounted; skipped with the reason otherwise.</summary>
internal sealed class Issue15TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public Issue15TmpfsFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        if (Environment.UserName != "root")
        {
            return "mounting a small tmpfs as the audit folder needs root";
        }

        var probe = Directory.CreateTempSubdirectory("stockade-i15-tmpfs-").FullName;
        try
        {
            Issue15HostileFullDiskTests.Run("/bin/mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe);
            Issue15HostileFullDiskTests.Run("/bin/umount", probe);
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "cannot mount a tmpfs here: " + ex.Message;
        }
        finally
        {
            Directory.Delete(probe);
        }
    }
}
