using System.Diagnostics;
using System.Text.Json;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue15;

/// <summary>
/// Shared pieces of issue 15's attacks, written before the fixes: reading the audit trail as an operator would
/// (the JSONL files, not the writer's types), finding worker processes left behind, running <c>stockade audit
/// verify</c> as a separate process, and building hosts. Names a fix may still change are constants here, so
/// the lead can adjust them in one place.
/// </summary>
internal static class Issue15
{
    // ---- names the audit log uses (DESIGN §9, docs/audit.md); adjust here if a fix renames them ----

    /// <summary>The record's key for what happened (the brief calls it <c>event</c>).</summary>
    public const string ActionKey = "action";

    /// <summary>The record's key for the outcome (allow, deny, info).</summary>
    public const string DecisionKey = "decision";

    public const string LayerKey = "layer";

    public const string ProtocolViolation = "protocol.violation";

    public const string SyscallBlocked = "syscall.blocked";

    public const string Started = "plugin.started";

    public const string Crashed = "plugin.crashed";

    public const string KernelLayer = "kernel";

    public const string BrokerLayer = "broker";

    /// <summary>Actions that say a worker ended and why (a crash, a kill, a violation, a failed start, a stop).</summary>
    public static readonly string[] EndActions =
    [
        ProtocolViolation, Crashed, "plugin.killed", "plugin.timed_out", "plugin.stopped", "plugin.start_failed", "plugin.failed",
    ];

    /// <summary>Actions of a permitted key-value write (allowed KV calls must be audited: issue 15).</summary>
    public static readonly string[] KeyValueWriteActions = ["database.write", "kv.write", "kv.set", "database:write", "service.call"];

    /// <summary>How long a worker may take to disappear once the host has decided to end it (a busy 2-core machine).</summary>
    public static readonly TimeSpan ProcessGoneWithin = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Whether a failed in-flight call says the host stopped it, rather than blaming the plugin for a crash or a
    /// violation (issue 15: "reports the shutdown to callers as a crash").
    /// </summary>
    public static bool StoppedByHost(Exception exception) => exception switch
    {
        PluginFailedException { Kind: PluginFailureKind.Crashed or PluginFailureKind.ProtocolViolation } => false,
        OperationCanceledException or ObjectDisposedException => true,
        PluginException => true,
        _ => false,
    };

    /// <summary>The chaos sample copied with this id; <paramref name="startMode"/> is written to its <c>chaos-mode</c> file.</summary>
    public static string Chaos(HostWorld world, string id, string? startMode = null, string timeouts = "{ init: 10s, call: 10s, hook: 5s }")
    {
        var folder = world.Plugin("chaos-python", id, $"""
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: {timeouts}
            permissions:
              required: []
            resources: {"{"} memoryMb: 128, openFiles: 64 {"}"}
            """);
        if (startMode is not null)
        {
            var mode = Path.Combine(folder, "chaos-mode");
            File.WriteAllText(mode, startMode);
            File.SetUnixFileMode(mode, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return folder;
    }

    /// <summary>The options an application would pass, workers as root (null) or as an unprivileged uid.</summary>
    public static PluginHostOptions Options(HostWorld world, int? workerUid = null) => new()
    {
        Home = world.Home,
        WorkerUserId = workerUid,
        WorkerGroupId = workerUid,
        Environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["LANG"] = "C.UTF-8" },
        RestartWindow = TimeSpan.FromMinutes(5),
        MaxRestarts = 2,
    };

    // ---- the audit trail, read from disk ----

    /// <summary>Every parseable record in the home's audit folder, in file and line order.</summary>
    public static List<Issue15Record> ReadAudit(string home)
    {
        var records = new List<Issue15Record>();
        var folder = Path.Combine(home, "audit");
        if (!Directory.Exists(folder))
        {
            return records;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "audit-*.jsonl").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (Issue15Record.TryParse(line) is { } record)
                {
                    records.Add(record);
                }
            }
        }

        return records;
    }

    /// <summary>The records of one plugin.</summary>
    public static List<Issue15Record> ReadAudit(string home, string pluginId) => [.. ReadAudit(home).Where(r => r.Plugin == pluginId)];

    /// <summary>Flushes the host's audit queue, then reads the plugin's records from disk.</summary>
    public static async Task<List<Issue15Record>> AuditOfAsync(PluginHost host, string home, string pluginId)
    {
        await host.Audit.FlushAsync();
        return ReadAudit(home, pluginId);
    }

    /// <summary>Waits (polling the files) until the plugin has a record matching <paramref name="match"/>.</summary>
    public static async Task<List<Issue15Record>> WaitForRecordAsync(PluginHost host, string home, string pluginId, Func<Issue15Record, bool> match, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var records = await AuditOfAsync(host, home, pluginId);
            if (records.Any(match) || watch.Elapsed > within)
            {
                return records;
            }

            await Task.Delay(100);
        }
    }

    public static string Describe(IEnumerable<Issue15Record> records) =>
        string.Join("\n", records.Select(r => $"  {r.Seq} {r.Action} {r.Decision} {r.Layer} {r.Permission} {r.Resource} {string.Join(",", r.Details.Select(d => d.Key + "=" + d.Value))}"));

    // ---- processes ----

    /// <summary>
    /// Live processes (not zombies) whose command line or working folder names <paramref name="marker"/> (a
    /// world's unique root): workers, their launchers, anything they started.
    /// </summary>
    public static List<string> ProcessesMarkedBy(string marker)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
                if (state is "Z" or "X")
                {
                    continue;
                }

                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                string? cwd = null;
                try
                {
                    cwd = new FileInfo(Path.Combine(dir, "cwd")).LinkTarget;
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }

                if (cmdline.Contains(marker, StringComparison.Ordinal) || (cwd?.Contains(marker, StringComparison.Ordinal) ?? false))
                {
                    found.Add($"pid {pid} [{state}] {cmdline} (cwd {cwd})");
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>Waits up to <see cref="ProcessGoneWithin"/> for no process to carry the marker; returns what is left.</summary>
    public static async Task<List<string>> WaitNoProcessesAsync(string marker, TimeSpan? within = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = ProcessesMarkedBy(marker);
            if (left.Count == 0 || watch.Elapsed > (within ?? ProcessGoneWithin))
            {
                return left;
            }

            await Task.Delay(100);
        }
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan? within = null)
    {
        var watch = Stopwatch.StartNew();
        while (IsAlive(pid) && watch.Elapsed < (within ?? ProcessGoneWithin))
        {
            await Task.Delay(50);
        }

        return !IsAlive(pid);
    }

    // ---- the CLI, as an operator runs it ----

    /// <summary>The repository root (holding Stockade.slnx).</summary>
    public static string RepoRoot { get; } = Path.GetFullPath(Path.Combine(HostWorld.SamplesDirectory, "..", ".."));

    /// <summary>The CLI built in the same configuration as these tests (the lead's full build builds it).</summary>
    public static string CliAssembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            foreach (var candidate in new[] { configuration, "Debug", "Release" })
            {
                var path = Path.Combine(RepoRoot, "src", "Stockade.Cli", "bin", candidate, "net10.0", "stockade.dll");
                if (File.Exists(path))
                {
                    return path;
                }
            }

            throw new InvalidOperationException("src/Stockade.Cli is not built: dotnet build src/Stockade.Cli -c " + configuration);
        }
    }

    public static string Dotnet => Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/bin/dotnet";

    /// <summary>Runs <c>stockade --home HOME args…</c> in its own process, optionally as uid 65534 through setpriv.</summary>
    public static async Task<CliRun> CliAsync(string home, bool asNobody, params string[] args)
    {
        var start = new ProcessStartInfo(asNobody ? "/usr/bin/setpriv" : Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asNobody)
        {
            foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--", Dotnet })
            {
                start.ArgumentList.Add(a);
            }
        }

        start.ArgumentList.Add(CliAssembly);
        start.ArgumentList.Add("--home");
        start.ArgumentList.Add(home);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["NO_COLOR"] = "1";
        if (asNobody)
        {
            start.Environment["HOME"] = home;
            start.Environment["PATH"] = "/usr/bin:/bin";
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"stockade {string.Join(' ', args)} did not finish in 120 s");
        }

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>stockade audit verify</c> on a home; the host must be disposed (or flushed) first.</summary>
    public static Task<CliRun> VerifyAsync(string home) => CliAsync(home, asNobody: false, "audit", "verify");
}

/// <summary>What a CLI process printed and returned.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>One audit line as an operator reads it: only the fields the attacks assert on.</summary>
internal sealed record Issue15Record(long Seq, string Action, string? Plugin, string? Decision, string? Layer, string? Permission, string? Resource, IReadOnlyDictionary<string, string> Details, string Line)
{
    public static Issue15Record? TryParse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            string? Text(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var details = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in d.EnumerateObject())
                {
                    details[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }

            var seq = root.TryGetProperty("seq", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : -1;
            return new Issue15Record(seq, Text(Issue15.ActionKey) ?? "", Text("plugin"), Text(Issue15.DecisionKey), Text(Issue15.LayerKey),
                Text("permission"), Text("resource"), details, line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The record's text, details included, for loose matching of a cause or a resource.</summary>
    public bool Mentions(string text) => Line.Contains(text, StringComparison.Ordinal);

    public bool IsEnd => Issue15.EndActions.Contains(Action);
}

/// <summary>A throwaway world per test with its host, disposed once (DisposeAsync must not throw: that is asserted separately).</summary>
internal sealed class Issue15World : IAsyncDisposable
{
    private bool _hostDisposed;

    public Issue15World(int? workerUid = null, Action<PluginHostOptions>? configure = null, Action<HostWorld>? beforeHost = null)
    {
        beforeHost?.Invoke(World);
        var options = Issue15.Options(World, workerUid);
        configure?.Invoke(options);
        Host = new PluginHost(options);
    }

    public HostWorld World { get; } = new();

    public PluginHost Host { get; }

    public string Home => World.Home;

    /// <summary>The world's unique folder: every worker of this world names it in its command line or working folder.</summary>
    public string Marker => World.Root;

    /// <summary>Disposes the host (once), returning how long it took and what it threw.</summary>
    public async Task<(TimeSpan Took, Exception? Threw)> DisposeHostAsync()
    {
        _hostDisposed = true;
        var watch = Stopwatch.StartNew();
        try
        {
            await Host.DisposeAsync();
            return (watch.Elapsed, null);
        }
        catch (Exception ex)
        {
            return (watch.Elapsed, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_hostDisposed)
        {
            try
            {
                await Host.DisposeAsync();
            }
            catch (Exception)
            {
                // Asserted by the tests that care; cleanup goes on.
            }
        }

        // Nothing of this world may survive the test run, whatever the host did.
        foreach (var line in Issue15.ProcessesMarkedBy(Marker))
        {
            if (int.TryParse(line.Split(' ')[1], out var pid))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        World.Dispose();
    }
}
