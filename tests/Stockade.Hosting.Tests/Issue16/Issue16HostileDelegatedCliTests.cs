using System.Diagnostics;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue16;

/// <summary>
/// Issue 16, "as an unprivileged user with a delegated cgroup": root prepares a v1 subtree per controller (memory,
/// cpu, pids, freezer) under the test's own cgroups, owned by uid 65534, and starts <c>stockade run</c> as 65534
/// inside it, the way an operator delegates a subtree. The unprivileged host must put each worker in a cgroup of its
/// own beneath it (its own cgroup is writable), end each hostile plugin with exit 5 naming the resource, hold a memory
/// hog's peak within its limit + 10 %, and leave the subtree empty when it is done.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16HostileDelegatedCliTests : IDisposable
{
    private const int Nobody = 65534;
    private static readonly string[] Controllers = ["memory", "cpu", "pids", "freezer"];

    private readonly string _root;
    private readonly string _home;
    private readonly string _name = $"stockade-i16-{Guid.NewGuid():N}"[..24];
    private readonly Dictionary<string, string> _subtree = new(StringComparer.Ordinal);

    public Issue16HostileDelegatedCliTests()
    {
        _root = Directory.CreateTempSubdirectory("stockade-i16-deleg-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _home = Path.Combine(_root, "home");
        Directory.CreateDirectory(_home);
        Chown(_home);
    }

    [Issue16DelegatedFact]
    public Task PythonSharedMemoryHog_UnprivilegedHost_Exits5_PeakWithinLimit_SubtreeLeftEmpty() =>
        RunAsync(Issue16.PythonSample, "hogShared", "{ memoryMb: 128, openFiles: 64 }", "{}", null, "memory", 128);

    [Issue16DelegatedFact]
    public Task CSharpNativeHog_UnprivilegedHost_Exits5_PeakWithinLimit_SubtreeLeftEmpty() =>
        RunAsync(Issue16.CSharpSample, "hogNative", "{ memoryMb: 192, openFiles: 128 }", "{}", null, "memory", 192);

    [Issue16DelegatedFact]
    public Task CpuTimeSpinner_UnprivilegedHost_Exits5NamingCpu() =>
        RunAsync(Issue16.PythonSample, "spin", "{ memoryMb: 128, openFiles: 64, cpuTimeSeconds: 2 }", "{}", null, "cpu", 2);

    [Issue16DelegatedFact]
    public Task ForkBomb_UnprivilegedHost_Exits5NamingProcesses_NoChildLeft() =>
        RunAsync(Issue16.PythonSample, "forkBomb", "{ memoryMb: 256, openFiles: 64, processes: 8 }", """{"cap":64,"seconds":40}""", "subprocess:execute=/usr/bin/sleep", "tasks", 8);

    public void Dispose()
    {
        // Whatever the host left: end it, then remove the subtree from the leaves up.
        foreach (var (_, dir) in _subtree)
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var leaf in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).Append(dir).OrderByDescending(d => d.Length))
            {
                KillAllIn(leaf);
                try
                {
                    Directory.Delete(leaf);
                }
                catch (IOException)
                {
                }
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task RunAsync(string sample, string method, string resources, string input, string? grant, string resource, long limit)
    {
        CreateSubtree();
        var plugin = Copy(sample, $"t.{method.ToLowerInvariant()}", resources, grant);
        var own = _subtree.ToDictionary(p => p.Key, p => p.Value[(Cgroups.Root.Length + 1 + p.Key.Length)..], StringComparer.Ordinal);
        await using var spy = new CgroupSpy(_home, own);

        string[] args = grant is null
            ? ["run", plugin, method, "--input", input]
            : ["run", plugin, method, "--input", input, "--grant", grant];
        Run result;
        try
        {
            result = await RunAsNobodyInSubtreeAsync(args);
        }
        finally
        {
            Issue16.KillAll(plugin); // a bomb's children never outlive the test, whatever the host did
        }

        result.ExitCode.ShouldBe(5, $"{method} under {resources}, unprivileged host in a delegated subtree:\n{result}\n{spy.Describe()}");
        Issue16.Names(result.Stderr, resource).ShouldBeTrue($"the error does not name {resource}: {result.Stderr}");
        Issue16.HasFigure(result.Stderr, limit).ShouldBeTrue($"the error does not give the limit ({limit}): {result.Stderr}");

        var memory = _subtree["memory"];
        spy.WorkerCgroupDirectories.ShouldNotBeEmpty($"no worker sat in a cgroup of its own beneath the delegated subtree: {spy.Describe()}");
        spy.WorkerCgroupDirectories.ShouldAllBe(d => _subtree.Values.Any(s => d.StartsWith(s + "/", StringComparison.Ordinal)),
            $"a worker cgroup outside the delegated subtree: {spy.Describe()}");
        if (resource == "memory")
        {
            spy.SawWorkerMemoryCgroup.ShouldBeTrue($"the worker had no memory cgroup of its own under {memory}: {spy.Describe()}");
            spy.PeakMemoryBytes!.Value.ShouldBeLessThanOrEqualTo((long)(limit * 1024 * 1024 * Issue16.MemorySlack), spy.Describe());
        }

        if (resource == "tasks")
        {
            (await Issue15.Issue15.WaitNoProcessesAsync(_home)).ShouldBeEmpty("a child of the bomb outlived the run");
        }

        // Before: an empty subtree. After: empty again (every worker cgroup removed once its worker is gone).
        foreach (var (controller, dir) in _subtree)
        {
            (await Issue16.WaitGoneAsync(Directory.EnumerateDirectories(dir).ToList(), TimeSpan.FromSeconds(5)))
                .ShouldBeEmpty($"worker cgroups left under the delegated {controller} subtree");
        }
    }

    private void CreateSubtree()
    {
        var own = Cgroups.OfSelf();
        foreach (var controller in Controllers)
        {
            var mount = Path.Combine(Cgroups.Root, controller);
            if (!own.TryGetValue(controller, out var path) || !Directory.Exists(mount))
            {
                continue;
            }

            var dir = mount + path.TrimEnd('/') + "/" + _name;
            Directory.CreateDirectory(dir);
            _subtree[controller] = dir;
            Chown(dir);
            foreach (var file in new[] { "cgroup.procs", "tasks", "notify_on_release" })
            {
                if (File.Exists(Path.Combine(dir, file)))
                {
                    Chown(Path.Combine(dir, file));
                }
            }
        }

        _subtree.ShouldContainKey("memory");
    }

    /// <summary>
    /// A shell that moves itself into the delegated subtree (one cgroup.procs per controller), then becomes uid 65534
    /// and execs the CLI: the host starts where an operator's delegation would put it.
    /// </summary>
    private async Task<Run> RunAsNobodyInSubtreeAsync(string[] args)
    {
        var join = string.Join("; ", _subtree.Values.Select(d => $"echo $$ > {d}/cgroup.procs"));
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"{join}; exec /usr/bin/setpriv --reuid={Nobody} --regid={Nobody} --clear-groups -- \"$@\"");
        start.ArgumentList.Add("sh");
        foreach (var a in new[] { Issue15.Issue15.Dotnet, Issue15.Issue15.CliAssembly, "--home", _home }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HOME"] = _home;
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["NO_COLOR"] = "1";
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

        return new Run(process.ExitCode, await stdout, await stderr);
    }

    private string Copy(string sample, string id, string resources, string? grant)
    {
        using var world = new HostWorld();
        var permissions = grant is null ? "[]" : $"\n    - permission: {grant}\n      reason: the bomb is granted subprocess";
        var folder = sample == Issue16.PythonSample
            ? Issue16.Python(world, id, resources, permissions, "{ init: 30s, call: 60s, hook: 5s }")
            : Issue16.CSharp(world, id, resources, "{ init: 30s, call: 60s, hook: 5s }");
        var target = Path.Combine(_root, id);
        CopyTree(folder, target);
        return target;
    }

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            var copy = Path.Combine(target, Path.GetFileName(file));
            File.Copy(file, copy, overwrite: true);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(file));
        }

        foreach (var dir in Directory.EnumerateDirectories(source))
        {
            CopyTree(dir, Path.Combine(target, Path.GetFileName(dir)));
        }
    }

    private static void KillAllIn(string cgroup)
    {
        try
        {
            foreach (var line in File.ReadAllLines(Path.Combine(cgroup, "cgroup.procs")))
            {
                if (int.TryParse(line, out var pid))
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
        }
        catch (IOException)
        {
        }
    }

    private static void Chown(string path)
    {
        if (lchown(path, Nobody, Nobody) != 0)
        {
            throw new IOException($"chown {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int lchown(string path, int owner, int group);

    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }
}

/// <summary>Needs root (to delegate), a v1 memory hierarchy (the set-up here is v1's) and setpriv; skipped with the reason otherwise.</summary>
internal sealed class Issue16DelegatedFactAttribute : FactAttribute
{
    public Issue16DelegatedFactAttribute()
    {
        if (Cgroups.Unavailable() is { } reason)
        {
            Skip = reason;
        }
        else if (!Cgroups.V1)
        {
            Skip = "the delegated subtree is set up here for cgroup v1 (this machine's); a v2 delegation is systemd's (Delegate=yes)";
        }
        else if (!File.Exists("/usr/bin/setpriv"))
        {
            Skip = "needs /usr/bin/setpriv to run the CLI as uid 65534";
        }
    }
}
