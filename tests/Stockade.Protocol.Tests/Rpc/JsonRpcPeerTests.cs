using System.Text.Json;

namespace Stockade.Protocol.Tests;

public class JsonRpcPeerTests
{
    // The peer under test (the answering side) reads this way; a subclass runs every test again in the other mode.
    private protected virtual JsonRpcReadMode Mode => JsonRpcReadMode.Asynchronous;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task InvokeAsync_EchoRequest_ReturnsParams()
    {
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard());
        await using var _ = client;
        await using var __ = server;

        var result = await client.InvokeAsync("echo", TestHandlers.Json("""{"text":"héllo","n":[1,2]}""")).WaitAsync(Patience);

        result.GetProperty("text").GetString().ShouldBe("héllo");
        result.GetProperty("n").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task InvokeAsync_TypedParamsAndResult_UseSourceGeneratedMetadata()
    {
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard());
        await using var _ = client;
        await using var __ = server;

        var result = await client.InvokeAsync("echo", new KvKeyParams("colour"), ProtocolJsonContext.Default.KvKeyParams, ProtocolJsonContext.Default.KvKeyParams)
            .WaitAsync(Patience);

        result.ShouldBe(new KvKeyParams("colour"));
    }

    [Fact]
    public async Task InvokeAsync_ManyConcurrentCalls_EachGetsItsOwnAnswer()
    {
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard());
        await using var _ = client;
        await using var __ = server;

        var calls = Enumerable.Range(0, 2_000)
            .Select(i => client.InvokeAsync("echo", TestHandlers.Json($$"""{"i":{{i}}}""")))
            .ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(Patience);

        results.Select(r => r.GetProperty("i").GetInt32()).ShouldBe(Enumerable.Range(0, 2_000));
    }

    [Fact]
    public async Task InvokeAsync_BothDirectionsAtOnce_Work()
    {
        var (left, right) = PeerHarness.StartPair(Mode, TestHandlers.Standard(), TestHandlers.Standard());
        await using var _ = left;
        await using var __ = right;

        var fromLeft = left.InvokeAsync("echo", TestHandlers.Json("""{"side":"left"}"""));
        var fromRight = right.InvokeAsync("echo", TestHandlers.Json("""{"side":"right"}"""));

        (await fromLeft.WaitAsync(Patience)).GetProperty("side").GetString().ShouldBe("left");
        (await fromRight.WaitAsync(Patience)).GetProperty("side").GetString().ShouldBe("right");
    }

    [Fact]
    public async Task InvokeAsync_HandlerThrowsRpcException_FaultsWithItsCodeAndData()
    {
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard());
        await using var _ = client;
        await using var __ = server;

        var error = await Should.ThrowAsync<RemoteRpcException>(() => client.InvokeAsync("fail").WaitAsync(Patience));

        error.Code.ShouldBe(RpcErrorCode.PermissionDenied);
        error.Number.ShouldBe(-32001);
        error.Message.ShouldBe("not allowed");
        error.Data!.Value.GetProperty("permission").GetString().ShouldBe("file:read=/x");
    }

    [Fact]
    public async Task InvokeAsync_HandlerThrowsOtherException_FaultsWithInternalAndPeerKeepsServing()
    {
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard());
        await using var _ = client;
        await using var __ = server;

        var error = await Should.ThrowAsync<RemoteRpcException>(() => client.InvokeAsync("boom").WaitAsync(Patience));

        error.Code.ShouldBe(RpcErrorCode.Internal);
        error.Message.ShouldContain("broken");
        (await client.InvokeAsync("echo", TestHandlers.Json("[1]")).WaitAsync(Patience)).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task InvokeAsync_UnknownMethod_FaultsWithMethodNotFound()
    {
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard());
        await using var _ = client;
        await using var __ = server;

        var error = await Should.ThrowAsync<RemoteRpcException>(() => client.InvokeAsync("nope").WaitAsync(Patience));

        error.Number.ShouldBe(-32601);
        error.Code.ShouldBe(RpcErrorCode.NotFound);
        server.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task InvokeAsync_UnknownMethodWhenViolationConfigured_ClosesWithViolation()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard(), ProtocolLimits.Default with { UnknownMethodIsViolation = true });

        await harness.SendJsonAsync("""{"jsonrpc":"2.0","id":1,"method":"host.secret"}""");
        await harness.WaitClosedAsync();

        harness.Peer.ViolationReason.ShouldBe("unknown method 'host.secret'");
    }

    [Fact]
    public async Task InvokeAsync_CallerCancels_HandlerTokenFiresAndCallIsCancelled()
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), TestHandlers.Standard(cancelled));
        await using var _ = client;
        await using var __ = server;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Should.ThrowAsync<OperationCanceledException>(() => client.InvokeAsync("block", cancellationToken: cancel.Token).WaitAsync(Patience));

        (await cancelled.Task.WaitAsync(Patience)).ShouldBeTrue();
        (await client.InvokeAsync("echo", TestHandlers.Json("[]")).WaitAsync(Patience)).GetArrayLength().ShouldBe(0);
        client.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task NotifyAsync_SeveralNotifications_ArriveInOrder()
    {
        var received = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var table = new JsonRpcMethodTable().AddNotification("host.log", (parameters, _) =>
        {
            received.Add(parameters!.Value.GetProperty("n").GetInt32());
            if (received.Count == 100)
            {
                all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        var (client, server) = PeerHarness.StartPair(Mode, new JsonRpcMethodTable(), table);
        await using var _ = client;
        await using var __ = server;

        for (var i = 0; i < 100; i++)
        {
            await client.NotifyAsync("host.log", TestHandlers.Json($$"""{"n":{{i}}}"""));
        }

        await all.Task.WaitAsync(Patience);
        received.ShouldBe(Enumerable.Range(0, 100));
    }

    [Fact]
    public async Task Completion_OtherSideEndsStream_FailsPendingCallsWithIOException()
    {
        await using var harness = PeerHarness.Start(Mode, new JsonRpcMethodTable());
        var pending = harness.Peer.InvokeAsync("echo");
        (await harness.ReceiveAsync()).GetProperty("method").GetString().ShouldBe("echo");

        await harness.CloseInputAsync();
        await harness.WaitClosedAsync();

        await Should.ThrowAsync<IOException>(() => pending.WaitAsync(Patience));
        harness.Peer.ViolationReason.ShouldBeNull();
        await Should.ThrowAsync<IOException>(() => harness.Peer.InvokeAsync("echo"));
    }

    [Fact]
    public async Task DisposeAsync_CallPending_FaultsWithObjectDisposed()
    {
        await using var harness = PeerHarness.Start(Mode, new JsonRpcMethodTable());
        var pending = harness.Peer.InvokeAsync("echo");

        await harness.Peer.DisposeAsync();

        await Should.ThrowAsync<ObjectDisposedException>(() => pending.WaitAsync(Patience));
    }

    [Fact]
    public async Task HandleRequest_ErrorAnswer_CarriesStableCodeInData()
    {
        await using var harness = PeerHarness.Start(Mode, TestHandlers.Standard());

        await harness.SendJsonAsync("""{"jsonrpc":"2.0","id":"a-7","method":"fail","params":{}}""");
        var answer = await harness.ReceiveAsync();

        answer.GetProperty("id").GetString().ShouldBe("a-7");
        answer.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32001);
        answer.GetProperty("error").GetProperty("data").GetProperty("code").GetString().ShouldBe("permission_denied");
        answer.GetProperty("error").GetProperty("data").GetProperty("permission").GetString().ShouldBe("file:read=/x");
    }
}
