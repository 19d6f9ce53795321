// The StreamJsonRpc peer: a plain .NET child (no confinement) that serves two methods over stdin/stdout with
// StreamJsonRpc (VS.Extensibility's transport): Content-Length headers (HeaderDelimitedMessageHandler, its default
// framing) and System.Text.Json (SystemTextJsonFormatter, the formatter closest to Stockade's own).
//   ping        → "pong"           (the first answer)
//   echo(input) → input            (the round trip, the same JSON object the worker's echo gets)
using System.Text.Json;
using StreamJsonRpc;

using var rpc = new JsonRpc(new HeaderDelimitedMessageHandler(Console.OpenStandardOutput(), Console.OpenStandardInput(), new SystemTextJsonFormatter()));
rpc.AddLocalRpcTarget(new Peer(), new JsonRpcTargetOptions { AllowNonPublicInvocation = false });
rpc.StartListening();
await rpc.Completion.ConfigureAwait(false);
return 0;

/// <summary>The methods the benchmark calls.</summary>
internal sealed class Peer
{
    [JsonRpcMethod("ping")]
    public string Ping() => "pong";

    [JsonRpcMethod("echo")]
    public JsonElement Echo(JsonElement input) => input;
}
