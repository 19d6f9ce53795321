using System.Globalization;
using System.Text.Json;
using Stockade.Linux.Cgroups;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cgroups;

/// <summary>
/// Issue 16 as an unprivileged host: root makes a v1 subtree under the test's own cgroup in every controller, chowns it
/// to uid 65534 and moves a shell there, which becomes 65534 (setpriv) and runs a host in miniature (the probe's
/// cgroup-host mode). That host finds its own, now writable, cgroups, makes the worker's cgroup in them, and the
/// hostile workloads are held there as they are for root.
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16CgroupUnprivilegedTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly List<string> _subtree = [];

    [CgroupV1Fact]
    public void MemoryHog_Private_IsKilledAtItsLimitInADelegatedSubtree() => Hog("private");

    [CgroupV1Fact]
    public void MemoryHog_Shared_IsKilledAtItsLimitInADelegatedSubtree() => Hog("shared");

    [CgroupV1Fact]
    public void ForkBomb_IsHeldByPidsMaxInADelegatedSubtree()
    {
        JsonElement run = RunAsNobody(4, "-", "-", "24", "forkbomb", "2");

        run.GetProperty("tasksWhileRunning").GetInt64().ShouldBeLessThanOrEqualTo(24, run.ToString());
        run.GetProperty("tasksLimitHits").GetInt64().ShouldBeGreaterThan(0, run.ToString());
        run.GetProperty("tasksAfterKill").GetInt64().ShouldBe(0, run.ToString());
        run.GetProperty("removed").GetBoolean().ShouldBeTrue(run.ToString());
    }

    [CgroupV1Fact]
    public void Spinner_IsHeldAtItsShareInADelegatedSubtree()
    {
        JsonElement run = RunAsNobody(60, "-", "25", "-", "spin", "3");

        run.GetProperty("exitCode").GetInt32().ShouldBe(0, run.ToString());
        double share = run.GetProperty("cpuSeconds").GetDouble() / run.GetProperty("wallSeconds").GetDouble();
        share.ShouldBeLessThanOrEqualTo(0.25 * 1.5, run.ToString());
        run.GetProperty("throttledSeconds").GetDouble().ShouldBeGreaterThan(0, run.ToString());
    }

    private void Hog(string kind)
    {
        JsonElement run = RunAsNobody(60, (64 * MiB).ToString(CultureInfo.InvariantCulture), "-", "-", kind, "512");

        run.GetProperty("exitCode").GetInt32().ShouldBe(137, run.ToString());
        run.GetProperty("oomKills").GetInt64().ShouldBeGreaterThanOrEqualTo(1, run.ToString());
        run.GetProperty("memoryPeak").GetInt64().ShouldBeLessThanOrEqualTo((long)(64 * MiB * 1.1), run.ToString());
        run.GetProperty("removed").GetBoolean().ShouldBeTrue(run.ToString());
    }

    private JsonElement RunAsNobody(double seconds, string memory, string cpu, string tasks, params string[] workload)
    {
        string program = CgroupHostileProgram.In(sandbox.Bin);
        string probe = CopyProbe();
        MakeSubtree();
        string join = string.Join("; ", _subtree.Select(d => $"echo $$ > {d}/cgroup.procs"));
        ProcessResult result = NativeProgram.Run("/bin/sh",
        [
            "-c", join + "; exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups -- \"$@\"", "sh",
            "/usr/share/dotnet/dotnet", Path.Combine(probe, "Stockade.Linux.Tests.Probe.dll"), "cgroup-host", sandbox.Launcher,
            seconds.ToString(CultureInfo.InvariantCulture), memory, cpu, tasks, program, .. workload,
        ], new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["HOME"] = sandbox.Writable, ["USER"] = "nobody" });

        result.ExitCode.ShouldBe(0, result.StandardError);
        JsonElement run = JsonDocument.Parse(result.StandardOutput).RootElement;
        run.GetProperty("kind").GetString().ShouldBe("V1", run.ToString());
        (run.GetProperty("description").GetString() ?? "").ShouldContain("stockade-unpriv-", customMessage: "the host used its delegated subtree");
        return run;
    }

    // Root's part: a directory in every controller under the test's own cgroup, owned by 65534, as an operator would delegate it.
    private void MakeSubtree()
    {
        string name = "stockade-unpriv-" + Guid.NewGuid().ToString("N")[..8];
        Dictionary<string, string> own = CgroupHierarchy.OwnPaths();
        foreach ((string controller, string mount) in CgroupHierarchy.V1Mounts())
        {
            string directory = Path.Combine(CgroupHierarchy.Join(mount, own.GetValueOrDefault(controller) ?? "/"), name);
            if (_subtree.Contains(directory))
            {
                continue;
            }

            Directory.CreateDirectory(directory);
            _subtree.Add(directory);
            foreach (string path in new[] { directory, Path.Combine(directory, "cgroup.procs"), Path.Combine(directory, "tasks") })
            {
                Interop.Check(Interop.lchown(path, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown " + path);
            }
        }
    }

    private string CopyProbe()
    {
        string target = Path.Combine(sandbox.Root, "probe");
        lock (sandbox)
        {
            if (!Directory.Exists(target))
            {
                Directory.CreateDirectory(target);
                foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "probe")))
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                }

                File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
            }
        }

        return target;
    }

    public void Dispose()
    {
        foreach (string directory in _subtree)
        {
            // The shell that joined it has exited; whatever the probe left would show as a failed removal.
            CgroupFile.TryRemoveDirectory(directory, TimeSpan.FromSeconds(2)).ShouldBeTrue(directory);
        }
    }
}
