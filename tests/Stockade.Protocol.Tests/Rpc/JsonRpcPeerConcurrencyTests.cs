using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace Stockade.Protocol.Tests;

// The paths where the sending thread writes its own frame, where the reading thread hands its reading over before
// running a caller or a handler, and where a write fails under concurrent senders.
public class JsonRpcPeerConcurrencyTests
{
    // The peer under test (the answering side) reads this way; a subclass runs every test again in the other mode.
    private protected virtual JsonRpcReadMode Mode => JsonRpcReadMode.Asynchronous;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task NotifyAsync_ManyThreadsAtOnce_EveryFrameArrivesWholeAndInEachSendersOrder()
    {
        const int Senders = 8;
        const int PerSender = 400;
        await using var harness = PeerHarness.Start(Mode, new JsonRpcMethodTable());

        // Sizes from a few bytes to beyond the writer's 64 KiB buffer, so gathered frames, direct large writes and
        // writes that the pipe cannot take at once (its pause threshold) all meet concurrent senders.
        var receiving = Task.Run(async () =>
        {
            var next = new int[Senders];
            for (var i = 0; i < Senders * PerSender; i++)
            {
                var message = await harness.ReceiveAsync();
                var parameters = message.GetProperty("params");
                var sender = parameters.GetProperty("s").GetInt32();
                var sequence = parameters.GetProperty("i").GetInt32();
                parameters.GetProperty("pad").GetString()!.Length.ShouldBe(PadLength(sender, sequence));
                sequence.ShouldBe(next[sender]);
                next[sender]++;
            }

            return next;
        });
        using var start = new Barrier(Senders);
        var sending = Enumerable.Range(0, Senders).Select(sender => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PerSender; i++)
            {
                var json = $$"""{"s":{{sender}},"i":{{i}},"pad":"{{new string('x', PadLength(sender, i))}}"}""";
                harness.Peer.NotifyAsync("host.log", TestHandlers.Json(json)).AsTask().GetAwaiter().GetResult();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        await Task.WhenAll(sending).WaitAsync(Patience);
        var counts = await receiving.WaitAsync(Patience);

        counts.ShouldAllBe(count => count == PerSender);
        harness.Peer.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task InvokeAsync_OtherSideStopsReading_CallerIsNotHeldByTheWriteAndCancels()
    {
        await using var harness = PeerHarness.Start(Mode, new JsonRpcMethodTable());

        // Nobody reads the peer's output: a 1 MiB message stalls the writer on the pipe's pause threshold.
        var big = TestHandlers.Json($$"""{"pad":"{{new string('x', 1024 * 1024)}}"}""");
        await harness.Peer.NotifyAsync("host.log", big).AsTask().WaitAsync(Patience);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var call = harness.Peer.InvokeAsync("echo", TestHandlers.Json("[]"), cancel.Token);

        await Should.ThrowAsync<OperationCanceledException>(() => call.WaitAsync(Patience));
        harness.Peer.ViolationReason.ShouldBeNull();

        // Reading again lets everything queued behind the stalled write leave, in order.
        (await harness.ReceiveAsync()).GetProperty("method").GetString().ShouldBe("host.log");
        (await harness.ReceiveAsync()).GetProperty("method").GetString().ShouldBe("echo");
        (await harness.ReceiveAsync()).GetProperty("method").GetString().ShouldBe("$/cancel");
    }

    [Fact]
    public async Task InvokeAsync_WriteFailsWhileManyCallersWrite_EveryCallFailsWithIOExceptionAndPeerCloses()
    {
        var inbound = new Pipe();
        var output = new FailingStream(failAfterWrites: 1);
        var peer = new JsonRpcPeer(inbound.Reader.AsStream(), output, null, new JsonRpcMethodTable());
        peer.Start(Mode);
        await using var _ = peer;

        // The first frame is written (and never answered); every write after it fails.
        var unanswered = peer.InvokeAsync("echo", TestHandlers.Json("[0]"));

        using var start = new Barrier(16);
        var calls = Enumerable.Range(0, 16).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return peer.InvokeAsync("echo", TestHandlers.Json($$"""{"i":{{i}}}"""));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToArray();

        foreach (var call in calls)
        {
            var error = await Should.ThrowAsync<Exception>(() => call.WaitAsync(Patience));
            error.ShouldBeAssignableTo<IOException>();
        }

        (await Should.ThrowAsync<Exception>(() => unanswered.WaitAsync(Patience))).ShouldBeAssignableTo<IOException>();
        await peer.Completion.WaitAsync(Patience);
        output.Disposed.ShouldBeTrue();
        await Should.ThrowAsync<IOException>(() => peer.InvokeAsync("echo"));
        peer.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task InvokeAsync_CallerBlocksInItsContinuation_OtherAnswersStillArrive()
    {
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard());
        await using var _ = client;
        await using var __ = server;
        using var release = new ManualResetEventSlim();

        // The first caller's continuation blocks its thread until the second call has been answered: if the thread
        // that read the first answer still had to read the second, this would never finish.
        var first = Task.Run(async () =>
        {
            await client.InvokeAsync("echo", TestHandlers.Json("[1]"));
            release.Wait(Patience).ShouldBeTrue();
        });
        await Task.Delay(50);
        var second = await client.InvokeAsync("echo", TestHandlers.Json("[2]")).WaitAsync(Patience);
        release.Set();

        second.GetArrayLength().ShouldBe(1);
        await first.WaitAsync(Patience);
    }

    [Fact]
    public async Task HandleRequest_HandlerBlocksItsThread_CancelIsStillReadAndAnswered()
    {
        using var entered = new ManualResetEventSlim();
        using var unblock = new ManualResetEventSlim();
        var table = TestHandlers.Standard().AddRequest("stuck", (_, token) =>
        {
            // Blocks synchronously, like a plugin method that never awaits, until its token fires.
            entered.Set();
            unblock.Wait(token);
            return ValueTask.FromResult<JsonElement?>(null);
        });
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), table);
        await using var _ = client;
        await using var __ = server;
        using var cancel = new CancellationTokenSource();

        var stuck = client.InvokeAsync("stuck", cancellationToken: cancel.Token);
        entered.Wait(Patience).ShouldBeTrue();
        var echo = await client.InvokeAsync("echo", TestHandlers.Json("[3]")).WaitAsync(Patience);
        await cancel.CancelAsync();

        echo.GetArrayLength().ShouldBe(1);
        await Should.ThrowAsync<OperationCanceledException>(() => stuck.WaitAsync(Patience));
        (await client.InvokeAsync("echo", TestHandlers.Json("[]")).WaitAsync(Patience)).GetArrayLength().ShouldBe(0);
        server.ViolationReason.ShouldBeNull();
    }

    private static int PadLength(int sender, int sequence) => (sender * 7919 + sequence * 104729) % 97 == 0 ? 70_000 + sequence : (sender * 31 + sequence * 17) % 2_000;

    // Accepts a few writes, then fails every write, like a pipe whose reader has died.
    private sealed class FailingStream(int failAfterWrites) : Stream
    {
        private int _writes;

        public bool Disposed { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Count();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count();
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }

        private void Count()
        {
            if (Interlocked.Increment(ref _writes) > failAfterWrites)
            {
                throw new IOException("Broken pipe (test)");
            }
        }
    }
}
