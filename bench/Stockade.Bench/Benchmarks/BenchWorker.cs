using System.Diagnostics;
using System.Text.Json;
using Stockade.Bench.Harness;
using Stockade.Hosting.Workers;
using Stockade.Linux.Cgroups;
using Stockade.Protocol;

namespace Stockade.Bench.Benchmarks;

/// <summary>
/// A real worker started the way <c>PluginHost</c> starts it — the NativeAOT launcher with Landlock and rlimits, then
/// seccomp and the canary in stage 2 — serving the sample plugin, with a bare <see cref="JsonRpcPeer"/> as the host.
/// </summary>
internal sealed class BenchWorker : IAsyncDisposable
{
    private static readonly Target Hello = new("samples.hello", BenchPaths.HelloPluginDirectory, true, "bin/HelloPlugin.dll", "Samples.Hello.HelloPlugin", false);

    private readonly Process _process;
    private readonly string _root;
    private readonly System.Text.StringBuilder _stderr;

    private BenchWorker(Process process, JsonRpcPeer peer, string root, System.Text.StringBuilder stderr)
    {
        _process = process;
        Peer = peer;
        _root = root;
        _stderr = stderr;
    }

    public JsonRpcPeer Peer { get; }

    /// <summary>The worker's pid: the launcher execs stage 2 in place, so the spawned process is the worker.</summary>
    public int Pid => _process.Id;

    /// <summary>STOCKADE_BENCH_VERBOSE=1 echoes the workers' stderr, to see where start-up time goes.</summary>
    private static bool Verbose { get; } = Environment.GetEnvironmentVariable("STOCKADE_BENCH_VERBOSE") == "1";

    /// <summary>The launch plan, made before the clock starts (the host plans once per load, not per spawn).</summary>
    public static (ProcessStartInfo Info, string Root) Plan() => Plan(Hello);

    /// <summary>The plugin a worker serves: its id, folder and what its manifest says about how it runs.</summary>
    internal sealed record Target(string Id, string Directory, bool IsDotnet, string Entry, string? EntryType, bool IsNativeAot);

    /// <summary>
    /// The target for a plugin folder, from its manifest. <c>runtime: native</c> needs the planner's NativeAOT form
    /// (<c>WorkerLaunchRequest.IsNativeAot</c>, issue 19): a tree without it cannot start that plugin as the host would,
    /// and says so.
    /// </summary>
    public static Target TargetOf(string directory)
    {
        var read = Stockade.Core.Manifest.ManifestReader.ReadDirectory(directory);
        var manifest = read.Manifest ?? throw new InvalidOperationException($"{directory}: its manifest does not read here: {string.Join("; ", read.Diagnostics.Select(d => d.ToString()))}");
        var native = manifest.Runtime.ToString() == "Native";
        if (native && NativeAotProperty is null)
        {
            throw new InvalidOperationException("this tree's launch planner has no NativeAOT form (WorkerLaunchRequest.IsNativeAot)");
        }

        return new Target(manifest.Id, directory, manifest.Runtime == Stockade.Core.Manifest.PluginRuntime.Dotnet, manifest.Entry, manifest.EntryType, native);
    }

    // Found by name so the benchmark builds on trees from before the NativeAOT form as well as after; an initializer
    // can replace it once every tree has the property.
    private static readonly System.Reflection.PropertyInfo? NativeAotProperty = typeof(WorkerLaunchRequest).GetProperty("IsNativeAot");

    /// <summary>The launch plan of a worker serving <paramref name="target"/>.</summary>
    public static (ProcessStartInfo Info, string Root) Plan(Target target)
    {
        var (request, root) = Request(target);
        var info = WorkerLaunchPlanner.Plan(request, WorkerRuntime.Locate(AppContext.BaseDirectory), Environment.ProcessId);
        Redirect(info);
        return (info, root);
    }

    /// <summary>
    /// The plan as a root host makes it per worker with a cgroup backend (issue 16): the worker's cgroup is created with
    /// the sample's limits (memory 512 MB, cpuPercent 80, pids.max = 64 threads + 1 process), and the launcher joins it.
    /// The caller removes the cgroup once the worker is gone.
    /// </summary>
    public static (ProcessStartInfo Info, string Root, IWorkerCgroup? Cgroup) PlanWithCgroup(ICgroupBackend cgroups)
    {
        var (request, root) = Request(Hello);
        request = request with { CgroupLimits = WorkerLaunchPlanner.CgroupLimitsFor(Stockade.Core.Manifest.ResourceLimits.Default with { MemoryMb = 512 }) };
        var plan = WorkerLaunchPlanner.Plan(request, WorkerRuntime.Locate(AppContext.BaseDirectory), Environment.ProcessId, cgroups);
        Redirect(plan.StartInfo);
        return (plan.StartInfo, root, plan.Cgroup);
    }

    private static (WorkerLaunchRequest Request, string Root) Request(Target target)
    {
        var root = BenchPaths.CreateTempRoot("stockade-bench-");
        var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        var temp = Directory.CreateDirectory(Path.Combine(root, "temp")).FullName;
        var request = new WorkerLaunchRequest
        {
            PluginId = target.Id,
            IsDotnet = target.IsDotnet,
            PluginDirectory = target.Directory,
            Entry = target.Entry,
            EntryType = target.EntryType,
            DataDirectory = data,
            TempDirectory = temp,
            Landlock = true,
            Seccomp = true,
            Namespaces = false,
            Resources = Stockade.Core.Manifest.ResourceLimits.Default with { MemoryMb = 512 },
        };
        if (target.IsNativeAot)
        {
            NativeAotProperty!.SetValue(request, true);
        }

        return (request, root);
    }

    private static void Redirect(ProcessStartInfo info)
    {
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
    }

    /// <summary>Spawns the worker and waits until it has answered <c>initialize</c>.</summary>
    public static Task<BenchWorker> StartAsync(ProcessStartInfo info, string root) => StartAsync(info, root, Hello);

    /// <summary>Spawns the worker of <paramref name="target"/> and waits until it has answered <c>initialize</c>.</summary>
    public static async Task<BenchWorker> StartAsync(ProcessStartInfo info, string root, Target target)
    {
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the launcher");
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                if (Verbose)
                {
                    Console.WriteLine($"    worker: {e.Data}");
                }

                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        var peer = new JsonRpcPeer(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, null, IgnoringHandler.Instance);
        peer.Start();
        var worker = new BenchWorker(process, peer, root, stderr);
        try
        {
            var parameters = new InitializeParams(target.Id, "sandboxed", target.Directory, Path.Combine(root, "data"), Path.Combine(root, "temp"), null, []);
            await peer.InvokeAsync(ProtocolMethods.Initialize, parameters, ProtocolJsonContext.Default.InitializeParams).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            string tail;
            lock (stderr)
            {
                tail = stderr.ToString();
            }

            throw new InvalidOperationException($"the worker did not answer initialize ({e.Message}); its stderr: {tail}", e);
        }

        return worker;
    }

    /// <summary>How the worker ended, when it has (exit code and its stderr's last lines); else that it runs.</summary>
    public string Describe()
    {
        if (!_process.HasExited)
        {
            return $"pid {_process.Id} still running";
        }

        string text;
        lock (_stderr)
        {
            text = _stderr.ToString();
        }

        var tail = string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
        return $"pid {_process.Id} exited {_process.ExitCode}{(tail.Length > 0 ? $", stderr: {tail}" : ", no stderr")}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Peer.InvokeAsync(ProtocolMethods.Shutdown, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or ProtocolViolationException or RemoteRpcException)
        {
            // Already gone; the kill below makes sure.
        }

        await Peer.DisposeAsync().ConfigureAwait(false);
        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private sealed class IgnoringHandler : IJsonRpcHandler
    {
        public static IgnoringHandler Instance { get; } = new();

        public ValueTask<JsonElement?> HandleRequestAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) =>
            throw RpcException.MethodNotFound(method);

        public ValueTask HandleNotificationAsync(string method, JsonElement? parameters, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
