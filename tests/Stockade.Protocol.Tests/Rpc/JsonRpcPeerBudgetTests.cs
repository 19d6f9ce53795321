using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace Stockade.Protocol.Tests;

/// <summary>
/// The bytes a peer holds for the other side — frames being read or handled, answers the other side has not read — are
/// bounded by its <see cref="PeerByteBudget"/>, and by a shared <see cref="ByteBudget"/> across peers.
/// </summary>
public sealed class JsonRpcPeerBudgetTests
{
    [Fact]
    public async Task Frame_LargerThanTheBudget_IsAViolationNamingTheBudget()
    {
        await using var side = Side.Start(new PeerByteBudget(1000));

        await side.SendAsync(Echo(1, new string('x', 2000)));

        await side.WaitClosedAsync();
        side.Peer.ViolationReason.ShouldNotBeNull().ShouldContain("past its budget of 1000 bytes");
    }

    [Fact]
    public async Task Answers_NeverRead_PeerClosedAsNotReading_BytesGivenBack()
    {
        var shared = new ByteBudget(1024 * 1024);
        var budget = new PeerByteBudget(64 * 1024, shared);
        await using var side = Side.Start(budget, outputPauseBytes: 4096);

        for (var i = 0; i < 200 && side.Peer.ViolationReason is null; i++)
        {
            await side.SendAsync(Echo(i, new string('y', 1024)));
            await Task.Delay(1);
        }

        await WaitUntil(() => side.Peer.ViolationReason is not null);
        side.Peer.ViolationReason.ShouldNotBeNull().ShouldStartWith("it does not read its input");
        side.CompleteOutputReader(); // what a killed worker's broken pipe does
        await side.WaitClosedAsync();
        await WaitUntil(() => budget.UsedBytes == 0 && shared.UsedBytes == 0);
    }

    [Fact]
    public async Task Traffic_ReadAndAnswered_EveryByteGivenBack()
    {
        var shared = new ByteBudget(1024 * 1024);
        var budget = new PeerByteBudget(256 * 1024, shared);
        await using var side = Side.Start(budget);

        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 40; i++)
            {
                await side.SendAsync(Echo((round * 40) + i, new string('z', 3000)));
            }

            for (var i = 0; i < 40; i++)
            {
                var answer = await side.ReceiveAsync();
                answer.GetProperty("result").GetProperty("text").GetString()!.Length.ShouldBe(3000);
            }
        }

        await WaitUntil(() => budget.UsedBytes == 0);
        shared.UsedBytes.ShouldBe(0);
        budget.PeakBytes.ShouldBeGreaterThan(0);
        side.Peer.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task SharedPool_UsedUp_TheLargestHolderIsCut_TheOtherIsServed()
    {
        var shared = new ByteBudget(200 * 1024);
        await using var hoarder = Side.Start(new PeerByteBudget(1024 * 1024, shared), outputPauseBytes: 1024);
        await using var modest = Side.Start(new PeerByteBudget(1024 * 1024, shared));
        hoarder.Peer.ProtocolViolated += (_, _) => hoarder.CompleteOutputReader();

        // The hoarder's answers pile up unread: the first 64 KiB wait in its frame writer's buffer (a fixed cost per peer),
        // the rest in its queue, about 140 KiB of the pool.
        for (var i = 0; i < 24; i++)
        {
            await hoarder.SendAsync(Echo(i, new string('h', 8 * 1024)));
        }

        await WaitUntil(() => shared.UsedBytes > 120 * 1024);
        await modest.SendAsync(Echo(1, new string('m', 80 * 1024)));

        var held = shared.UsedBytes;
        JsonElement answer;
        try
        {
            answer = await modest.ReceiveAsync();
        }
        catch (EndOfStreamException)
        {
            throw new ShouldAssertException($"modest closed: {modest.Peer.ViolationReason}; hoarder: {hoarder.Peer.ViolationReason}; pool held {held}");
        }

        answer.GetProperty("result").GetProperty("text").GetString()!.Length.ShouldBe(80 * 1024);
        hoarder.Peer.ViolationReason.ShouldNotBeNull($"the pool held {held} bytes before the modest frame");
        hoarder.Peer.ViolationReason.ShouldNotBeNull().ShouldContain("host-wide budget");
        modest.Peer.ViolationReason.ShouldBeNull();
        shared.CutCount.ShouldBe(1);
    }

    [Fact]
    public void Budgets_RefuseNonPositiveLimits()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new ByteBudget(0));
        Should.Throw<ArgumentOutOfRangeException>(() => new PeerByteBudget(-1));
    }

    private static string Echo(int id, string text) =>
        "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"echo\",\"params\":{\"text\":\"" + text + "\"}}";

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    // A peer (asynchronous reading, as the host's) over in-memory pipes; the other end is driven by raw frames.
    private sealed class Side : IAsyncDisposable
    {
        private readonly Pipe _inbound;
        private readonly Pipe _outbound;
        private readonly Stream _toPeer;
        private readonly FrameReader _fromPeer;

        private Side(PeerByteBudget budget, long outputPauseBytes)
        {
            _inbound = new Pipe();
            _outbound = new Pipe(new PipeOptions(pauseWriterThreshold: outputPauseBytes, resumeWriterThreshold: outputPauseBytes / 2));
            Peer = new JsonRpcPeer(_inbound.Reader.AsStream(), _outbound.Writer.AsStream(), null, TestHandlers.Standard(), budget);
            _toPeer = _inbound.Writer.AsStream();
            _fromPeer = new FrameReader(_outbound.Reader.AsStream(), int.MaxValue);
            Peer.Start();
        }

        public JsonRpcPeer Peer { get; }

        public static Side Start(PeerByteBudget budget, long outputPauseBytes = 1 << 20) => new(budget, outputPauseBytes);

        public async Task SendAsync(string json)
        {
            await _toPeer.WriteAsync(PeerHarness.Frame(Encoding.UTF8.GetBytes(json)));
            await _toPeer.FlushAsync();
        }

        public async Task<JsonElement> ReceiveAsync()
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var frame = await _fromPeer.ReadFrameAsync(cancel.Token) ?? throw new EndOfStreamException("the peer closed its output");
            return JsonDocument.Parse(frame.Payload).RootElement.Clone();
        }

        public void CompleteOutputReader() => _outbound.Reader.Complete();

        public async Task WaitClosedAsync() => await Peer.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        public async ValueTask DisposeAsync()
        {
            await _toPeer.DisposeAsync();
            _outbound.Reader.Complete();
            await Peer.DisposeAsync();
        }
    }
}
