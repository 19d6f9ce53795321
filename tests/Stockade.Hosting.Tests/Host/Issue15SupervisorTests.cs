using Stockade.Core.Audit;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue 15, the worker supervisor: every start attempt and its outcome, every worker death with its cause, and faults
/// (malformed input, a stream that ends, a worker that dies) recorded at once. Real Python workers, sandboxed, as root
/// and as uid 65534.
/// </summary>
/// <remarks>Action names are spelled out (not the constants) so that these tests compile, and fail, on main.</remarks>
[Trait("Issue", "15")]
public abstract class Issue15SupervisorTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);
    private readonly HostFixture _fixture;

    protected Issue15SupervisorTests(HostFixture fixture) => _fixture = fixture;

    private PluginHost Host => _fixture.Host;

    private HostWorld World => _fixture.World;

    private static PluginLoadOptions Sandboxed => new() { Level = "sandboxed" };

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task LoadAsync_WorkerExitsBeforeInitialize_RecordsStartFailedAndExitWithExitCode()
    {
        var dir = World.ScriptPlugin("t15.early-exit", "exit-before-init");

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.LoadAsync(dir, Sandboxed));

        ex.Kind.ShouldBe(PluginFailureKind.StartFailed);
        var records = await RecordsAsync("t15.early-exit");
        var failed = records.Where(r => r.Action == "plugin.start_failed").ShouldHaveSingleItem();
        failed.Details["exitCode"].ShouldBe("3");
        failed.Details["cause"].ShouldBe("exit_code");
        var exited = records.Where(r => r.Action == "worker.exited").ShouldHaveSingleItem();
        exited.Details["exitCode"].ShouldBe("3");
        exited.Details["state"].ShouldBe("starting");
        Host.Plugins.ShouldBeEmpty();
    }

    [Fact]
    public async Task LoadAsync_SeccompKillsWorkerAtStart_RecordsSigsys()
    {
        var dir = World.ScriptPlugin("t15.sigsys", "seccomp-at-start");

        await Should.ThrowAsync<PluginFailedException>(() => Host.LoadAsync(dir, Sandboxed));

        var records = await RecordsAsync("t15.sigsys");
        var failed = records.Where(r => r.Action == "plugin.start_failed").ShouldHaveSingleItem();
        failed.Details["cause"].ShouldBe("seccomp");
        failed.Details["signal"].ShouldBe("SIGSYS");
        records.Where(r => r.Action == "worker.exited").ShouldHaveSingleItem().Details["signal"].ShouldBe("SIGSYS");
    }

    [Fact]
    public async Task LoadAsync_ViolationDuringInitialize_RecordsViolationAndStartFailure_NoWorkerLeft()
    {
        var dir = World.ScriptPlugin("t15.bad-init", "bad-init");

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.LoadAsync(dir, Sandboxed));

        ex.Kind.ShouldBe(PluginFailureKind.ProtocolViolation);
        var records = await RecordsAsync("t15.bad-init");
        records.ShouldContain(r => r.Action == AuditActions.ProtocolViolation);
        records.Where(r => r.Action == "plugin.start_failed").ShouldHaveSingleItem().Details["cause"].ShouldBe("protocol_violation");
        (await Issue15SupervisorWorld.WaitNoProcessesAsync(dir, Generous)).ShouldBeEmpty();
    }

    [Fact]
    public async Task InvokeAsync_InvalidUtf8InMethodName_AuditedViolation_WorkerEnded()
    {
        var dir = World.ScriptPlugin("t15.utf8");
        var plugin = await Host.LoadAsync(dir, Sandboxed);
        var pid = plugin.ProcessId!.Value;

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t15.utf8", "utf8"));

        ex.Kind.ShouldBe(PluginFailureKind.ProtocolViolation);
        var records = await RecordsAsync("t15.utf8");
        records.ShouldContain(r => r.Action == AuditActions.ProtocolViolation);
        (await Issue15SupervisorWorld.EventuallyAsync(async () => (await RecordsAsync("t15.utf8")).Any(r => r.Action == "worker.exited"), Generous)).ShouldBeTrue();
        (await RecordsAsync("t15.utf8")).Single(r => r.Action == "worker.exited").Details["cause"].ShouldBe("protocol_violation");
        Directory.Exists($"/proc/{pid}").ShouldBeFalse();
        (await Host.InvokeAsync("t15.utf8", "ping")).GetString().ShouldBe("pong"); // the host survives and restarts it
    }

    [Fact]
    public async Task Worker_ClosesItsStreamWhileIdle_EndedAndRecordedAtOnce()
    {
        var dir = World.ScriptPlugin("t15.close-idle");
        var plugin = await Host.LoadAsync(dir, Sandboxed);
        var pid = plugin.ProcessId!.Value;

        (await Host.InvokeAsync("t15.close-idle", "close")).GetString().ShouldBe("closing");

        (await Issue15SupervisorWorld.EventuallyAsync(() => Task.FromResult(!Directory.Exists($"/proc/{pid}")), Generous))
            .ShouldBeTrue("the worker that closed its stream still runs");
        (await Issue15SupervisorWorld.EventuallyAsync(async () => (await RecordsAsync("t15.close-idle")).Any(r => r.Action == "worker.exited"), Generous)).ShouldBeTrue();
        var exited = (await RecordsAsync("t15.close-idle")).Single(r => r.Action == "worker.exited");
        exited.Details["cause"].ShouldBe("stream_ended");
        exited.Details["pid"].ShouldBe(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Host.Plugins.Single(p => p.Id == "t15.close-idle").ProcessId.ShouldBeNull();
    }

    [Fact]
    public async Task InvokeAsync_StreamClosedMidCall_FailsWithClearError_AndRecords()
    {
        var dir = World.ScriptPlugin("t15.close-mid");
        await Host.LoadAsync(dir, Sandboxed);

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t15.close-mid", "closeMidCall"));

        ex.Message.ShouldContain("closed its protocol stream");
        (await Issue15SupervisorWorld.EventuallyAsync(async () => (await RecordsAsync("t15.close-mid")).Any(r => r.Action == "worker.exited"), Generous)).ShouldBeTrue();
        (await RecordsAsync("t15.close-mid")).Single(r => r.Action == "worker.exited").Details["cause"].ShouldBe("stream_ended");
        (await Issue15SupervisorWorld.WaitNoProcessesAsync(dir, Generous)).ShouldBeEmpty();
    }

    [Fact]
    public async Task InvokeAsync_WorkerExits_ProcessIdIsNull_DeathRecordedWithExitCode()
    {
        var dir = World.ScriptPlugin("t15.die");
        var plugin = await Host.LoadAsync(dir, Sandboxed);

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t15.die", "die"));

        ex.Kind.ShouldBe(PluginFailureKind.Crashed);
        plugin.ProcessId.ShouldBeNull();
        (await Issue15SupervisorWorld.EventuallyAsync(async () => (await RecordsAsync("t15.die")).Any(r => r.Action == "worker.exited"), Generous)).ShouldBeTrue();
        var records = await RecordsAsync("t15.die");
        var exited = records.Single(r => r.Action == "worker.exited");
        exited.Details["cause"].ShouldBe("exit_code");
        exited.Details["exitCode"].ShouldBe("5");
        exited.Details["state"].ShouldBe("ready");
        records.ShouldContain(r => r.Action == AuditActions.PluginCrashed);
    }

    [Fact]
    public async Task InvokeAsync_Timeout_HostKillRecordedWithCause()
    {
        var dir = World.ScriptPlugin("t15.timeout", timeouts: "{ init: 30s, call: 1s, hook: 2s }");
        await Host.LoadAsync(dir, Sandboxed);

        await Should.ThrowAsync<PluginTimeoutException>(() => Host.InvokeAsync("t15.timeout", "sleep"));

        (await Issue15SupervisorWorld.EventuallyAsync(async () => (await RecordsAsync("t15.timeout")).Any(r => r.Action == "worker.exited"), Generous)).ShouldBeTrue();
        var exited = (await RecordsAsync("t15.timeout")).Single(r => r.Action == "worker.exited");
        exited.Details["cause"].ShouldBe("timeout");
        exited.Details["signal"].ShouldBe("SIGKILL");
    }

    [Fact]
    public async Task LoadAsync_CancelledWhileStarting_RecordsStartFailure_NoWorkerLeft()
    {
        var dir = World.ScriptPlugin("t15.cancel-start", "slow-init");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        var ex = await Should.ThrowAsync<Exception>(() => Host.LoadAsync(dir, Sandboxed, cancel.Token));

        ex.ShouldBeAssignableTo<OperationCanceledException>();

        (await Issue15SupervisorWorld.WaitNoProcessesAsync(dir, Generous)).ShouldBeEmpty();
        var records = await RecordsAsync("t15.cancel-start");
        records.Where(r => r.Action == "plugin.start_failed").ShouldHaveSingleItem().Details["cause"].ShouldBe("cancelled");
        records.Where(r => r.Action == "worker.exited").ShouldHaveSingleItem().Details["state"].ShouldBe("starting");
        Host.Plugins.ShouldBeEmpty();
    }

    [Fact]
    public async Task Start_Then_Unload_EveryStartHasAnOutcomeAndEveryWorkerAnExit()
    {
        var dir = World.ScriptPlugin("t15.life");
        var plugin = await Host.LoadAsync(dir, Sandboxed);
        var pid = plugin.ProcessId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await Host.UnloadAsync("t15.life");

        plugin.ProcessId.ShouldBeNull();
        var records = await RecordsAsync("t15.life");
        records.Where(r => r.Action == AuditActions.PluginStarted).ShouldHaveSingleItem().Details["pid"].ShouldBe(pid);
        records.Where(r => r.Action == AuditActions.PluginStopped).ShouldHaveSingleItem();
        var exited = records.Where(r => r.Action == "worker.exited").ShouldHaveSingleItem();
        exited.Details["pid"].ShouldBe(pid);
        exited.Details["cause"].ShouldBe("stopped");
    }

    private async Task<IReadOnlyList<AuditRecord>> RecordsAsync(string pluginId)
    {
        await Host.Audit.FlushAsync();
        return Issue15SupervisorWorld.Records(Host.Home.AuditDirectory, pluginId);
    }
}

/// <summary>Workers as root.</summary>
[Trait("Issue", "15")]
public sealed class Issue15SupervisorRootTests() : Issue15SupervisorTests(new RootHostFixture());

/// <summary>Workers as uid 65534.</summary>
[Trait("Issue", "15")]
public sealed class Issue15SupervisorNobodyTests() : Issue15SupervisorTests(new NobodyHostFixture());
