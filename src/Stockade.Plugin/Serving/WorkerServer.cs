using System.Text.Json;
using Stockade.Plugin.Generated;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

// Serves initialize / invoke / hook / shutdown for one plugin over the protocol streams. It sees the plugin only through
// an IPluginDispatchTable: the generated one, or the JIT worker's reflection table; the same code serves the JIT worker
// and a NativeAOT plugin (PluginServer), so the two cannot drift.
internal sealed class WorkerServer : IJsonRpcHandler
{
    // How long shutdown waits for calls still running before the process exits anyway.
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(2);

    private readonly IPlugin _plugin;
    private readonly IPluginDispatchTable _table;
    private readonly Action? _prepare;
    private readonly TaskCompletionSource _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JsonRpcPeer? _peer;
    private int _initialized;

    private WorkerServer(IPluginDispatchTable table, IPlugin plugin, Action? prepare)
    {
        _table = table;
        _plugin = plugin;
        _prepare = prepare;
    }

    /// <summary>
    /// Serves <paramref name="plugin"/> through <paramref name="table"/> until shutdown or the end of the stream.
    /// <paramref name="prepare"/> runs on a pool thread once <c>initialize</c> is answered (the JIT worker's warm-up of
    /// the plugin's methods); a NativeAOT plugin has nothing to prepare.
    /// </summary>
    public static async Task<int> RunAsync(IPluginDispatchTable table, IPlugin plugin, Stream input, Stream output, Action? prepare = null)
    {
        var server = new WorkerServer(table, plugin, prepare);
        var peer = new JsonRpcPeer(input, output, ProtocolLimits.Default, server);
        server._peer = peer;
        // The worker serves this one peer: blocking reads on its own threads wake one thread per frame and need neither
        // the thread pool nor the socket engine for the first frame (docs/performance.md, invoke path, session 11).
        peer.Start(JsonRpcReadMode.DedicatedThreads);

        await Task.WhenAny(server._shutdownRequested.Task, peer.Completion).ConfigureAwait(false);
        if (!server._shutdownRequested.Task.IsCompleted)
        {
            await server.DisposePluginAsync().ConfigureAwait(false);
        }

        await Task.WhenAny(peer.DisposeAsync().AsTask(), Task.Delay(ShutdownGrace)).ConfigureAwait(false);
        if (peer.ViolationReason is { } reason)
        {
            await Console.Error.WriteLineAsync($"stockade-worker: the host broke the protocol: {reason}").ConfigureAwait(false);
            return ServerExitCodes.HostProtocolViolation;
        }

        return ServerExitCodes.Success;
    }

    public ValueTask<JsonElement?> HandleRequestAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) => method switch
    {
        ProtocolMethods.Initialize => InitializeAsync(WorkerMessages.ReadInitialize(parameters), cancellationToken),
        ProtocolMethods.Invoke => InvokeAsync(WorkerMessages.ReadInvoke(parameters), cancellationToken),
        ProtocolMethods.Hook => HookAsync(WorkerMessages.ReadHook(parameters), cancellationToken),
        ProtocolMethods.Shutdown => ShutdownAsync(),
        _ => throw RpcException.MethodNotFound(method),
    };

    public ValueTask HandleNotificationAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
        throw RpcException.MethodNotFound(method);

    private async ValueTask<JsonElement?> InitializeAsync(InitializeParams parameters, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _initialized, 1) != 0)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "the plugin is already initialised; send initialize once");
        }

        var context = new PluginContext(_peer!, parameters);
        try
        {
            // Awaited here rather than through CallPluginAsync's delegates: fewer state machines to JIT-compile before the
            // first answer (docs/performance.md, start-up).
            await _plugin.InitializeAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsPluginFault(e, cancellationToken))
        {
            throw await PluginErrorAsync(e).ConfigureAwait(false);
        }

        // The contracts come from the table: generated ones know them at build time; the reflection table reads the plugin
        // class's [PluginContract] interfaces (issue 19).
        var result = new InitializeResult(_table.MethodNames, _table.HookNames, ProtocolMethods.SdkVersion) { Contracts = _table.Contracts.Count == 0 ? null : _table.Contracts };
        // Off the path of this answer (a pool thread, while the answer is written): what the first call would otherwise
        // build inside it — the console writer, the serializer's metadata of the plugin's types, the methods' code. Moved
        // out of the start-up path, it landed in the first call, which is what a prewarmed spare is kept ready for.
        ThreadPool.UnsafeQueueUserWorkItem(static prepare =>
        {
            ProtocolStreams.PrepareConsole();
            prepare?.Invoke();
        }, _prepare, preferLocal: false);
        return WorkerMessages.WriteInitializeResult(result);
    }

    private ValueTask<JsonElement?> InvokeAsync(InvokeParams parameters, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        var method = _table.FindMethod(parameters.Method)
            ?? throw new RpcException(RpcErrorCode.NotFound, $"the plugin has no method '{parameters.Method}'; it offers: {string.Join(", ", _table.MethodNames)}");
        return CallPluginAsync(() =>
        {
            using var trace = WorkerTrace.Continue(parameters.TraceParent, parameters.TraceState); // Activity.Current in the plugin: the host's call span
            return method(_plugin, parameters.Input, cancellationToken);
        }, cancellationToken);
    }

    private ValueTask<JsonElement?> HookAsync(HookParams parameters, CancellationToken cancellationToken)
    {
        EnsureInitialized();
        var hook = _table.FindHook(parameters.Name)
            ?? throw new RpcException(RpcErrorCode.NotFound, $"the plugin does not handle hook '{parameters.Name}'");
        return CallPluginAsync(() =>
        {
            using var trace = WorkerTrace.Continue(parameters.TraceParent, parameters.TraceState);
            return hook(_plugin, parameters.Payload, cancellationToken);
        }, cancellationToken);
    }

    private async ValueTask<JsonElement?> ShutdownAsync()
    {
        await DisposePluginAsync().ConfigureAwait(false);
        _shutdownRequested.TrySetResult();
        return null;
    }

    private async ValueTask DisposePluginAsync()
    {
        if (_plugin is IAsyncDisposable disposable)
        {
            try
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await Console.Error.WriteLineAsync($"stockade-worker: the plugin failed while disposing: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    // Runs plugin code; anything it throws becomes a structured plugin_error, and a Landlock denial is reported first.
    private async ValueTask<JsonElement?> CallPluginAsync(Func<ValueTask<JsonElement?>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (PluginInputException e)
        {
            // Generated entry points report an input that does not bind this way: the caller's mistake, not a plugin fault.
            throw new RpcException(RpcErrorCode.InvalidParams, e.Message);
        }
        catch (Exception e) when (IsPluginFault(e, cancellationToken))
        {
            throw await PluginErrorAsync(e).ConfigureAwait(false);
        }
    }

    // Protocol errors and the caller's own cancellation pass through as they are; anything else is the plugin's fault.
    private static bool IsPluginFault(Exception e, CancellationToken cancellationToken) =>
        e is not RpcException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private async ValueTask<RpcException> PluginErrorAsync(Exception e)
    {
        if (e is UnauthorizedAccessException denied && DenialReport.FromException(denied) is { } denial)
        {
            try
            {
                await _peer!.NotifyAsync(ProtocolMethods.HostDenial, denial, ProtocolJsonContext.Default.DenialParams, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception notifyFailure) when (notifyFailure is IOException or ObjectDisposedException or ProtocolViolationException)
            {
                // The connection is closing; the error answer below will not arrive either.
            }
        }

        var data = JsonSerializer.SerializeToElement(
            new PluginErrorData(e.GetType().FullName ?? e.GetType().Name, e.Message, PluginStackTrace.Of(e)), WorkerJsonContext.Default.PluginErrorData);
        return new RpcException(RpcErrorCode.PluginError, $"{e.GetType().Name}: {e.Message}", data);
    }

    private void EnsureInitialized()
    {
        if (Volatile.Read(ref _initialized) == 0)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "the plugin is not initialised yet; send initialize first");
        }
    }
}
