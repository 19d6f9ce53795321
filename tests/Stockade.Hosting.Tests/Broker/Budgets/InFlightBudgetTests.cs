using System.Diagnostics;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Budgets;
using Xunit.Abstractions;

namespace Stockade.Hosting.Tests.Broker.Budgets;

/// <summary>
/// Many offenders at once, real workers: the red team's eight plugins sending 16 MiB frames took the host from 70 MB to
/// 1 GB, and a plugin that asks and never reads its input grew it to 2.2 GB. Now what workers have in flight towards the
/// host is bounded per worker and host-wide, offenders are ended with an audited violation, and a bystander is served
/// throughout.
/// </summary>
public abstract class InFlightBudgetTests(int? workerUid, ITestOutputHelper output)
{
    private const int Offenders = 8;
    private const int HostBudgetMb = 64;

    [Fact]
    public async Task EightOffenders_MaximalFramesAndUnreadAnswers_HostMemoryBounded_OffendersEnded_BystanderServed()
    {
        await using var world = BudgetWorld.Create(workerUid, new BudgetOptions { WorkerInFlightMb = 32, HostInFlightMb = HostBudgetMb });
        for (var i = 0; i < Offenders; i++)
        {
            await world.LoadFloodAsync($"t.offender-{i}");
        }

        await world.LoadBystanderAsync();
        await world.BrokeredCallAsync();
        var baseline = SettledMemory();

        // Half send maximal frames back to back (16 MiB each, 40 of them: 640 MiB apiece), half ask without ever reading.
        var attacks = Enumerable.Range(0, Offenders).Select(i => i % 2 == 0
            ? world.Host.InvokeAsync($"t.offender-{i}", "bigFrames", JsonSerializer.SerializeToElement(new { count = 40, bytes = 16 * 1024 * 1024 - 4 }))
            : world.Host.InvokeAsync($"t.offender-{i}", "askNoRead", JsonSerializer.SerializeToElement(new { count = 100_000 }))).ToList();
        var peak = baseline;
        var served = 0;
        var watch = Stopwatch.StartNew();
        while (attacks.Any(a => !a.IsCompleted) && watch.Elapsed < TimeSpan.FromSeconds(90))
        {
            await world.BrokeredCallAsync();
            served++;
            peak = Math.Max(peak, CurrentMemory());
            await Task.Delay(25);
        }

        var outcomes = new List<string>();
        foreach (var attack in attacks)
        {
            try
            {
                outcomes.Add("completed: " + (await attack).ToString());
            }
            catch (PluginException e)
            {
                outcomes.Add(e.Message);
            }
        }

        var grown = (peak - baseline) / (1024 * 1024);
        attacks.ShouldAllBe(a => a.IsCompleted, string.Join('\n', outcomes));
        served.ShouldBeGreaterThan(0);
        await world.BrokeredCallAsync();

        // Every reader of the attack stops at a violation; frames are parsed and logged without keeping them, so the
        // host holds a small multiple of its 64 MiB budget at most (the red team measured 1 GB for the same attack).
        grown.ShouldBeLessThan(6 * HostBudgetMb, $"the host grew by {grown} MiB:\n{string.Join('\n', outcomes)}");
        output.WriteLine($"host memory: {baseline / (1024 * 1024)} MiB settled before, peak {peak / (1024 * 1024)} MiB during (+{grown} MiB); {served} brokered calls of the bystander served; {world.Host.InFlightBudget.CutCount} cut by the host-wide budget");
        output.WriteLine(string.Join('\n', outcomes));

        // Those that never read are ended, as not reading or as the largest holder of the host-wide budget.
        for (var i = 1; i < Offenders; i += 2)
        {
            outcomes[i].ShouldContain("broke the protocol");
            outcomes[i].ShouldMatch("does not read its input|host-wide budget");
        }

        await BudgetWorld.WaitForAsync(() => world.Events.Count(e => e.Kind == PluginEventKind.ProtocolViolation) >= Offenders / 2, TimeSpan.FromSeconds(10));
        var violations = (await world.AuditAsync()).Where(r => r.Action == AuditActions.ProtocolViolation).ToList();
        violations.Count.ShouldBeGreaterThanOrEqualTo(Offenders / 2, string.Join('\n', outcomes));
        world.Host.InFlightBudget.UsedBytes.ShouldBeLessThanOrEqualTo(world.Host.InFlightBudget.LimitBytes);
        world.Verify().Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task AskNoRead_AnswersPileUp_WorkerEndedAsNotReading_BudgetGivenBack()
    {
        await using var world = BudgetWorld.Create(workerUid, new BudgetOptions { WorkerInFlightMb = 16, HostInFlightMb = 64 });
        await world.LoadFloodAsync("t.asker");

        var ex = await Should.ThrowAsync<PluginFailedException>(() => world.Host.InvokeAsync("t.asker", "askNoRead", JsonSerializer.SerializeToElement(new { count = 100_000 })));

        ex.Kind.ShouldBe(PluginFailureKind.ProtocolViolation);
        ex.Message.ShouldContain("does not read its input");
        await BudgetWorld.WaitForAsync(() => world.Host.InFlightBudget.UsedBytes == 0, TimeSpan.FromSeconds(10));
        await BudgetWorld.WaitForAsync(() => world.Saw("t.asker", PluginEventKind.ProtocolViolation), TimeSpan.FromSeconds(10));
        (await world.AuditAsync("t.asker")).ShouldContain(r => r.Action == AuditActions.ProtocolViolation && r.Details!["reason"].Contains("does not read"));
    }

    // The host process's resident memory once the GC has run, so that garbage waiting for a collection is not counted.
    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return CurrentMemory();
    }

    private static long CurrentMemory()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }
}

/// <summary>Workers run as the host's uid (root here).</summary>
public sealed class InFlightBudgetRootTests(ITestOutputHelper output) : InFlightBudgetTests(null, output);

/// <summary>Workers run as nobody (65534), as an unprivileged host's would.</summary>
public sealed class InFlightBudgetNobodyTests(ITestOutputHelper output) : InFlightBudgetTests(65534, output);
