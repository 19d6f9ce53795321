using System.Text.Json;

namespace Stockade.Protocol.Tests;

internal static class TestHandlers
{
    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    // echo returns its params; fail throws a structured error; block waits for cancellation; boom throws a plain exception.
    public static JsonRpcMethodTable Standard(TaskCompletionSource<bool>? cancelled = null) => new JsonRpcMethodTable()
        .AddRequest("echo", (parameters, _) => ValueTask.FromResult(parameters))
        .AddRequest("fail", (_, _) => throw new RpcException(RpcErrorCode.PermissionDenied, "not allowed", Json("""{"permission":"file:read=/x"}""")))
        .AddRequest("boom", (_, _) => throw new InvalidOperationException("broken"))
        .AddRequest("block", async (_, token) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
                return null;
            }
            catch (OperationCanceledException)
            {
                cancelled?.TrySetResult(true);
                throw;
            }
        });
}
