using System.Text.Json;

namespace Stockade.Protocol.Tests;

// Every test of JsonRpcPeerTests again, with the peer under test reading on dedicated threads (the worker's mode), and
// what only that mode promises.
public sealed class JsonRpcPeerDedicatedThreadsTests : JsonRpcPeerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private protected override JsonRpcReadMode Mode => JsonRpcReadMode.DedicatedThreads;

    [Fact]
    public async Task HandleRequest_OneCallAtATime_HandlerRunsOnTheReadingThreadNotThePool()
    {
        var poolThreads = 0;
        var table = TestHandlers.Standard().AddRequest("where", (_, _) =>
        {
            if (Thread.CurrentThread.IsThreadPoolThread)
            {
                Interlocked.Increment(ref poolThreads);
            }

            return ValueTask.FromResult<JsonElement?>(null);
        });
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), table);
        await using var _ = client;
        await using var __ = server;

        for (var i = 0; i < 20; i++)
        {
            await client.InvokeAsync("where").WaitAsync(Patience);
        }

        // The thread that read the request ran it itself (a watcher stands by to take the reading over): no pool thread.
        poolThreads.ShouldBe(0);
    }

    [Fact]
    public async Task HandleRequest_MoreBlockedHandlersThanReadingThreads_ReadingGoesOnAndCancelsReachThemAll()
    {
        const int Stuck = 7;
        var entered = 0;
        using var allEntered = new ManualResetEventSlim();
        var table = WithStuckHandler(() =>
        {
            if (Interlocked.Increment(ref entered) == Stuck)
            {
                allEntered.Set();
            }
        });
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), table);
        await using var _ = client;
        await using var __ = server;
        using var cancel = new CancellationTokenSource();

        // One after the other, each sent once the previous one holds its thread: the first is run by a reading thread,
        // the others find handlers in flight and go to the pool, and reading must go on through all of it.
        var calls = new List<Task<JsonElement>>();
        for (var i = 0; i < Stuck; i++)
        {
            calls.Add(client.InvokeAsync("stuck", cancellationToken: cancel.Token));
            var expected = i + 1;
            SpinWait.SpinUntil(() => Volatile.Read(ref entered) >= expected, Patience).ShouldBeTrue();
        }

        allEntered.Wait(Patience).ShouldBeTrue();
        var echo = await client.InvokeAsync("echo", TestHandlers.Json("[1,2]")).WaitAsync(Patience);
        await cancel.CancelAsync();

        echo.GetArrayLength().ShouldBe(2);
        foreach (var call in calls)
        {
            await Should.ThrowAsync<OperationCanceledException>(() => call.WaitAsync(Patience));
        }

        (await client.InvokeAsync("echo", TestHandlers.Json("[]")).WaitAsync(Patience)).GetArrayLength().ShouldBe(0);
        server.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task HandleRequest_HandlerBlocksAfterTheWatcherFellAsleep_WatcherWakesTakesOverAndCancelIsRead()
    {
        using var entered = new ManualResetEventSlim();
        var table = WithStuckHandler(() => entered.Set());
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), table);
        await using var _ = client;
        await using var __ = server;
        (await client.InvokeAsync("echo", TestHandlers.Json("[1]")).WaitAsync(Patience)).GetArrayLength().ShouldBe(1);

        // Long enough without a call for the watcher to stop looking and sleep until the next handler starts.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        using var cancel = new CancellationTokenSource();
        var stuck = client.InvokeAsync("stuck", cancellationToken: cancel.Token);
        entered.Wait(Patience).ShouldBeTrue();

        // The handler holds the thread that read it; only a watcher that woke up and took the reading over reads these.
        var echo = await client.InvokeAsync("echo", TestHandlers.Json("[1,2,3]")).WaitAsync(Patience);
        await cancel.CancelAsync();

        echo.GetArrayLength().ShouldBe(3);
        await Should.ThrowAsync<OperationCanceledException>(() => stuck.WaitAsync(Patience));
        server.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task Start_ModeNotDefined_ThrowsAndDoesNotStart()
    {
        await using var peer = new JsonRpcPeer(new MemoryStream(), new MemoryStream(), null, new JsonRpcMethodTable());

        Should.Throw<ArgumentOutOfRangeException>(() => peer.Start((JsonRpcReadMode)7));
        peer.Start(JsonRpcReadMode.DedicatedThreads);
        await peer.Completion.WaitAsync(Patience);
    }

    // The standard handlers plus "stuck", which calls `entered` and then blocks its thread until cancelled, like a plugin
    // method that never awaits.
    private static JsonRpcMethodTable WithStuckHandler(Action entered) =>
        TestHandlers.Standard().AddRequest("stuck", (_, token) =>
        {
            entered();
            token.WaitHandle.WaitOne();
            token.ThrowIfCancellationRequested();
            return ValueTask.FromResult<JsonElement?>(null);
        });
}
