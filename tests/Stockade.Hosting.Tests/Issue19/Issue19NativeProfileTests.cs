using Stockade.Hosting.Workers;
using Stockade.Linux.Launch;
using Stockade.Linux.Seccomp;
using Stockade.Plugin.Serving;
using static Stockade.Linux.Interop.SyscallTable;

namespace Stockade.Hosting.Tests.Issue19;

/// <summary>The NativeAOT seccomp profile and how a <c>runtime: native</c> launch is planned.</summary>
[Trait("Issue", "19")]
public class Issue19NativeProfileTests
{
    [Fact]
    public void NativeAotProfile_AllowsTheGcBarrier_AndNoJitMemoryFile()
    {
        var aot = WorkerSeccompPolicy.Rules(SeccompProfile.NativeAot, allowExec: false, selfPid: Environment.ProcessId, launcherExecFilename: 0x1000);
        var jit = WorkerSeccompPolicy.Rules(SeccompProfile.Dotnet, allowExec: false, selfPid: Environment.ProcessId, launcherExecFilename: null);

        aot.ShouldContain(r => r.Nr == membarrier && r.Action == SeccompAction.Allow);
        aot.ShouldNotContain(r => r.Nr == memfd_create, "no JIT, so no W^X double mapping: memfd_create stays denied");
        jit.ShouldContain(r => r.Nr == memfd_create);
        aot.ShouldNotContain(r => r.Nr == socket || r.Nr == fork || r.Nr == vfork || r.Nr == ptrace);
    }

    [Fact]
    public void NativePlugin_IsLaunchedAsAnExecutable_UnderTheNativeAotProfile()
    {
        var folder = Directory.CreateTempSubdirectory("stockade-i19-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "plugin"), string.Empty);
            var request = new WorkerLaunchRequest
            {
                PluginId = "t.native",
                IsDotnet = false,
                IsNativeAot = true,
                PluginDirectory = folder,
                Entry = "plugin",
                DataDirectory = Path.Combine(folder, "data"),
                TempDirectory = Path.Combine(folder, "temp"),
                Landlock = true,
                Seccomp = true,
                Resources = Stockade.Core.Manifest.ResourceLimits.Default with { MemoryMb = 96 },
            };
            Directory.CreateDirectory(request.DataDirectory);
            Directory.CreateDirectory(request.TempDirectory);

            var spec = WorkerLaunchPlanner.BuildSpec(request, WorkerRuntime.Locate(null), Environment.ProcessId);
            var env = WorkerLaunchPlanner.BuildEnvironment(request);

            spec.Executable.ShouldBe(Path.Combine(folder, "plugin"));
            spec.Arguments.ShouldBe([Path.Combine(folder, "plugin")]);
            spec.Seccomp.ShouldNotBeNull().Profile.ShouldBe(SeccompProfile.NativeAot);
            spec.Landlock.ShouldNotBeNull().PathRules.ShouldContain(r => r.Path == Path.Combine(folder, "plugin"));
            env.ShouldContainKey("DOTNET_GCHeapHardLimit"); // the AOT GC gets the same cap as the JIT worker
            env["DOTNET_gcServer"].ShouldBe("0");
            env.ShouldNotContainKey(KernelReport.DescriptorVariable);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The attack (an attacker's pass): a "native" plugin naming an interpreter ran /usr/bin/bash with its entry as the
    /// script, under a manifest warning that said the interpreter was ignored. The planner execs a native entry itself.
    /// </summary>
    [Fact]
    public void NativePlugin_NamingAnInterpreter_StillExecsItsEntry()
    {
        var folder = Directory.CreateTempSubdirectory("stockade-i19-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "plugin"), string.Empty);
            var request = new WorkerLaunchRequest
            {
                PluginId = "t.native",
                IsDotnet = false,
                IsNativeAot = true,
                Interpreter = "/usr/bin/bash",
                PluginDirectory = folder,
                Entry = "plugin",
                DataDirectory = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName,
                TempDirectory = Directory.CreateDirectory(Path.Combine(folder, "temp")).FullName,
                Landlock = true,
                Seccomp = true,
            };

            var spec = WorkerLaunchPlanner.BuildSpec(request, WorkerRuntime.Locate(null), Environment.ProcessId);

            spec.Executable.ShouldBe(Path.Combine(folder, "plugin"));
            spec.Arguments.ShouldBe([Path.Combine(folder, "plugin")]);
            spec.Landlock.ShouldNotBeNull().PathRules.ShouldNotContain(r => r.Path.Contains("bash", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ServerExitCodes_AreTheSandboxTablesValues()
    {
        ServerExitCodes.Success.ShouldBe(SandboxExitCodes.Success);
        ServerExitCodes.Usage.ShouldBe(SandboxExitCodes.WorkerUsage);
        ServerExitCodes.BadPlugin.ShouldBe(SandboxExitCodes.WorkerBadPlugin);
        ServerExitCodes.HostProtocolViolation.ShouldBe(SandboxExitCodes.WorkerHostProtocolViolation);
    }
}
