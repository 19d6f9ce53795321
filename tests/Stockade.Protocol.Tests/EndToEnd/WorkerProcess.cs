using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Stockade.Protocol.Tests;

// A real worker (or any protocol-speaking executable) as a child process, driven through JsonRpcPeer.
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private readonly List<LogParams> _logs;

    private WorkerProcess(Process process, List<LogParams> logs, JsonRpcMethodTable hostMethods)
    {
        _process = process;
        _logs = logs;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        Peer = new JsonRpcPeer(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, ProtocolLimits.Default with { UnknownMethodIsViolation = true }, hostMethods);
        Peer.Start();
    }

    public JsonRpcPeer Peer { get; }

    public IReadOnlyList<LogParams> Logs
    {
        get
        {
            lock (_logs)
            {
                return [.. _logs];
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string WorkerDll
    {
        get
        {
            var configuration = typeof(WorkerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            return Path.Combine(RepositoryRoot, "src", "Stockade.Worker", "bin", configuration, "net10.0", "Stockade.Worker.dll");
        }
    }

    public static string HelloPluginDirectory => Path.Combine(RepositoryRoot, "samples", "plugins", "hello-csharp");

    public static WorkerProcess StartHello() =>
        Start("dotnet", WorkerDll, "--plugin-dir", HelloPluginDirectory, "--entry", "bin/HelloPlugin.dll");

    public static WorkerProcess Start(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var logs = new List<LogParams>();
        var host = new JsonRpcMethodTable().AddNotification(ProtocolMethods.HostLog, (parameters, _) =>
        {
            lock (logs)
            {
                logs.Add(parameters!.Value.Deserialize(ProtocolJsonContext.Default.LogParams)!);
            }

            return ValueTask.CompletedTask;
        });
        return new WorkerProcess(process, logs, host);
    }

    public static InitializeParams InitializeParameters(string dataDirectory) =>
        new("samples.hello", "limited", HelloPluginDirectory, dataDirectory, Path.GetTempPath(), null, ["file:write=$PLUGIN_DATA/**"]);

    public Task<InitializeResult?> InitializeAsync(string dataDirectory) =>
        Peer.InvokeAsync(ProtocolMethods.Initialize, InitializeParameters(dataDirectory), ProtocolJsonContext.Default.InitializeParams, ProtocolJsonContext.Default.InitializeResult)
            .WaitAsync(TimeSpan.FromSeconds(30));

    public Task<JsonElement> InvokeAsync(string method, string? inputJson = null, CancellationToken cancellationToken = default) =>
        Peer.InvokeAsync(
            ProtocolMethods.Invoke,
            new InvokeParams(method, inputJson is null ? null : JsonDocument.Parse(inputJson).RootElement.Clone()),
            ProtocolJsonContext.Default.InvokeParams,
            cancellationToken).WaitAsync(TimeSpan.FromSeconds(30));

    public async Task<int> WaitForExitAsync()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await Peer.DisposeAsync();
        _process.Dispose();
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Stockade.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Stockade.slnx not found above the test output folder");
    }
}
