using System.Diagnostics;
using StreamJsonRpc;
using Stockade.Bench.Harness;
using Stockade.Hosting;

namespace Stockade.Bench.Benchmarks;

/// <summary>A started process that has answered once and now waits, idle, until disposed.</summary>
internal sealed class IdleProcess(int pid, Func<ValueTask> stop, Func<string>? describe = null) : IAsyncDisposable
{
    public int Pid { get; } = pid;

    /// <summary>How it ended, when it is gone before being read (what the kind can tell).</summary>
    public string Describe() => describe?.Invoke() ?? $"pid {Pid} gone";

    public ValueTask DisposeAsync() => stop();
}

/// <summary>One kind of idle process the memory and peer benchmarks start: a name and how to start one.</summary>
internal sealed record IdleKind(string Name, Func<Task<IdleProcess>> StartAsync)
{
    /// <summary>The plain .NET child (JIT), after its first byte.</summary>
    public static IdleKind PlainChild { get; } = new("plain .NET child (JIT)", () => StartFirstAsync(BenchPaths.StartChild("first")));

    /// <summary>The plain child compiled ahead of time, after its first byte.</summary>
    public static IdleKind PlainAotChild { get; } = new("plain NativeAOT child", () => StartFirstAsync(BenchPaths.StartAotChild("first")));

    /// <summary>The confined worker serving hello-csharp (JIT), after <c>initialize</c>.</summary>
    public static IdleKind HelloWorker { get; } = new("confined worker, hello-csharp (JIT)", async () =>
    {
        var (info, root) = BenchWorker.Plan();
        var worker = await BenchWorker.StartAsync(info, root).ConfigureAwait(false);
        return new IdleProcess(worker.Pid, worker.DisposeAsync, worker.Describe);
    });

    /// <summary>The StreamJsonRpc child, after its first answer.</summary>
    public static IdleKind RpcChild { get; } = new("StreamJsonRpc child (JIT)", async () =>
    {
        var (process, rpc) = RpcPeer.Start();
        await rpc.InvokeAsync<string>("ping").ConfigureAwait(false);
        return new IdleProcess(process.Id, () => RpcPeer.StopAsync(process, rpc));
    });

    /// <summary>
    /// A plugin folder loaded by a <see cref="PluginHost"/> of its own (its own home, so its own worker uid): the path
    /// for any runtime the host knows (the NativeAOT sample), with the host's real launch plan. One host per worker
    /// because a host holds one worker per plugin id.
    /// </summary>
    public static IdleKind HostedPlugin(string name, string directory) => new(name, async () =>
    {
        var root = BenchPaths.CreateTempRoot("stockade-bench-host-");
        var host = new PluginHost(new PluginHostOptions { Home = Path.Combine(root, "home"), RuntimeDirectory = AppContext.BaseDirectory });
        try
        {
            var loaded = await host.LoadAsync(directory).ConfigureAwait(false);
            var pid = loaded.ProcessId ?? throw new InvalidOperationException($"the host loaded {directory} but holds no running worker");
            return new IdleProcess(pid, async () =>
            {
                await host.DisposeAsync().ConfigureAwait(false);
                TryDelete(root);
            });
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            TryDelete(root);
            throw;
        }
    });

    private static async Task<IdleProcess> StartFirstAsync(Process child)
    {
        var buffer = new byte[1];
        var read = await child.StandardOutput.BaseStream.ReadAsync(buffer).ConfigureAwait(false);
        if (read != 1)
        {
            var error = await child.StandardError.ReadToEndAsync().ConfigureAwait(false);
            child.Dispose();
            throw new InvalidOperationException($"the child wrote nothing: {error}");
        }

        return new IdleProcess(child.Id, async () =>
        {
            child.StandardInput.Close();
            await child.WaitForExitAsync().ConfigureAwait(false);
            child.Dispose();
        });
    }

    private static void TryDelete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temporary folder.
        }
    }
}

/// <summary>The host side of the StreamJsonRpc peer, framed and formatted as its child is.</summary>
internal static class RpcPeer
{
    public static (Process Process, JsonRpc Rpc) Start()
    {
        var process = BenchPaths.StartRpcChild();
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var rpc = new JsonRpc(new HeaderDelimitedMessageHandler(process.StandardInput.BaseStream, process.StandardOutput.BaseStream, new SystemTextJsonFormatter()));
        rpc.StartListening();
        return (process, rpc);
    }

    public static async ValueTask StopAsync(Process process, JsonRpc rpc)
    {
        rpc.Dispose(); // closes both pipes: the child's stdin ends, its listening completes and it exits
        if (!process.WaitForExit(5000))
        {
            process.Kill();
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        process.Dispose();
    }
}
