namespace Stockade.Protocol.Tests;

/// <summary>
/// Issue 15, attacker pass: messages whose meaning depends on which parser reads them. A duplicate key
/// (<c>{"id":1,"id":2}</c>, two <c>"method"</c>s) means the first to one JSON library and the last to another, so a
/// plugin could show one call to a filter and have another performed; an escaped lone surrogate (<c>"\ud800"</c>) is
/// valid UTF-8 on the wire but no text at all, and throws only when a handler reads the string. Each is a protocol
/// violation: reported once, and the peer closes.
/// </summary>
[Trait("Issue", "15")]
public class Issue15ProtocolAttackTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>The peer under test reads this way; a subclass runs every test again in the other mode.</summary>
    private protected virtual JsonRpcReadMode Mode => JsonRpcReadMode.Asynchronous;

    /// <summary>Messages a strict reader refuses and a lenient one reads one way or the other.</summary>
    public static TheoryData<string, string, string> AmbiguousMessages => new()
    {
        { "duplicate id", "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"echo\"}", "duplicate" },
        { "duplicate method", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"method\":\"shutdown\"}", "duplicate" },
        { "duplicate method in a notification", "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"method\":\"echo\"}", "duplicate" },
        { "duplicate jsonrpc", "{\"jsonrpc\":\"2.0\",\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"echo\"}", "duplicate" },
        { "duplicate key inside params", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"url\":\"a\",\"url\":\"b\"}}", "duplicate" },
        { "lone high surrogate", "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":{\"message\":\"x\\ud800y\"}}", "surrogate" },
        { "lone low surrogate", "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"echo\",\"params\":[\"\\udc00\"]}", "surrogate" },
        { "high surrogate at the end", "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":[\"\\uD83D\"]}", "surrogate" },
        { "reversed pair", "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":[\"\\ude00\\ud83d\"]}", "surrogate" },
        { "lone surrogate in a property name", "{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":{\"\\ud800\":1}}", "surrogate" },
        { "lone surrogate in a string id", "{\"jsonrpc\":\"2.0\",\"id\":\"\\ud800\",\"method\":\"echo\"}", "surrogate" },
    };

    [Theory]
    [MemberData(nameof(AmbiguousMessages))]
    public async Task ReadLoop_AmbiguousMessage_IsAViolation_ReportedOnce_AndThePeerCloses(string what, string json, string expected)
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());
        var pending = harness.Peer.InvokeAsync("echo");

        await harness.SendJsonAsync(json);
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldNotBeNull($"{what} was accepted").ShouldContain(expected, Case.Insensitive);
        harness.ViolationEvents.ShouldBe(1);
        await Should.ThrowAsync<ProtocolViolationException>(() => pending.WaitAsync(Patience));
    }

    /// <summary>Escapes that only look like the attack: a real pair, an escaped backslash before "u", plain BMP escapes.</summary>
    public static TheoryData<string, string> GoodMessages => new()
    {
        { "escaped pair", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\",\"params\":[\"\\ud83d\\ude00\"]}" },
        { "escaped backslash then u", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\",\"params\":[\"\\\\ud800\"]}" },
        { "three backslashes", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\",\"params\":[\"\\\\\\u0041\"]}" },
        { "bmp escapes", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\",\"params\":[\"\\u00e9\\uffff\\ue000\\ud7ff\"]}" },
        { "same key in two objects", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\",\"params\":[{\"a\":1},{\"a\":2}]}" },
    };

    [Theory]
    [MemberData(nameof(GoodMessages))]
    public async Task ReadLoop_LookAlikeButValidMessage_IsAnswered(string what, string json)
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());

        await harness.SendJsonAsync(json);
        var answer = await harness.ReceiveAsync().WaitAsync(Patience);

        harness.Peer.ViolationReason.ShouldBeNull(what);
        answer.GetProperty("id").GetInt64().ShouldBe(7);
        answer.TryGetProperty("result", out _).ShouldBeTrue($"{what}: {answer}");
    }
}

/// <summary>The same attacks against a peer reading on dedicated threads.</summary>
[Trait("Issue", "15")]
public sealed class Issue15ProtocolAttackDedicatedThreadsTests : Issue15ProtocolAttackTests
{
    /// <inheritdoc/>
    private protected override JsonRpcReadMode Mode => JsonRpcReadMode.DedicatedThreads;
}
