using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Stockade.Hosting.Tests.Host;
using Stockade.Hosting.Tests.Issue15;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// Shared pieces of issue 16's hostile checks, written before the cgroup backend: the hostile samples with their
/// manifests, the names a kill may use for each resource (tolerant, so the implementation's wording can settle), a spy
/// that finds every worker of a world in <c>/proc</c> and reads its cgroups while it lives (peak memory, throttled
/// time), and the checks every kill must pass (exception, event, audit record with figures). Names a fix may still
/// change are constants here, so the lead can align them in one place.
/// </summary>
internal static class Issue16
{
    public const string Killed = "plugin.killed";

    public const string Crashed = "plugin.crashed";

    public const string PythonSample = "issue16-hostile-python";

    public const string CSharpSample = "issue16-hostile-csharp";

    /// <summary>The slack the issue allows over a memory limit: peak ≤ limit + 10 %.</summary>
    public const double MemorySlack = 1.10;

    /// <summary>Every name a kill may give each resource (the manifest key, the kernel's, the plain word).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ResourceNames = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["memory"] = ["memory", "memoryMb"],
        ["cpu"] = ["cpu", "cpuPercent", "cpuTime", "cpuTimeSeconds", "cpu time", "cpu_time"],
        ["tasks"] = ["processes", "threads", "pids", "tasks"],
        ["disk"] = ["disk", "diskMb"],
        ["fileSize"] = ["fileSize", "file size", "file_size", "maxFileMb", "fsize", "single file"],
    };

    /// <summary>Whether <paramref name="actual"/> (a resource field or a sentence) names <paramref name="resource"/>.</summary>
    public static bool Names(string? actual, string resource) =>
        actual is not null && ResourceNames[resource].Any(n => actual.Contains(n, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether a kill's resource field is exactly one of the names of <paramref name="resource"/>.</summary>
    public static bool IsResource(string? actual, string resource) =>
        actual is not null && ResourceNames[resource].Any(n => string.Equals(actual, n, StringComparison.OrdinalIgnoreCase));

    /// <summary>The figure of a limit as a message or record may print it: MB, or bytes, or seconds, or percent.</summary>
    public static bool HasFigure(string text, long figure) => Regex.IsMatch(text, $@"(?<![\d.]){figure}(?![\d])")
        || Regex.IsMatch(text, $@"(?<![\d.]){figure * 1024 * 1024}(?![\d])");

    // ---- hosts and plugins ----

    /// <summary>What these checks change in the options of a world's host: a fast watchdog (disk every sample) and one restart.</summary>
    public static void Configure(PluginHostOptions options)
    {
        options.Watchdog = new Monitoring.WatchdogOptions { Interval = TimeSpan.FromMilliseconds(200), ThrottleAfter = 3, KillAfter = 10, DiskEvery = 1 };
        options.MaxRestarts = 1;
    }

    /// <summary>A copy of the Python hostile sample with these resources, timeouts and extra manifest lines.</summary>
    public static string Python(HostWorld world, string id, string resources, string permissions = "[]", string timeouts = "{ init: 20s, call: 30s, hook: 5s }") =>
        world.Plugin(PythonSample, id, $"""
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: {timeouts}
            permissions:
              required: {permissions}
            resources: {resources}
            """);

    /// <summary>A copy of the C# hostile sample with these resources.</summary>
    public static string CSharp(HostWorld world, string id, string resources, string timeouts = "{ init: 30s, call: 30s, hook: 5s }") =>
        world.Plugin(CSharpSample, id, $"""
            runtime: dotnet
            entry: bin/Issue16HostilePlugin.dll
            entryType: Samples.Issue16Hostile.Issue16HostilePlugin
            timeouts: {timeouts}
            permissions:
              required: []
            resources: {resources}
            """);

    /// <summary>The benign bystander: the hello-python sample, loaded beside the hostile one.</summary>
    public static string Benign(HostWorld world, string id) =>
        world.Plugin("hello-python", id, """
            runtime: process
            entry: plugin.py
            interpreter: /usr/bin/python3
            timeouts: { init: 20s, call: 10s, hook: 5s }
            permissions:
              required: []
            resources: { memoryMb: 128, openFiles: 64 }
            """);

    /// <summary>Calls the benign plugin and checks its answer.</summary>
    public static async Task BenignAnswersAsync(PluginHost host, string id, string when)
    {
        var sum = await host.InvokeAsync(id, "add", HostWorld.Json(new { a = 20, b = 22 })).WaitAsync(TimeSpan.FromSeconds(20));
        sum.GetProperty("sum").GetInt32().ShouldBe(42, $"the benign plugin {when}");
    }

    /// <summary>
    /// Everything a resource kill must carry through the host API: <see cref="PluginKilledException"/> naming the
    /// resource and the limit, a <c>Killed</c> event naming the resource, and a <c>plugin.killed</c> record naming
    /// it with its figures (the limit and what was observed).
    /// </summary>
    public static async Task KillIsNamedAsync(Issue15World w, ConcurrentQueue<PluginEvent> events, string id, Exception? error, string resource, long limitFigure)
    {
        error.ShouldNotBeNull($"{id}: the call ended without an error");
        var killed = error.ShouldBeOfType<PluginKilledException>($"{id}: ended as {error.GetType().Name}: {error.Message}");
        IsResource(killed.Resource, resource).ShouldBeTrue($"{id}: killed for '{killed.Resource}', expected {resource}: {killed.Message}");
        HasFigure(killed.Message, limitFigure).ShouldBeTrue($"{id}: the kill's message does not give the limit ({limitFigure}): {killed.Message}");

        var deadline = Stopwatch.StartNew();
        while (!events.Any(e => e.PluginId == id && e.Kind == PluginEventKind.Killed) && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50);
        }

        var killedEvents = events.Where(e => e.PluginId == id && e.Kind == PluginEventKind.Killed).ToList();
        killedEvents.ShouldNotBeEmpty($"{id}: no Killed event; events: {string.Join("; ", events.Where(e => e.PluginId == id).Select(e => e.Kind + " " + e.Message))}");
        killedEvents.ShouldContain(e => Names(e.Message, resource), $"{id}: the Killed event does not name {resource}: {killedEvents[0].Message}");

        var records = await Issue15.Issue15.WaitForRecordAsync(w.Host, w.Home, id, r => r.Action == Killed, TimeSpan.FromSeconds(5));
        var record = records.FirstOrDefault(r => r.Action == Killed);
        record.ShouldNotBeNull($"{id}: no {Killed} record:\n{Issue15.Issue15.Describe(records)}");
        AuditNamesFigures(record, resource, limitFigure).ShouldBeNull();
        records.ShouldNotContain(r => r.Action == Crashed && r.Seq > record.Seq - 3 && r.Seq < record.Seq + 3,
            $"{id}: the kill is also recorded as a crash:\n{Issue15.Issue15.Describe(records)}");
    }

    /// <summary>Null when the kill record names the resource, the limit's figure and an observed figure; else why not.</summary>
    public static string? AuditNamesFigures(Issue15Record record, string resource, long limitFigure)
    {
        if (!(IsResource(record.Resource, resource) || record.Details.Any(d => d.Key == "resource" && IsResource(d.Value, resource))))
        {
            return $"the {Killed} record does not name {resource} in its resource: {record.Line}";
        }

        if (!record.Details.Any(d => d.Key.Contains("limit", StringComparison.OrdinalIgnoreCase) && HasFigure(d.Value, limitFigure)))
        {
            return $"the {Killed} record has no 'limit' detail of {limitFigure}: {record.Line}";
        }

        string[] observedKeys = ["observed", "peak", "used", "usage", "value"];
        if (!record.Details.Any(d => observedKeys.Any(k => d.Key.Contains(k, StringComparison.OrdinalIgnoreCase)) && Regex.IsMatch(d.Value, @"\d")))
        {
            return $"the {Killed} record has no observed figure (a detail named observed/peak/used/usage with a number): {record.Line}";
        }

        return null;
    }

    // ---- processes ----

    /// <summary>The real uid of a live process, or null.</summary>
    public static int? UidOf(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Live (not zombie) processes of <paramref name="uid"/>.</summary>
    public static List<int> ProcessesOf(int uid)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && UidOf(pid) == uid && Issue15.Issue15.IsAlive(pid))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    /// <summary>
    /// Live processes of <paramref name="uid"/> that belong to this world: marked by its folder (command line or working
    /// directory) or sitting in one of <paramref name="cgroupDirectories"/>. A uid alone is not enough: every host's
    /// store hands out the same first uids, so tests running beside this one (other worlds, other hosts of the same
    /// test process) run their own plugins under the same uid (the CI failure "2 processes of the plugin's uid outlived
    /// its worker" was two of them).
    /// </summary>
    public static List<int> ProcessesOfWorld(int uid, string marker, IReadOnlyCollection<string> cgroupDirectories)
    {
        var names = cgroupDirectories.Select(d => Path.GetFileName(d.TrimEnd('/'))).Where(n => n.Length > 0).Distinct().ToList();
        var marked = Issue15.Issue15.ProcessesMarkedBy(marker).Select(l => l.Split(' ', 3)).Where(p => p.Length > 1 && p[0] == "pid")
            .Select(p => int.TryParse(p[1], out var pid) ? pid : -1).ToHashSet();
        return [.. ProcessesOf(uid).Where(pid => marked.Contains(pid) || InAny(pid, names))];
    }

    private static bool InAny(int pid, List<string> cgroupNames)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/cgroup");
            return cgroupNames.Any(n => text.Contains(n, StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until no process of <paramref name="uid"/> in this world is left (<see cref="ProcessesOfWorld"/>); returns the ones still alive.</summary>
    public static async Task<List<int>> WaitNoProcessesOfWorldAsync(int uid, string marker, IReadOnlyCollection<string> cgroupDirectories, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = ProcessesOfWorld(uid, marker, cgroupDirectories);
            if (left.Count == 0 || watch.Elapsed > within)
            {
                return left;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>One line per pid for a failure message: state, parent, command line and cgroups, read from /proc.</summary>
    public static string DescribeProcesses(IEnumerable<int> pids) => string.Join("\n", pids.Select(pid =>
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var cmd = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            var cgroups = File.ReadAllText($"/proc/{pid}/cgroup").Replace('\n', ' ');
            var status = File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal) || l.StartsWith("Shd", StringComparison.Ordinal) || l.StartsWith("NSpid", StringComparison.Ordinal));
            return $"pid {pid} state {fields[0]} ppid {fields[1]} cmd '{cmd}' cgroups {cgroups} {string.Join(" ", status)}";
        }
        catch (IOException ex)
        {
            return $"pid {pid}: {ex.Message}";
        }
    }));

    /// <summary>Waits until no process of <paramref name="uid"/> is left; returns the ones still alive.</summary>
    public static async Task<List<int>> WaitNoProcessesOfAsync(int uid, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = ProcessesOf(uid);
            if (left.Count == 0 || watch.Elapsed > within)
            {
                return left;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Kills, round after round until none is left (children fork while parents die), every process naming <paramref name="marker"/>.</summary>
    public static void KillAll(string marker)
    {
        for (var round = 0; round < 50; round++)
        {
            var left = Issue15.Issue15.ProcessesMarkedBy(marker);
            if (left.Count == 0)
            {
                return;
            }

            foreach (var line in left)
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

            Thread.Sleep(100);
        }
    }

    /// <summary>Waits until none of these directories exists; returns the ones left.</summary>
    public static async Task<List<string>> WaitGoneAsync(IEnumerable<string> directories, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = directories.Where(Directory.Exists).ToList();
            if (left.Count == 0 || watch.Elapsed > within)
            {
                return left;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>CPU time (user + system) a process has used, from <c>/proc/&lt;pid&gt;/stat</c>; null once it is gone.</summary>
    public static TimeSpan? CpuTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>
/// Where this machine keeps cgroups and which the test process sits in. v1: one hierarchy per controller under
/// <c>/sys/fs/cgroup/&lt;controller&gt;</c>; v2: one unified hierarchy with the controllers listed in its root.
/// </summary>
internal static class Cgroups
{
    public const string Root = "/sys/fs/cgroup";

    /// <summary>Whether a v1 memory hierarchy is mounted (this machine's case).</summary>
    public static bool V1 => File.Exists(Path.Combine(Root, "memory", "memory.limit_in_bytes"));

    /// <summary>Whether the unified (v2) hierarchy holds the memory controller.</summary>
    public static bool V2Memory
    {
        get
        {
            foreach (var root in new[] { Root, Path.Combine(Root, "unified") })
            {
                var controllers = Path.Combine(root, "cgroup.controllers");
                if (File.Exists(controllers) && File.ReadAllText(controllers).Split(' ', '\n').Contains("memory"))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Why the cgroup checks cannot run here (a missing kernel feature or privilege), or null.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "cgroups are Linux only";
        }

        if (Environment.UserName != "root" && geteuid() != 0)
        {
            return "the cgroup checks set up and inspect cgroups as root";
        }

        return V1 || V2Memory ? null : "no memory cgroup controller on this kernel (neither a v1 memory hierarchy nor v2 with memory)";
    }

    /// <summary>The cgroup path of a process per controller (v1: "memory", "cpu", "pids", ...; v2: ""), or empty once it is gone.</summary>
    public static Dictionary<string, string> Of(int pid) => Parse($"/proc/{pid}/cgroup");

    public static Dictionary<string, string> OfSelf() => Parse("/proc/self/cgroup");

    /// <summary>The directory of a process's cgroup for <paramref name="controller"/> ("memory", "cpu", "pids", "freezer"), or null.</summary>
    public static string? Directory(Dictionary<string, string> cgroups, string controller)
    {
        if (cgroups.TryGetValue(controller, out var path))
        {
            return Path.Combine(Root, controller) + path.TrimEnd('/');
        }

        if (cgroups.TryGetValue("", out var unified))
        {
            var root = File.Exists(Path.Combine(Root, "cgroup.controllers")) ? Root : Path.Combine(Root, "unified");
            return root + unified.TrimEnd('/');
        }

        return null;
    }

    /// <summary>Reads a number from a cgroup file (a lone number, or "key value" lines by <paramref name="key"/>); null when absent or "max".</summary>
    public static long? Read(string directory, string file, string? key = null)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(directory, file));
            if (key is null)
            {
                return long.TryParse(text.Trim(), out var value) ? value : null;
            }

            foreach (var line in text.Split('\n'))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], out var value))
                {
                    return value;
                }
            }

            return null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> Parse(string file)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(':', 3);
                if (parts.Length == 3)
                {
                    foreach (var controller in parts[1].Split(','))
                    {
                        result[controller] = parts[2];
                    }
                }
            }
        }
        catch (IOException)
        {
        }

        return result;
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>
/// Watches a world's workers while they live: every process whose command line or working folder names
/// <see cref="Marker"/> is found in <c>/proc</c>, its uid and cgroups recorded, and the memory and CPU cgroups
/// it sits in (when they are not the test host's own) read every few milliseconds: peak memory (v1
/// <c>memory.max_usage_in_bytes</c>, v2 <c>memory.peak</c>) and throttled time (<c>cpu.stat</c>). The figures
/// outlive the cgroup, which the host removes when the worker is gone.
/// </summary>
internal sealed class CgroupSpy : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<string, string> _own = Cgroups.OfSelf();
    private readonly ConcurrentDictionary<int, byte> _pids = new();
    private readonly ConcurrentDictionary<string, long> _memoryPeaks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _memoryLimits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _throttledNs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _throttledPeriods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _pidsMax = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _directories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, int> _uids = new();
    private readonly ConcurrentDictionary<int, Dictionary<string, string>> _cgroupsOf = new();
    private readonly string? _orMarker;

    public CgroupSpy(string marker, Dictionary<string, string>? hostCgroups = null, string? orMarker = null)
    {
        Marker = marker;
        _orMarker = orMarker;
        if (hostCgroups is not null)
        {
            _own = hostCgroups;
        }

        _loop = Task.Run(LoopAsync);
    }

    /// <summary>What a worker's command line or working folder contains (a world's root, a plugin's temp folder).</summary>
    public string Marker { get; }

    public IReadOnlyCollection<int> Pids => [.. _pids.Keys];

    /// <summary>Every cgroup directory a worker sat in that is not the test host's own.</summary>
    public IReadOnlyCollection<string> WorkerCgroupDirectories => [.. _directories.Keys];

    /// <summary>Per worker pid, its cgroup paths (as seen first).</summary>
    public IReadOnlyDictionary<int, Dictionary<string, string>> CgroupsOf => _cgroupsOf;

    public IReadOnlyDictionary<int, int> Uids => _uids;

    /// <summary>The highest memory a worker's own memory cgroup charged, or null when no worker had one.</summary>
    public long? PeakMemoryBytes => _memoryPeaks.IsEmpty ? null : _memoryPeaks.Values.Max();

    public long? MemoryLimitBytes => _memoryLimits.IsEmpty ? null : _memoryLimits.Values.Min();

    public long ThrottledNanoseconds => _throttledNs.IsEmpty ? 0 : _throttledNs.Values.Max();

    public long ThrottledPeriods => _throttledPeriods.IsEmpty ? 0 : _throttledPeriods.Values.Max();

    /// <summary>The lowest <c>pids.max</c> seen on a worker's pids cgroup, or null.</summary>
    public long? PidsMax => _pidsMax.IsEmpty ? null : _pidsMax.Values.Min();

    /// <summary>Whether any worker sat in a memory cgroup of its own (not the host's).</summary>
    public bool SawWorkerMemoryCgroup => !_memoryPeaks.IsEmpty;

    public string Describe() =>
        $"workers {string.Join(",", _pids.Keys)}; cgroups {string.Join(" | ", _cgroupsOf.Select(p => p.Key + ": " + string.Join(" ", p.Value.Select(c => c.Key + "=" + c.Value))))}; "
        + $"host's own {string.Join(" ", _own.Select(c => c.Key + "=" + c.Value))}; peak {PeakMemoryBytes}; limit {MemoryLimitBytes}; throttled {ThrottledNanoseconds} ns in {ThrottledPeriods} periods";

    /// <summary>Waits until a worker carrying the marker is seen; returns its pid.</summary>
    public async Task<int> WorkerAsync(TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (_pids.IsEmpty && watch.Elapsed < within)
        {
            await Task.Delay(25);
        }

        _pids.ShouldNotBeEmpty($"no worker carrying {Marker} appeared within {within.TotalSeconds} s");
        return _pids.Keys.Min();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var lastScan = Stopwatch.StartNew();
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            if (first || lastScan.ElapsedMilliseconds > 150)
            {
                first = false;
                lastScan.Restart();
                var marked = Issue15.Issue15.ProcessesMarkedBy(Marker);
                if (_orMarker is not null)
                {
                    marked.AddRange(Issue15.Issue15.ProcessesMarkedBy(_orMarker));
                }

                foreach (var line in marked)
                {
                    if (int.TryParse(line.Split(' ')[1], out var pid) && _pids.TryAdd(pid, 0))
                    {
                        if (Issue16.UidOf(pid) is { } uid)
                        {
                            _uids[pid] = uid;
                        }
                    }
                }
            }

            foreach (var pid in _pids.Keys)
            {
                // A task that has exited reads as sitting in the root cgroups (v1): only a live task's cgroups count.
                var cgroups = Issue15.Issue15.IsAlive(pid) ? Cgroups.Of(pid) : [];
                if (cgroups.Count == 0 || !Issue15.Issue15.IsAlive(pid))
                {
                    continue;
                }

                _cgroupsOf.TryAdd(pid, cgroups);
                Sample(cgroups);
            }

            try
            {
                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Sample(Dictionary<string, string> cgroups)
    {
        foreach (var controller in new[] { "memory", "cpu", "pids", "freezer", "cpuacct", "blkio", "" })
        {
            if (cgroups.TryGetValue(controller, out var path) && IsBelowOwn(controller, path))
            {
                var dir = Cgroups.Directory(cgroups, controller)!;
                _directories.TryAdd(dir, 0);
            }
        }

        if (Owned(cgroups, "memory") is { } memory)
        {
            var peak = Cgroups.Read(memory, "memory.max_usage_in_bytes") ?? Cgroups.Read(memory, "memory.peak");
            var current = Cgroups.Read(memory, "memory.usage_in_bytes") ?? Cgroups.Read(memory, "memory.current");
            var high = Math.Max(peak ?? 0, current ?? 0);
            if (peak is not null || current is not null)
            {
                _memoryPeaks.AddOrUpdate(memory, high, (_, old) => Math.Max(old, high));
            }

            if ((Cgroups.Read(memory, "memory.limit_in_bytes") ?? Cgroups.Read(memory, "memory.max")) is { } limit)
            {
                _memoryLimits[memory] = limit;
            }
        }

        if (Owned(cgroups, "cpu") is { } cpu)
        {
            // v1 cpu.stat: throttled_time (ns), nr_throttled; v2: throttled_usec, nr_throttled.
            var ns = Cgroups.Read(cpu, "cpu.stat", "throttled_time") ?? (Cgroups.Read(cpu, "cpu.stat", "throttled_usec") * 1000);
            if (ns is { } n)
            {
                _throttledNs.AddOrUpdate(cpu, n, (_, old) => Math.Max(old, n));
            }

            if (Cgroups.Read(cpu, "cpu.stat", "nr_throttled") is { } periods)
            {
                _throttledPeriods.AddOrUpdate(cpu, periods, (_, old) => Math.Max(old, periods));
            }
        }

        if (Owned(cgroups, "pids") is { } pids && Cgroups.Read(pids, "pids.max") is { } max)
        {
            _pidsMax[pids] = max;
        }
    }

    /// <summary>Whether <paramref name="path"/> lies strictly beneath the host's own cgroup of that controller (where worker cgroups nest).</summary>
    private bool IsBelowOwn(string controller, string path)
    {
        var own = _own.TryGetValue(controller, out var o) ? o.TrimEnd('/') : "";
        return path.TrimEnd('/').Length > own.Length && path.StartsWith(own + "/", StringComparison.Ordinal);
    }

    /// <summary>The worker's cgroup directory for a controller when it is not the test host's own, else null.</summary>
    private string? Owned(Dictionary<string, string> cgroups, string controller)
    {
        var key = cgroups.ContainsKey(controller) ? controller : cgroups.ContainsKey("") ? "" : null;
        if (key is null || !IsBelowOwn(key, cgroups[key]))
        {
            return null;
        }

        return Cgroups.Directory(cgroups, controller);
    }
}

/// <summary>A fact that needs a memory cgroup controller and root to inspect it; skipped with the reason otherwise.</summary>
internal sealed class Issue16CgroupFactAttribute : FactAttribute
{
    public Issue16CgroupFactAttribute()
    {
        if (Cgroups.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs a memory cgroup controller and root; skipped with the reason otherwise.</summary>
internal sealed class Issue16CgroupTheoryAttribute : TheoryAttribute
{
    public Issue16CgroupTheoryAttribute()
    {
        if (Cgroups.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}
