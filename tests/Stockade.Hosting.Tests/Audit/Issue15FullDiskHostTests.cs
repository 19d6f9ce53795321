using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Audit;

/// <summary>
/// A host whose home is a small real file system that fills up: brokered calls of a real worker are refused with a
/// clear reason while the audit log still has room, and every call that was performed has its record on disk.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15FullDiskHostTests
{
    private const string Bystander = "t.bystander";

    [TmpfsFact]
    public async Task FillingAuditDisk_BrokeredCallsRefusedBeforeFull_EveryPerformedCallRecorded()
    {
        using var world = new HostWorld();
        var clock = new CountingClock();
        var lost = 0;
        using (var mount = TmpfsMount.Create(world.Home, "24m"))
        {
            await using (var host = new PluginHost(new PluginHostOptions { Home = world.Home, MaxRestarts = 0 }))
            {
                host.Audit.WriteFailed += (_, e) => Interlocked.Add(ref lost, e.RecordsLost);
                host.Services.Register("clock", clock);
                await host.LoadAsync(world.Plugin("capabilities-csharp", Bystander, """
                    runtime: dotnet
                    entry: bin/CapabilitiesPlugin.dll
                    entryType: Samples.Capabilities.CapabilitiesPlugin
                    timeouts: { init: 30s, call: 30s, hook: 2s }
                    permissions:
                      required:
                        - permission: clock:read
                          reason: tests
                    """), new PluginLoadOptions { Level = "sandboxed", Grants = ["clock:read"] });

                for (var i = 0; i < 3; i++)
                {
                    (await CallAsync(host)).GetProperty("ok").GetBoolean().ShouldBeTrue();
                }

                // Another program fills the disk. The space held ahead is the audit log's own: calls still go ahead.
                mount.Fill();
                mount.FreeBytes().ShouldBeLessThan(64 * 1024);
                (await CallAsync(host)).GetProperty("ok").GetBoolean().ShouldBeTrue();

                // The reserve is used up by other records (a chatty host) until the log says to stop admitting calls.
                var details = new Dictionary<string, string> { ["blob"] = new string('a', 2000) };
                // (Queued bytes count until written: keep going until the refusal holds with nothing queued.)
                for (var i = 0; i < 10_000; i++)
                {
                    host.Audit.Append(new AuditEntry(AuditActions.ValidationWarning, AuditDecision.Info, AuditLayer.Host) { Details = details });
                    if (host.Audit.AdmissionRefusal is not null)
                    {
                        await host.Audit.FlushAsync();
                        if (host.Audit.AdmissionRefusal is not null)
                        {
                            break;
                        }
                    }
                }

                host.Audit.AdmissionRefusal.ShouldNotBeNull();

                var refused = await CallAsync(host);
                refused.GetProperty("ok").GetBoolean().ShouldBeFalse(refused.ToString());
                refused.GetProperty("message").GetString()!.ShouldContain("the audit disk is nearly full");
                await host.Audit.FlushAsync();
            }

            lost.ShouldBe(0);
            var records = new AuditReader(Path.Combine(world.Home, "audit")).Query(new AuditQuery { Plugin = Bystander }).ToList();
            records.Count(r => r.Action == AuditActions.ServiceCall && r.Decision == AuditDecision.Allow).ShouldBe(clock.Calls);
            clock.Calls.ShouldBe(4);
            records.ShouldContain(r => r.Action == AuditActions.PluginStopped); // the shutdown's records landed too
        }
    }

    private static async Task<JsonElement> CallAsync(PluginHost host) =>
        await host.InvokeAsync(Bystander, "service", JsonSerializer.SerializeToElement(new { service = "clock", method = "now" }));

    public sealed class CountingClock
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        [RequiresPermission("clock:read")]
        [HostServiceMethod("now")]
        public string GetNow()
        {
            Interlocked.Increment(ref _calls);
            return "2026-12-06T12:00:00Z";
        }
    }
}
