using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Stockade.Linux;
using Stockade.Linux.Canary;
using Stockade.Linux.Seccomp;

// Usage: probe confine [--allow-exec] [--read PATH] [--write-dir DIR]   → one JSON object on stdout
//        probe x32                                                       → must be killed by SIGSYS
//        probe workload [--allow-exec] --write-dir DIR                   → what a plugin does, under the filter: one line per step
string mode = args.Length > 0 ? args[0] : "confine";
bool allowExec = args.Contains("--allow-exec");
var options = new CanaryOptions
{
    ForbiddenReadPath = ValueOf("--read") ?? "/etc/passwd",
    ForbiddenWriteDirectory = ValueOf("--write-dir") ?? "/",
};

if (mode == "cgroup-host")
{
    return CgroupHost.Run(args); // no seccomp: a host, not a worker
}

// Start a few runtime threads first so TSYNC has something to synchronise.
await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Thread.Sleep(10))));
SeccompFilter.InstallOnAllThreads(WorkerSeccompPolicy.Build(allowExec));

if (mode == "x32")
{
    // getpid through the x32 ABI: the filter kills the process before the kernel sees it.
    Interop.Syscall(39 | Interop.X32_SYSCALL_BIT);
    Console.WriteLine("survived");
    return 0;
}

if (mode == "workload")
{
    return await Workload.RunAsync(ValueOf("--write-dir") ?? ".", allowExec);
}

ThreadAuditResult audit = ThreadAudit.AllThreadsInSeccompFilterMode();
CanaryReport canary = CanarySelfTest.Run(options);

using var output = Console.OpenStandardOutput();
using var json = new Utf8JsonWriter(output);
json.WriteStartObject();
json.WriteBoolean("allThreadsInFilterMode", audit.AllInFilterMode);
json.WriteNumber("threadCount", audit.Threads.Count);
json.WriteStartArray("unconfinedThreads");
foreach (ThreadSeccompState thread in audit.Unconfined)
{
    json.WriteStringValue($"{thread.ThreadId} {thread.Name} mode {thread.SeccompMode}");
}

json.WriteEndArray();
json.WriteBoolean("canaryAllBlocked", canary.AllBlocked);
json.WriteStartObject("canary");
foreach (CanaryProbeResult probe in canary.Probes)
{
    json.WriteString(probe.Name, $"{probe.Outcome} {probe.Errno}");
}

json.WriteEndObject();
json.WriteString("managedSocket", Try(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).Dispose()));
json.WriteString("processStart", Try(() => Process.Start(new ProcessStartInfo("/bin/sh", "-c true") { UseShellExecute = false })!.WaitForExit()));
json.WriteString("newThread", Try(() =>
{
    var thread = new Thread(() => { });
    thread.Start();
    thread.Join();
}));
json.WriteEndObject();
return 0;

string? ValueOf(string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string Try(Action action)
{
    try
    {
        action();
        return "ok";
    }
    catch (SocketException ex)
    {
        return $"SocketException {ex.SocketErrorCode}";
    }
    catch (Win32Exception ex)
    {
        return $"Win32Exception {ex.NativeErrorCode}";
    }
}
