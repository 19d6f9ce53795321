using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Budgets;

namespace Stockade.Hosting.Tests.Broker.Budgets;

/// <summary>
/// A real plugin floods <c>host.denial</c> (the red team's flood wrote 99,700 records, 833 MB, in 30 s, filled the audit
/// volume and the fail-secure latch then refused every other plugin's brokered calls). Now the flood is summarised: the
/// audit grows by a bounded number of records whose counts add up to what was sent, the chain verifies, and another
/// plugin's brokered calls keep working; past its audit budget the flooding worker is ended, audited.
/// </summary>
public abstract class AuditFloodTests(int? workerUid)
{
    private const string Flooder = "t.denial-flood";

    [Fact]
    public async Task DenialFlood_ForSeconds_SummarisedWithCount_ChainIntact_OthersServed()
    {
        await using var world = BudgetWorld.Create(workerUid, new BudgetOptions
        {
            Interval = TimeSpan.FromSeconds(1),
            AuditRecordsPerInterval = 20,
            AuditMaxRecordsPerInterval = 10_000_000,
            AuditMaxKbPerInterval = 1 << 24,
        });
        await world.LoadFloodAsync(Flooder);
        await world.LoadBystanderAsync();
        var before = (await world.AuditAsync(Flooder)).Count;

        var flood = world.Host.InvokeAsync(Flooder, "denials", JsonSerializer.SerializeToElement(new { seconds = 4, perSecond = 0 }));
        var bystanderCalls = 0;
        while (!flood.IsCompleted)
        {
            await world.BrokeredCallAsync();
            bystanderCalls++;
            await Task.Delay(20);
        }

        var sent = (await flood).GetProperty("sent").GetInt64();
        await world.Host.UnloadAsync(Flooder); // the worker's end flushes what is still summarised
        var records = (await world.AuditAsync(Flooder)).Skip(before).ToList();
        var denials = records.Where(r => r.Action == AuditActions.FileRead && r.Decision == AuditDecision.Deny).ToList();
        var summaries = denials.Where(r => r.Details?.ContainsKey("count") == true).ToList();
        var counted = denials.Count - summaries.Count + summaries.Sum(r => long.Parse(r.Details!["count"], CultureInfo.InvariantCulture));

        sent.ShouldBeGreaterThan(2_000, "the flood should send thousands of reports in 4 s");
        counted.ShouldBe(sent, "every report is either written or counted in a summary");
        summaries.ShouldNotBeEmpty();
        summaries[0].Details!.ShouldContainKey("firstResource");
        summaries[0].Details!.ShouldContainKey("lastAt");

        // 20 one by one and one summary per started second (plus the final flush), a few host records around them.
        records.Count.ShouldBeLessThan(20 * 8 + 20, $"{records.Count} records for {sent} reports");
        world.Verify().Ok.ShouldBeTrue();
        bystanderCalls.ShouldBeGreaterThan(0);
        await world.BrokeredCallAsync();
        world.Host.AuditFailure.ShouldBeNull();
    }

    [Fact]
    public async Task DenialFlood_OverAuditBudget_WorkerEndedAndAudited_OthersServed()
    {
        await using var world = BudgetWorld.Create(workerUid, new BudgetOptions
        {
            Interval = TimeSpan.FromSeconds(10),
            AuditRecordsPerInterval = 20,
            AuditMaxRecordsPerInterval = 1_000,
        });
        await world.LoadFloodAsync(Flooder);
        await world.LoadBystanderAsync();
        var watch = Stopwatch.StartNew();

        var ex = await Should.ThrowAsync<PluginException>(() => world.Host.InvokeAsync(Flooder, "denials", JsonSerializer.SerializeToElement(new { seconds = 30, perSecond = 0 })));

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20), ex.Message);
        ex.Message.ShouldContain("audit");
        await BudgetWorld.WaitForAsync(() => world.Saw(Flooder, PluginEventKind.Killed), TimeSpan.FromSeconds(10));
        var records = await world.AuditAsync(Flooder);
        var killed = records.Where(r => r.Action == AuditActions.PluginKilled).ShouldHaveSingleItem();
        killed.Details!["reason"].ShouldBe("audit_budget");
        var summary = records.Where(r => r.Action == AuditActions.FileRead && r.Details?.ContainsKey("count") == true).ShouldHaveSingleItem();
        long.Parse(summary.Details!["count"], CultureInfo.InvariantCulture).ShouldBe(1_000 - 20);
        records.Count(r => r.Action == AuditActions.FileRead).ShouldBe(21);
        world.Verify().Ok.ShouldBeTrue();
        await world.BrokeredCallAsync();
        world.Host.AuditFailure.ShouldBeNull();
    }
}

/// <summary>Workers run as the host's uid (root here).</summary>
public sealed class AuditFloodRootTests() : AuditFloodTests(null);

/// <summary>Workers run as nobody (65534), as an unprivileged host's would.</summary>
public sealed class AuditFloodNobodyTests() : AuditFloodTests(65534);
