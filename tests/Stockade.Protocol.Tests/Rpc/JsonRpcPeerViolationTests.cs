using System.Buffers.Binary;
using System.Text;

namespace Stockade.Protocol.Tests;

public class JsonRpcPeerViolationTests
{
    // The peer under test (the answering side) reads this way; a subclass runs every test again in the other mode.
    private protected virtual JsonRpcReadMode Mode => JsonRpcReadMode.Asynchronous;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string> BadMessages => new()
    {
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", "malformed JSON" },
        { "[1,2,3]", "must be a JSON object" },
        { "{\"id\":1,\"method\":\"echo\"}", "\"jsonrpc\": \"2.0\"" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":42}", "\"method\" must be a string" },
        { "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"echo\"}", "request id must be a number or a string" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"echo\"}", "request id 1.5 is not an integer within Int64" },
        { "{\"jsonrpc\":\"2.0\",\"id\":1e3,\"method\":\"echo\"}", "request id 1e3 is not an integer within Int64" },
        { "{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"method\":\"echo\"}", "is not an integer within Int64" },
        { "{\"jsonrpc\":\"2.0\",\"id\":9223372036854775808,\"method\":\"echo\"}", "is not an integer within Int64" },
        { "{\"jsonrpc\":\"2.0\",\"id\":\"" + new string('x', 65_537) + "\",\"method\":\"echo\"}", "request id string is longer than 65536" },
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

    // Invalid UTF-8 inside a string value: System.Text.Json parses it and throws only when the string is read, which a
    // notification handler may never do (or swallows). The whole message is refused as it arrives.
    public static TheoryData<string, byte[]> BadUtf8Messages => new()
    {
        { "notification value", [.. "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":{\"message\":\""u8, 0xFF, 0xFE, .. "\"}}"u8] },
        { "request value", [.. "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"echo\",\"params\":[\""u8, 0xC3, .. "\"]}"u8] },
        { "property name", [.. "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":{\""u8, 0xC0, 0xAF, .. "\":1}}"u8] },
        { "overlong encoding", [.. "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":[\""u8, 0xE0, 0x80, 0xAF, .. "\"]}"u8] },
        { "encoded surrogate", [.. "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":[\""u8, 0xED, 0xA0, 0x80, .. "\"]}"u8] },
    };

    [Theory]
    [MemberData(nameof(BadUtf8Messages))]
    public async Task ReadLoop_InvalidUtf8InAString_ReportsViolationOnceAndCloses(string where, byte[] json)
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        var pending = harness.Peer.InvokeAsync("echo");

        await harness.SendRawAsync(PeerHarness.Frame(json));
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldNotBeNull(where).ShouldContain("invalid UTF-8");
        harness.ViolationEvents.ShouldBe(1);
        await Should.ThrowAsync<ProtocolViolationException>(() => pending.WaitAsync(Patience));
    }

    [Fact]
    public async Task ReadLoop_InvalidUtf8InAResult_FailsTheCallAsAViolation()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        var pending = harness.Peer.InvokeAsync("echo");
        var id = (await harness.ReceiveAsync()).GetProperty("id").GetInt64();

        var head = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"text\":\"");
        await harness.SendRawAsync(PeerHarness.Frame([.. head, 0xFF, .. "\"}}"u8]));
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldNotBeNull().ShouldContain("invalid UTF-8");
        await Should.ThrowAsync<ProtocolViolationException>(() => pending.WaitAsync(Patience));
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    [InlineData("0")]
    [InlineData("\"\"")]
    [InlineData("\"é-\\u00e9\"")]
    public async Task ReadLoop_IdAtTheBounds_IsAnsweredWithTheSameId(string id)
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());

        await harness.SendJsonAsync($$"""{"jsonrpc":"2.0","id":{{id}},"method":"echo","params":["é"]}""");
        var answer = await harness.ReceiveAsync();

        answer.GetProperty("id").GetRawText().ShouldBe(id);
        answer.GetProperty("result")[0].GetString().ShouldBe("é");
        harness.Peer.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task ReadLoop_StringIdAtTheLengthBound_IsAnswered()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        var id = new string('x', 65_536);

        await harness.SendJsonAsync($$"""{"jsonrpc":"2.0","id":"{{id}}","method":"echo","params":[]}""");

        (await harness.ReceiveAsync()).GetProperty("id").GetString().ShouldBe(id);
        harness.Peer.ViolationReason.ShouldBeNull();
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
