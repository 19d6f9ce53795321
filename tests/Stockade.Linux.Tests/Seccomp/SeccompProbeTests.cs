using System.Text.Json;
using Stockade.Linux.Launch;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Seccomp;

/// <summary>
/// A .NET child (tests/Stockade.Linux.Tests.Probe) started through the launcher with Landlock, which then
/// installs the worker seccomp filter with TSYNC, audits its threads and runs the canary: the full
/// stage 1 + stage 2 confinement a worker gets.
/// </summary>
public sealed class SeccompProbeTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string DotnetRoot = "/usr/share/dotnet";

    public static TheoryData<string> Identities => new() { "root", "nobody", "setpriv-nobody" };

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Worker_UnderLandlockAndSeccomp_BlocksEveryCanaryOnEveryThread(string identity)
    {
        ProcessResult result = LaunchProbe(identity, "confine");

        result.ExitCode.ShouldBe(0, result.StandardError);
        using JsonDocument json = JsonDocument.Parse(result.StandardOutput);
        JsonElement root = json.RootElement;
        root.GetProperty("allThreadsInFilterMode").GetBoolean().ShouldBeTrue(root.GetProperty("unconfinedThreads").ToString());
        root.GetProperty("threadCount").GetInt32().ShouldBeGreaterThan(1);
        root.GetProperty("canaryAllBlocked").GetBoolean().ShouldBeTrue(root.GetProperty("canary").ToString());
        root.GetProperty("managedSocket").GetString().ShouldBe("SocketException AccessDenied");
        root.GetProperty("processStart").GetString().ShouldStartWith("Win32Exception");
        root.GetProperty("newThread").GetString().ShouldBe("ok");
    }

    [LandlockAsRootTheory]
    [InlineData("root", false)]
    [InlineData("nobody", false)]
    [InlineData("setpriv-nobody", false)]
    [InlineData("nobody", true)]
    public void Worker_UnderTheAllowList_RunsWhatAPluginRuntimeDoes(string identity, bool allowExec)
    {
        // GC under pressure, 64 threads, the thread pool, timers, Task.Delay, file I/O, crypto, JSON and, when
        // granted, Process.Start: a call missing from the .NET profile fails one of these steps.
        ProcessResult result = LaunchProbe(identity, "workload", allowExec ? ["--allow-exec"] : []);

        result.StandardOutput.ShouldContain("failures=0", customMessage: result.StandardOutput + result.StandardError);
        result.ExitCode.ShouldBe(0, result.StandardError);
        if (allowExec)
        {
            result.StandardOutput.ShouldContain("process=ok");
        }
    }

    [LandlockAsRootFact]
    public void Worker_X32Syscall_IsKilledBySigsys()
    {
        ProcessResult result = LaunchProbe("nobody", "x32");

        result.StandardOutput.ShouldNotContain("survived");
        result.ExitCode.ShouldBe(128 + 31);
    }

    private ProcessResult LaunchProbe(string identity, string mode, string[]? extra = null)
    {
        string probeDirectory = CopyProbe();
        var rules = DotnetRuntimeRules.For(DotnetRoot, probeDirectory, [sandbox.Writable]).ToList();
        rules.Add(SandboxFixture.Rule("/usr/bin/echo", Stockade.Linux.Landlock.LandlockFsAccess.ReadFile, Stockade.Linux.Landlock.LandlockFsAccess.Execute));
        var spec = new LaunchSpec
        {
            Executable = $"{DotnetRoot}/dotnet",
            Arguments = ["dotnet", Path.Combine(probeDirectory, "Stockade.Linux.Tests.Probe.dll"), mode, "--read", sandbox.Secret, "--write-dir", mode == "workload" ? sandbox.Writable : sandbox.Outside, .. extra ?? []],
            WorkingDirectory = sandbox.Writable,
            Rlimits = new LaunchRlimits { OpenFiles = 256, FileSizeBytes = 256L << 20, CoreBytes = 0 },
            Landlock = new LaunchLandlock
            {
                PathRules = rules,
                PinPaths = DotnetRuntimeRules.PinPaths,
            },
            User = identity == "nobody" ? new LaunchUser { Uid = SandboxFixture.Nobody, Gid = SandboxFixture.Nobody } : null,
            ParentDeathSignal = 9,
            ExpectedParentPid = Environment.ProcessId,
        };

        return sandbox.Launch(spec, throughSetpriv: identity == "setpriv-nobody", environment: new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOME"] = sandbox.Writable,
            ["TMPDIR"] = sandbox.Writable,
            ["DOTNET_EnableDiagnostics"] = "0",
            ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",
            ["DOTNET_gcServer"] = "0",
            ["DOTNET_LTTng"] = "0",
        });
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
}
