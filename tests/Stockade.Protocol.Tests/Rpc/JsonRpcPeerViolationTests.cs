using System.Buffers.Binary;
using System.Text;

namespace Stockade.Protocol.Tests;

public class JsonRpcPeerViolationTests
{
    // The peer under test (the answering side) reads this way; a subclass runs every test again in the other mode.
    protected virtual JsonRpcReadMode Mode => JsonRpcReadMode.Asynchronous;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string> BadMessages => new()
    {
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", "malformed JSON" },
        { "[1,2,3]", "must be a JSON object" },
        { "{\"id\":1,\"method\":\"echo\"}", "\"jsonrpc\": \"2.0\"" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":42}", "\"method\" must be a string" },
        { "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"echo\"}", "request id must be a number or a string" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":7}", "must be an object or an array" },
        { "{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":null}", "response for unknown id 999" },
        { "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":null}", "response for unknown id \"x\"" },
        { "{\"jsonrpc\":\"2.0\",\"result\":null}", "without \"method\"" },
        { new string('[', 65) + new string(']', 65), "nesting deeper than 64" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public async Task ReadLoop_BadMessage_ReportsViolationOnceAndCloses(string json, string expectedReason)
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        var pending = harness.Peer.InvokeAsync("echo");

        await harness.SendJsonAsync(json);
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldNotBeNull().ShouldContain(expectedReason);
        harness.ViolationEvents.ShouldBe(1);
        await Should.ThrowAsync<ProtocolViolationException>(() => pending.WaitAsync(Patience));
    }

    [Fact]
    public async Task ReadLoop_OversizeFrame_ReportsLimitWithoutReadingThePayload()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, 20_000_000);

        await harness.SendRawAsync(header);
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldBe("frame of 20000000 bytes exceeds the 16 MiB limit");
    }

    [Fact]
    public async Task ReadLoop_ZeroLengthFrame_ReportsViolation()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());

        await harness.SendRawAsync([0, 0, 0, 0]);
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldNotBeNull().ShouldContain("length 0");
    }

    [Fact]
    public async Task ReadLoop_TruncatedFrame_ReportsViolation()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        var frame = PeerHarness.Frame(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"x"}"""));

        await harness.SendRawAsync(frame[..10]);
        await harness.CloseInputAsync();
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldNotBeNull().ShouldContain("6 of");
    }

    [Fact]
    public async Task ReadLoop_MoreRequestsThanMaxInFlight_ReportsFlood()
    {
        var limits = ProtocolLimits.Default with { MaxInFlight = 4 };
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard(), limits);

        for (var id = 1; id <= 5; id++)
        {
            await harness.SendJsonAsync($$"""{"jsonrpc":"2.0","id":{{id}},"method":"block"}""");
        }

        await harness.WaitClosedAsync();
        harness.Peer.ViolationReason.ShouldBe("flood: more than 4 requests in flight");
    }

    [Fact]
    public async Task ReadLoop_RequestsWithinMaxInFlight_AreAllAnswered()
    {
        var limits = ProtocolLimits.Default with { MaxInFlight = 4 };
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard(), limits);

        for (var round = 0; round < 3; round++)
        {
            for (var id = 1; id <= 4; id++)
            {
                await harness.SendJsonAsync($$"""{"jsonrpc":"2.0","id":{{(round * 10) + id}},"method":"echo","params":[]}""");
            }

            for (var id = 1; id <= 4; id++)
            {
                (await harness.ReceiveAsync()).TryGetProperty("result", out _).ShouldBeTrue();
            }
        }

        harness.Peer.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task ReadLoop_DuplicateIdInFlight_ReportsViolation()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());

        await harness.SendJsonAsync("""{"jsonrpc":"2.0","id":7,"method":"block"}""");
        await harness.SendJsonAsync("""{"jsonrpc":"2.0","id":7,"method":"block"}""");
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldBe("request id 7 is already in flight");
    }

    [Fact]
    public async Task ProtocolViolated_SubscriberThrows_PeerStillCloses()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        harness.Peer.ProtocolViolated += (_, _) => throw new InvalidOperationException("subscriber bug");

        await harness.SendJsonAsync("not json");
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldNotBeNull();
    }
}
