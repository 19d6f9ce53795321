using System.Text.Json;
using Stockade.Hosting.Tests.Host;
using Stockade.Hosting.Tests.Issue15;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// An attacker's pass on issue 16 through the host API, with hostile methods of the Python sample: a plugin that tries
/// to leave or loosen its cgroups (join its parent's or the root's cgroup.procs and tasks, raise memory.limit_in_bytes
/// and pids.max, set notify_on_release, write release_agent, make a child cgroup), children that try to outlive the
/// worker (double fork, setsid, a new process group, signals ignored, a respawner that keeps replacing itself), and
/// stderr full of terminal control text. Root host with the plugin's own uid, and workers as uid 65534.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16AttackTests
{
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// No write to any cgroup file, no join of another cgroup, no child cgroup: each attempt fails (Landlock, file mode or
    /// the kernel). Sandboxed only: strict adds namespaces to the same Landlock domain, and refuses this unsigned sample.
    /// </summary>
    [Issue16CgroupTheory]
    [InlineData("sandboxed", null)]
    [InlineData("sandboxed", 65534)]
    public async Task Plugin_CannotWriteJoinOrLeaveAnyCgroup(string level, int? workerUid)
    {
        await using var w = new Issue15World(workerUid, Issue16.Configure);
        var folder = Issue16.Python(w.World, "t.cgescape", "{ memoryMb: 128, openFiles: 64, processes: 4 }");
        await using var spy = new CgroupSpy(folder, orMarker: Path.Combine(w.Home, "temp", "t.cgescape"));
        await w.Host.LoadAsync(folder, new PluginLoadOptions { Level = level });
        var pid = await spy.WorkerAsync(TimeSpan.FromSeconds(10));
        var before = Cgroups.Of(pid);

        var result = await w.Host.InvokeAsync("t.cgescape", "cgroupEscape").WaitAsync(CallBound);

        var text = result.GetRawText();
        if (result.TryGetProperty("escaped", out var escaped))
        {
            escaped.EnumerateArray().Select(e => e.GetString()).ShouldBeEmpty($"the plugin wrote to or joined a cgroup ({level}, uid {workerUid?.ToString() ?? "own"}): {text}");
            result.GetProperty("tried").EnumerateObject().Count().ShouldBeGreaterThan(0, text);
        }
        else
        {
            result.TryGetProperty("refused", out _).ShouldBeTrue(text);
        }

        // Whatever it tried, it still sits in the cgroups it was put in.
        if (Issue15.Issue15.IsAlive(pid))
        {
            Cgroups.Of(pid).OrderBy(c => c.Key).ShouldBe(before.OrderBy(c => c.Key), $"the worker's cgroups changed: {text}");
        }

        spy.MemoryLimitBytes!.Value.ShouldBeLessThanOrEqualTo(128L * 1024 * 1024, spy.Describe());
    }

    /// <summary>
    /// Children that try every way to outlive their worker (granted subprocess): all die when the worker is stopped, and
    /// all die when the worker exits by itself and leaves them behind (no host kill: only the cgroup's removal holds them).
    /// </summary>
    [Issue16CgroupTheory]
    [InlineData("unload", null)]
    [InlineData("selfExit", null)]
    [InlineData("unload", 65534)]
    [InlineData("selfExit", 65534)]
    public async Task EscapingChildren_DieWithTheWorker(string end, int? workerUid)
    {
        await using var w = new Issue15World(workerUid, Issue16.Configure);
        var folder = Issue16.Python(w.World, "t.escapers", "{ memoryMb: 256, openFiles: 64, processes: 16 }",
            permissions: "\n    - permission: subprocess:execute=/usr/bin/sleep\n      reason: the escapers are granted subprocess");
        await using var spy = new CgroupSpy(folder, orMarker: Path.Combine(w.Home, "temp", "t.escapers"));
        await w.Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed", Grants = ["subprocess:execute=/usr/bin/sleep"] });
        await spy.WorkerAsync(TimeSpan.FromSeconds(10));
        List<int> children = [];
        try
        {
            var result = await w.Host.InvokeAsync("t.escapers", "escapers").WaitAsync(CallBound);
            children = [.. result.GetProperty("children").EnumerateArray().Select(e => e.GetInt32())];
            children.Count.ShouldBe(4, result.GetRawText());
            var started = children.ToDictionary(p => p, StartTimeOf);
            await Task.Delay(300); // the respawner moves on a few times

            if (end == "unload")
            {
                await w.Host.UnloadAsync("t.escapers");
            }
            else
            {
                // The worker ends itself (exit 1, as the liar does) and leaves its children running.
                var error = await Record.ExceptionAsync(() => w.Host.InvokeAsync("t.escapers", "liar").WaitAsync(CallBound));
                error.ShouldNotBeNull();
            }

            var left = await Issue15.Issue15.WaitNoProcessesAsync(folder);
            left.ShouldBeEmpty($"a child outlived its worker ({end}, uid {workerUid?.ToString() ?? "own"})");
            foreach (var (pid, start) in started)
            {
                (Issue15.Issue15.IsAlive(pid) && StartTimeOf(pid) == start).ShouldBeFalse($"child {pid} outlived its worker ({end}): {Issue16.DescribeProcesses([pid])}");
            }

            (await Issue16.WaitGoneAsync(spy.WorkerCgroupDirectories, Issue15.Issue15.ProcessGoneWithin)).ShouldBeEmpty("a worker's cgroup outlived its worker");
        }
        finally
        {
            Issue16.KillAll(folder);
        }
    }

    /// <summary>
    /// A plugin's stderr with terminal control text (OSC title, clear screen, colours, C1 CSI, bidi override, CR, an
    /// overlong line, OSC 8 links): what the host keeps and hands on (the exception's <c>WorkerOutput</c>, its message)
    /// holds none of it raw, and the overlong line is cut.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData(65534)]
    public async Task StderrControlText_IsNeverKeptOrHandedOnRaw(int? workerUid)
    {
        await using var w = new Issue15World(workerUid, Issue16.Configure);
        var folder = Issue16.Python(w.World, "t.escapes", "{ memoryMb: 128, openFiles: 64 }");
        await w.Host.LoadAsync(folder, new PluginLoadOptions { Level = "sandboxed" });

        var error = await Record.ExceptionAsync(() => w.Host.InvokeAsync("t.escapes", "stderrEscapes", HostWorld.Json(new { @long = 100000 })).WaitAsync(CallBound));

        var failed = error.ShouldBeOfType<PluginFailedException>($"{error?.GetType().Name}: {error?.Message}");
        failed.Kind.ShouldBe(PluginFailureKind.Crashed);
        failed.WorkerOutput.ShouldNotBeEmpty();
        string.Join("\n", failed.WorkerOutput).ShouldContain("\\x1b", customMessage: "the escape was dropped rather than shown");
        foreach (var text in failed.WorkerOutput.Append(failed.Message))
        {
            var raw = text.Where(c => c is < ' ' or '\u007f' or (>= '\u0080' and <= '\u009f') or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069')).ToList();
            raw.ShouldBeEmpty($"plugin control text kept raw: {string.Join(" ", raw.Select(c => $"U+{(int)c:X4}"))} in '{StderrText.Visible(text[..Math.Min(text.Length, 200)])}'");
            text.Length.ShouldBeLessThanOrEqualTo(4200, "an overlong stderr line was kept whole");
        }
    }

    /// <summary>
    /// Two root hosts on one machine (two homes: two stores) each allocate their plugins' uids from the same range. Before
    /// the machine-wide claims both gave their first plugins 0x70000000 and their second 0x70000001: a co-tenant host's
    /// plugin ran under the same uid as this host's (and the CI fork-bomb check counted a neighbour test's workers as
    /// the bomb's survivors).
    /// </summary>
    [Issue16CgroupFact] // root: only a root host gives plugins uids of their own
    public async Task TwoHosts_NeverGiveTheirPluginsTheSameUid()
    {
        await using var one = new Issue15World(null, Issue16.Configure);
        await using var two = new Issue15World(null, Issue16.Configure);
        int?[] uids =
        [
            one.Host.WorkerIdentityOf("t.first").Uid, one.Host.WorkerIdentityOf("t.second").Uid,
            two.Host.WorkerIdentityOf("t.first").Uid, two.Host.WorkerIdentityOf("t.second").Uid,
        ];

        uids.ShouldAllBe(u => u != null);
        uids.Distinct().Count().ShouldBe(4, $"two hosts gave their plugins the same uid: {string.Join(", ", uids)}");
        one.Host.WorkerIdentityOf("t.first").Uid.ShouldBe(uids[0], "a plugin keeps its uid");
    }

    /// <summary>The host-side escape: controls and format characters become visible, printable text (emoji included) passes.</summary>
    [Fact]
    public void StderrText_MakesControlsVisible_AndLeavesPrintableText()
    {
        StderrText.Visible("plain text é 漢字 😀").ShouldBe("plain text é 漢字 😀");
        StderrText.Visible("\u001b]0;t\u0007\u001b[2J\u009b31m\u202eevil\u202c\r\u2028\u00ad").ShouldBe("\\x1b]0;t\\x07\\x1b[2J\\x9b31m\\u202eevil\\u202c\\r\\u2028\\xad");
        StderrText.Visible("tag \U000E0041").ShouldBe("tag \\U000e0041");
        StderrText.Visible("lone \ud800 x").ShouldBe("lone \\ud800 x");
    }

    private static long? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
