using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace Stockade.Protocol.Tests;

// A peer under test wired to in-memory pipes, with the other end driven either by a second peer or by raw frames.
internal sealed class PeerHarness : IAsyncDisposable
{
    private readonly Stream _toPeer;
    private readonly Stream _fromPeer;
    private readonly FrameReader _reader;
    private int _violations;

    private PeerHarness(JsonRpcPeer peer, Stream toPeer, Stream fromPeer)
    {
        Peer = peer;
        _toPeer = toPeer;
        _fromPeer = fromPeer;
        _reader = new FrameReader(fromPeer, int.MaxValue);
        peer.ProtocolViolated += (_, _) => Interlocked.Increment(ref _violations);
    }

    public JsonRpcPeer Peer { get; }

    public int ViolationEvents => Volatile.Read(ref _violations);

    public static PeerHarness Start(JsonRpcReadMode mode, IJsonRpcHandler handler, ProtocolLimits? limits = null)
    {
        var inbound = new Pipe();
        var outbound = new Pipe();
        var peer = new JsonRpcPeer(inbound.Reader.AsStream(), outbound.Writer.AsStream(), limits, handler);
        var harness = new PeerHarness(peer, inbound.Writer.AsStream(), outbound.Reader.AsStream());
        peer.Start(mode);
        return harness;
    }

    // The right peer (the one answering, as a worker does) reads in `rightMode`; the left one, like the host, asynchronously.
    public static (JsonRpcPeer Left, JsonRpcPeer Right) StartPair(JsonRpcReadMode rightMode, IJsonRpcHandler left, IJsonRpcHandler right, ProtocolLimits? limits = null)
    {
        var leftToRight = new Pipe();
        var rightToLeft = new Pipe();
        var leftPeer = new JsonRpcPeer(rightToLeft.Reader.AsStream(), leftToRight.Writer.AsStream(), limits, left);
        var rightPeer = new JsonRpcPeer(leftToRight.Reader.AsStream(), rightToLeft.Writer.AsStream(), limits, right);
        leftPeer.Start();
        rightPeer.Start(rightMode);
        return (leftPeer, rightPeer);
    }

    public Task SendJsonAsync(string json) => SendRawAsync(Frame(Encoding.UTF8.GetBytes(json)));

    public async Task SendRawAsync(byte[] bytes)
    {
        await _toPeer.WriteAsync(bytes);
        await _toPeer.FlushAsync();
    }

    public async Task<JsonElement> ReceiveAsync()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var frame = await _reader.ReadFrameAsync(cancel.Token) ?? throw new EndOfStreamException("the peer closed its output");
        return JsonDocument.Parse(frame.Payload).RootElement.Clone();
    }

    public async Task CloseInputAsync() => await _toPeer.DisposeAsync();

    public async Task WaitClosedAsync() => await Peer.Completion.WaitAsync(TimeSpan.FromSeconds(10));

    public static byte[] Frame(byte[] payload)
    {
        var bytes = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)payload.Length);
        payload.CopyTo(bytes, 4);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        await _toPeer.DisposeAsync();
        await Peer.DisposeAsync();
        await _fromPeer.DisposeAsync();
    }
}
