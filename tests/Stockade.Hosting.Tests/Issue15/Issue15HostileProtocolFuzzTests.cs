using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue15;

/// <summary>
/// Issue 15, "the read loop treats every malformed input as an audited violation": a real worker
/// (samples/plugins/chaos-python) writes one malformed frame and then lingers, so only the host can end it. After
/// each: the call fails as a protocol violation, the worker is gone, the audit log names the violation, the next
/// plugin loads and runs, nothing of the world is left running after the host, and <c>audit verify</c> is intact.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15HostileProtocolFuzzTests
{
    /// <summary>Malformed frames sent as the answer to a call (the worker is ready and a call is in flight).</summary>
    [Theory]
    [InlineData("badUtf8Method")]
    [InlineData("badUtf8Notification")]
    [InlineData("loneSurrogate")]
    [InlineData("badUtf8Value")]
    [InlineData("truncated")]
    [InlineData("hugeLength")]
    [InlineData("justOverLimit")]
    [InlineData("zeroLength")]
    [InlineData("idObject")]
    [InlineData("idBool")]
    [InlineData("idHugeNumber")]
    [InlineData("idFraction")]
    [InlineData("paramsNumber")]
    [InlineData("methodNumber")]
    [InlineData("notAnObject")]
    [InlineData("missingVersion")]
    [InlineData("deepNesting")]
    [InlineData("unknownMethod")]
    [InlineData("orphanResponse")]
    [InlineData("resultAndError")]
    [InlineData("binaryGarbage")]
    [InlineData("nulBytes")]
    public async Task InvokeAsync_MalformedFrame_AuditedViolation_WorkerGone_HostServesNextPlugin(string frame)
    {
        await using var w = new Issue15World();
        const string id = "t.fuzz";
        await w.Host.LoadAsync(Issue15.Chaos(w.World, id), new PluginLoadOptions { Level = "sandboxed" });
        var pid = w.Host.Plugins.Single(p => p.Id == id).ProcessId!.Value;

        var ex = await Should.ThrowAsync<PluginException>(() => w.Host.InvokeAsync(id, frame));

        ex.ShouldBeOfType<PluginFailedException>($"{frame}: {ex.GetType().Name} {ex.Message}").Kind.ShouldBe(PluginFailureKind.ProtocolViolation, ex.Message);
        (await Issue15.WaitGoneAsync(pid)).ShouldBeTrue($"{frame}: the worker (pid {pid}) still runs after its violation");
        var records = await Issue15.WaitForRecordAsync(w.Host, w.Home, id, r => r.Action == Issue15.ProtocolViolation, TimeSpan.FromSeconds(5));
        records.ShouldContain(r => r.Action == Issue15.ProtocolViolation, $"{frame}: no {Issue15.ProtocolViolation} record:\n{Issue15.Describe(records)}");
        await AssertHostSurvivesAsync(w, frame);
    }

    /// <summary>
    /// The worker closes its output while a call waits for the answer, and stays alive: the call fails at once,
    /// the worker is ended and the end is recorded with its cause (today: no record, issue 15).
    /// </summary>
    [Fact]
    public async Task InvokeAsync_StreamClosedMidCall_FailsAtOnce_WorkerEndedAndRecorded()
    {
        await using var w = new Issue15World();
        const string id = "t.close-mid-call";
        await w.Host.LoadAsync(Issue15.Chaos(w.World, id), new PluginLoadOptions { Level = "sandboxed" });
        var pid = w.Host.Plugins.Single(p => p.Id == id).ProcessId!.Value;

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var ex = await Should.ThrowAsync<PluginException>(() => w.Host.InvokeAsync(id, "closeMidCall"));

        ex.ShouldNotBeOfType<PluginTimeoutException>("the host waited for the call's timeout instead of seeing the stream end");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
        (await Issue15.WaitGoneAsync(pid)).ShouldBeTrue($"the worker (pid {pid}) whose stream ended still runs");
        var records = await Issue15.WaitForRecordAsync(w.Host, w.Home, id, r => r.IsEnd, TimeSpan.FromSeconds(5));
        records.ShouldContain(r => r.IsEnd, $"no record of the worker's end:\n{Issue15.Describe(records)}");
        await AssertHostSurvivesAsync(w, "closeMidCall");
    }

    /// <summary>
    /// Misbehaviour before or during <c>initialize</c>: the load is refused, nothing is left running, and the start
    /// attempt has a record of its outcome (today: a worker that fails before initialize, or breaks the protocol
    /// during it, leaves neither <c>started</c> nor <c>crashed</c>).
    /// </summary>
    [Theory]
    [InlineData("exitBeforeInit")]
    [InlineData("initCrash")]
    [InlineData("initSegv")]
    [InlineData("initClose")]
    [InlineData("badUtf8Method")]
    [InlineData("binaryGarbage")]
    [InlineData("orphanResponse")]
    [InlineData("hugeLength")]
    [InlineData("truncated")]
    public async Task LoadAsync_MisbehavesDuringStart_RefusedRecordedNothingLeftRunning(string mode)
    {
        await using var w = new Issue15World();
        var id = "t.start-" + mode.ToLowerInvariant();
        var folder = Issue15.Chaos(w.World, id, mode);

        var ex = await Should.ThrowAsync<Exception>(() => w.Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed" }));

        ex.ShouldBeAssignableTo<PluginException>($"{mode}: a refused load must be a PluginException, not {ex.GetType().Name}: {ex.Message}");
        w.Host.Plugins.ShouldNotContain(p => p.Id == id);
        (await Issue15.WaitNoProcessesAsync(folder)).ShouldBeEmpty($"{mode}: a refused load left its worker running");
        var records = await Issue15.WaitForRecordAsync(w.Host, w.Home, id, r => r.Action != Issue15.Started, TimeSpan.FromSeconds(5));
        records.ShouldContain(r => r.Action != Issue15.Started, $"{mode}: the failed start attempt has no record of its outcome:\n{Issue15.Describe(records)}");
        await AssertHostSurvivesAsync(w, mode);
    }

    /// <summary>A start that never answers <c>initialize</c> times out: refused, recorded, and its worker is gone.</summary>
    [Fact]
    public async Task LoadAsync_InitializeNeverAnswered_TimesOutRecordedNothingLeftRunning()
    {
        await using var w = new Issue15World();
        const string id = "t.start-hang";
        var folder = Issue15.Chaos(w.World, id, "initHang", timeouts: "{ init: 2s, call: 10s, hook: 5s }");

        await Should.ThrowAsync<PluginException>(() => w.Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed" }));

        (await Issue15.WaitNoProcessesAsync(folder)).ShouldBeEmpty("a start that timed out left its worker running");
        var records = await Issue15.WaitForRecordAsync(w.Host, w.Home, id, r => r.Action != Issue15.Started, TimeSpan.FromSeconds(5));
        records.ShouldContain(r => r.Action != Issue15.Started, $"the timed-out start has no record:\n{Issue15.Describe(records)}");
        await AssertHostSurvivesAsync(w, "initHang");
    }

    /// <summary>The next plugin loads and runs; after the host, nothing of the world runs and the chain verifies.</summary>
    private static async Task AssertHostSurvivesAsync(Issue15World w, string attack)
    {
        var next = "t.next";
        await w.Host.LoadAsync(Issue15.Chaos(w.World, next), new PluginLoadOptions { Level = "sandboxed" });
        (await w.Host.InvokeAsync(next, "ping")).GetString().ShouldBe("pong", $"after {attack} the host no longer serves");

        var (took, threw) = await w.DisposeHostAsync();
        threw.ShouldBeNull($"DisposeAsync threw after {attack}: {threw}");
        took.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        (await Issue15.WaitNoProcessesAsync(w.Marker)).ShouldBeEmpty($"after {attack} a process outlived its host");
        var verify = await Issue15.VerifyAsync(w.Home);
        verify.ExitCode.ShouldBe(0, $"after {attack}, audit verify: {verify}");
    }
}
