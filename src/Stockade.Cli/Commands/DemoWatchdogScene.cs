using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Cli.Rendering;
using Stockade.Hosting;
using Stockade.Hosting.Monitoring;

namespace Stockade.Cli.Commands;

/// <summary>
/// The demo's watchdog scene (issue #7): in one <see cref="PluginHost"/>, a memory hog and a CPU spinner are
/// warned, throttled and killed while a well-behaved plugin keeps answering. Events are printed as the
/// watchdog raises them, with the figures it acted on, and summed up in a table at the end.
/// </summary>
internal sealed class DemoWatchdogScene(CliConsole console, string home, string samples, string benignId)
{
    public const string HogId = "samples.hog";
    public const string SpinnerId = "samples.spinner";

    // Short enough for a demo; the defaults (1 s, throttle at 3, kill at 10) would take as long again.
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan CallEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan AfterKills = TimeSpan.FromSeconds(1.5);

    private const int HogMemoryMb = 128;
    private const int SpinnerCpuPercent = 10;

    // The hog takes shared memory: neither the worker's GC heap limit nor RLIMIT_DATA counts it, so the memory
    // cgroup (where there is one) or else the watchdog's resident-memory limit is the layer that stops it (managed
    // arrays would hit the GC heap limit, 2/3 of memoryMb, before resident memory reached the 80 % warning).
    private static readonly JsonElement GrowInput = JsonSerializer.SerializeToElement(new { mbPerStep = 4, stepMs = 150, memory = "shared" });
    private static readonly JsonElement GreetInput = JsonSerializer.SerializeToElement(new { name = "Ada" });

    private readonly Stopwatch _clock = new();
    private readonly List<ResourceUsage> _throttledSpinner = [];
    private long? _hogCgroupPeak;
    private bool _cgroup;
    private readonly List<SceneEvent> _events = [];

    public async Task RunAsync(CancellationToken ct)
    {
        var misbehave = Path.Combine(samples, "plugins", "misbehave-csharp");
        var work = Path.Combine(home, "demo-plugins");
        var hog = CopyMisbehave(misbehave, Path.Combine(work, "hog"), HogId, $"{{ memoryMb: {HogMemoryMb} }}");
        var spinner = CopyMisbehave(misbehave, Path.Combine(work, "spinner"), SpinnerId, $"{{ cpuPercent: {SpinnerCpuPercent} }}");
        var options = new WatchdogOptions { Interval = Interval, ThrottleAfter = 3, KillAfter = 15, DecayEvery = 25 };

        console.Output.MarkupLine($"One host, three plugins: [bold]{TerminalText.Markup(benignId)}[/] (well-behaved), [bold]{HogId}[/] (memoryMb: {HogMemoryMb}) and [bold]{SpinnerId}[/] (cpuPercent: {SpinnerCpuPercent}).");
        console.Output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Watchdog: a sample every {Interval.TotalMilliseconds:0} ms; warn at {options.WarnRatio:P0} of a limit; throttle after {options.ThrottleAfter} violations, kill after {options.KillAfter}; memory is a hard limit (killed at once)."));
        var channel = Channel.CreateUnbounded<SceneEvent>();
        await using var host = new PluginHost(new PluginHostOptions { Home = home, Watchdog = options });
        _cgroup = host.CgroupBackend.Kind != Linux.Cgroups.CgroupBackendKind.None;
        console.Output.MarkupLine(_cgroup
            ? $"[grey]Each worker runs in its own cgroup ({TerminalText.Markup(host.CgroupBackend.Description)}): the kernel holds memory at memoryMb and CPU at cpuPercent; throttling halves the CPU quota; the figures below are the cgroup's own.[/]"
            : "[grey]No cgroup here (stockade doctor says why): throttling lowers the worker to nice 19 (idle CPU priority), which does not slow a spinner on an idle core.[/]");
        host.Watchdog.EventRaised += (_, e) => channel.Writer.TryWrite(new SceneEvent(_clock.Elapsed, e, e.Kind == WatchdogEventKind.Throttled ? ThrottleMechanism(host, e.PluginId) : null));

        await host.LoadAsync(benignId, cancellationToken: ct);
        await host.LoadAsync(hog, cancellationToken: ct);
        await host.LoadAsync(spinner, cancellationToken: ct);

        _clock.Start();
        Line("call", $"{HogId} grow {GrowInput.GetRawText()} and {SpinnerId} spin started");
        var hogCall = Outcome(host.InvokeAsync(HogId, "grow", GrowInput, ct));
        var spinCall = Outcome(host.InvokeAsync(SpinnerId, "spin", null, ct));
        bool hogShown = false, spinShown = false;
        TimeSpan? stoppedAt = null;
        var replies = new List<TimeSpan>();
        var nextCall = TimeSpan.Zero;
        while (_clock.Elapsed < Budget && (stoppedAt is null || _clock.Elapsed - stoppedAt < AfterKills))
        {
            Drain(channel.Reader);
            hogShown = ShowOutcome(hogCall, HogId, "grow", hogShown);
            spinShown = ShowOutcome(spinCall, SpinnerId, "spin", spinShown);
            if (hogShown && spinShown)
            {
                stoppedAt ??= _clock.Elapsed;
            }

            Observe(host);
            if (_clock.Elapsed >= nextCall)
            {
                nextCall += CallEvery;
                await CallBenignAsync(host, replies, ct);
            }

            await Task.Delay(50, ct);
        }

        Drain(channel.Reader);
        if (stoppedAt is null)
        {
            console.Output.MarkupLine($"[yellow]Not every misbehaving call was stopped within {Budget.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s (the machine may be too busy for the spinner to pass its CPU limit); the host unloads them now.[/]");
        }

        WriteSummary(replies, stoppedAt);
    }

    // The cgroup's figures as the watchdog last read them: the spinner's CPU while throttled, the hog's memory before it died.
    private void Observe(PluginHost host)
    {
        if (host.GetUsage(HogId) is { CgroupMemoryBytes: { } memory })
        {
            _hogCgroupPeak = Math.Max(_hogCgroupPeak ?? 0, memory);
        }

        var throttled = _events.Any(x => x.Event.PluginId == SpinnerId && x.Event.Kind == WatchdogEventKind.Throttled);
        if (throttled && host.GetUsage(SpinnerId) is { } spinner && (_throttledSpinner.Count == 0 || _throttledSpinner[^1].SampledAt != spinner.SampledAt))
        {
            _throttledSpinner.Add(spinner);
        }
    }

    private async Task CallBenignAsync(PluginHost host, List<TimeSpan> replies, CancellationToken ct)
    {
        var at = _clock.Elapsed;
        var watch = Stopwatch.StartNew();
        try
        {
            var reply = await host.InvokeAsync(benignId, "greet", GreetInput, ct);
            replies.Add(at);
            Line("benign", string.Create(CultureInfo.InvariantCulture, $"{benignId} greet → {reply.GetRawText()} in {watch.Elapsed.TotalMilliseconds:0.0} ms"), at);
        }
        catch (PluginException ex)
        {
            Line("benign", $"[red]{TerminalText.Markup(benignId)} greet failed[/]: {TerminalText.Markup(ex.Message)}", at, markup: true);
        }
    }

    private void Drain(ChannelReader<SceneEvent> reader)
    {
        while (reader.TryRead(out var item))
        {
            _events.Add(item);
            var e = item.Event;
            var what = e.Kind switch
            {
                WatchdogEventKind.ResourceWarning => $"warned: {Figures(e)}",
                WatchdogEventKind.Throttled => $"throttled after {e.Violations} violations: {Figures(e)}; {item.Mechanism}",
                WatchdogEventKind.Killed when WatchdogLimits.IsHard(e.Resource) => $"killed at once (hard limit): {Figures(e)}",
                WatchdogEventKind.Killed => $"killed after {e.Violations} violations: {Figures(e)}",
                _ => $"recovered: its throttle was lifted",
            };
            Line("watchdog", $"{e.PluginId} {what}", item.At);
        }
    }

    private bool ShowOutcome(Task<string> call, string pluginId, string method, bool shown)
    {
        if (shown || !call.IsCompleted)
        {
            return shown;
        }

        Line("call", $"{pluginId} {method} ended: {call.Result}");
        return true;
    }

    private void WriteSummary(List<TimeSpan> replies, TimeSpan? stoppedAt)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("watchdog events");
        foreach (var column in new[] { "at", "plugin", "event", "resource", "observed", "limit", "violations", "action" })
        {
            table.AddColumn(column);
        }

        foreach (var (at, e, mechanism) in _events)
        {
            table.AddRow(
                Seconds(at),
                TerminalText.Markup(e.PluginId),
                e.Kind.ToString(),
                e.Resource.ToString(),
                Format(e.Resource, e.Observed),
                Format(e.Resource, e.Limit),
                e.Violations.ToString(CultureInfo.InvariantCulture),
                TerminalText.Markup(e.Kind switch
                {
                    WatchdogEventKind.Throttled => mechanism ?? "",
                    WatchdogEventKind.Killed => "worker killed (SIGKILL)",
                    WatchdogEventKind.ResourceWarning => "event only",
                    _ => "priority restored",
                }));
        }

        console.Output.Write(table);
        var throttled = _events.FirstOrDefault(x => x.Event.PluginId == SpinnerId && x.Event.Kind == WatchdogEventKind.Throttled);
        var killed = _events.FirstOrDefault(x => x.Event.PluginId == SpinnerId && x.Event.Kind == WatchdogEventKind.Killed);
        if (_cgroup && throttled is not null && _throttledSpinner.Count > 0)
        {
            var use = _throttledSpinner.Average(u => u.CpuPercent);
            var held = _throttledSpinner.Where(u => u.CpuThrottledPeriodsPercent is not null).Select(u => u.CpuThrottledPeriodsPercent!.Value).DefaultIfEmpty().Average();
            console.Output.MarkupLine(TerminalText.Markup(string.Create(CultureInfo.InvariantCulture,
                $"While throttled the spinner ran at {use:0.#} % of a core under a quota of {Math.Max(1, SpinnerCpuPercent / 2)} % (cpuPercent {SpinnerCpuPercent}, halved), measured by its cgroup (cpuacct), held back by the quota in {held:0} % of its periods") +
                (killed is not null ? $", then the watchdog killed it after {killed.Event.Violations} violations." : ".")));
        }
        else if (throttled is not null && killed is not null)
        {
            console.Output.MarkupLine(TerminalText.Markup(
                $"The spinner used {Format(WatchdogResource.CpuPercent, throttled.Event.Observed)} of a core when throttled and {Format(WatchdogResource.CpuPercent, killed.Event.Observed)} when killed: " +
                "nice 19 only yields to other runnable work, so the kill is what ends a spinner on a core nobody else wants."));
        }

        if (_cgroup && _hogCgroupPeak is { } peak)
        {
            console.Output.MarkupLine(TerminalText.Markup(
                $"The hog's cgroup held {Rendering.UsageRenderer.Bytes(peak)} at the last sample before it ended (limit {HogMemoryMb} MiB, shared memory included): the kernel stopped it at its limit."));
        }

        var afterKills = stoppedAt is { } s ? replies.Count(r => r >= s) : 0;
        console.Output.MarkupLine($"[green]{TerminalText.Markup(benignId)} answered {replies.Count} calls during the scene, {afterKills} of them after both misbehaving calls were stopped.[/]");
    }

    private void Line(string source, string text, TimeSpan? at = null, bool markup = false) =>
        console.Output.MarkupLine($"  {Seconds(at ?? _clock.Elapsed),6}  {source,-8} {(markup ? text : TerminalText.Markup(text))}");

    private static async Task<string> Outcome(Task<JsonElement> call)
    {
        try
        {
            var result = await call;
            return $"returned {result.GetRawText()} (stopped inside the worker, not by the watchdog)";
        }
        catch (PluginKilledException ex)
        {
            var resource = ex.Resource is "cpu" or "cpupercent" ? "CPU" : ex.Resource;
            return $"killed by the {ex.KilledBy ?? "watchdog"} ({resource}); the caller got {nameof(PluginKilledException)}";
        }
        catch (PluginException ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>What the kernel says the throttled worker's priority is now (the host acted before the event was raised).</summary>
    private string ThrottleMechanism(PluginHost host, string pluginId)
    {
        if (_cgroup)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"mechanism: cgroup CPU quota halved to {Math.Max(1, SpinnerCpuPercent / 2)} % of a core (cpuPercent {SpinnerCpuPercent}; the kernel holds the worker and its children there)");
        }

        var pid = host.Plugins.FirstOrDefault(p => p.Id == pluginId)?.ProcessId;
        try
        {
            if (pid is int p)
            {
                // Fields after the command name's closing parenthesis start at field 3 (state); nice is field 19.
                var stat = File.ReadAllText($"/proc/{p}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var nice = int.Parse(fields[19 - 3], CultureInfo.InvariantCulture);
                return nice == 19 ? "mechanism: nice 19 (idle CPU priority)" : $"mechanism: nice {nice}";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // The worker exited between the throttle and this read.
        }

        return "mechanism: unknown (the worker has exited)";
    }

    private static string CopyMisbehave(string source, string target, string id, string resources)
    {
        CopyDirectory(source, target);
        var manifest = Path.Combine(target, "plugin.yaml");
        var lines = File.ReadAllLines(manifest)
            .Select(l => l.StartsWith("id: ", StringComparison.Ordinal) ? $"id: {id}"
                : l.StartsWith("resources: ", StringComparison.Ordinal) ? $"resources: {resources}"
                : l);
        File.WriteAllLines(manifest, lines);
        return target;
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }

        // The built plugin lives in bin/; obj/ is build state the plugin does not need.
        var bin = Path.Combine(source, "bin");
        if (Directory.Exists(bin))
        {
            CopyDirectory(bin, Path.Combine(target, "bin"));
        }
    }

    private static string Figures(WatchdogEvent e) => $"{Name(e.Resource)} {Format(e.Resource, e.Observed)} (limit {Format(e.Resource, e.Limit)}{Held(e)})";

    // The CPU figure is the use the cgroup measured: under a quota it cannot pass the share, so the kernel's throttled
    // periods are what says the spinner wanted more. Not on the throttle line, which names the quota in its mechanism
    // (and would wrap at the captured width).
    private static string Held(WatchdogEvent e) =>
        e.Resource == WatchdogResource.CpuPercent && e.Kind != WatchdogEventKind.Throttled && e.Usage is { CpuThrottledPeriodsPercent: { } held, CpuQuotaPercent: { } quota }
            ? string.Create(CultureInfo.InvariantCulture, $"; held at its {quota:0.#} % quota in {held:0} % of periods")
            : "";

    private static string Name(WatchdogResource resource) => resource switch
    {
        WatchdogResource.Memory => "memory",
        WatchdogResource.CpuPercent => "CPU",
        WatchdogResource.CpuTime => "CPU time",
        WatchdogResource.Disk => "disk",
        WatchdogResource.OpenFiles => "open files",
        WatchdogResource.Threads => "threads",
        WatchdogResource.Processes => "processes",
        _ => "reported",
    };

    private static string Format(WatchdogResource resource, double? value) => value is not { } v
        ? "-"
        : resource switch
        {
            WatchdogResource.Memory or WatchdogResource.Disk => Rendering.UsageRenderer.Bytes((long)v),
            WatchdogResource.CpuPercent => string.Create(CultureInfo.InvariantCulture, $"{v:0.#} %"),
            WatchdogResource.CpuTime => string.Create(CultureInfo.InvariantCulture, $"{v:0.##} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{v:0}"),
        };

    private static string Seconds(TimeSpan at) => string.Create(CultureInfo.InvariantCulture, $"+{at.TotalSeconds:0.0}s");

    private sealed record SceneEvent(TimeSpan At, WatchdogEvent Event, string? Mechanism);
}
