using System.Net;
using System.Net.Sockets;
using Stockade.Linux.Launch;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Launch;

/// <summary>
/// The real launcher, real kernel: each case runs as root, as uid 65534 through the spec's <c>user</c>, and
/// (where it makes sense) with the launcher itself started unprivileged through <c>setpriv</c>.
/// </summary>
public sealed class LauncherTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const int EPERM = 1, EACCES = 13;

    public static TheoryData<string> Identities => new() { "root", "nobody", "setpriv-nobody" };

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_AllowedFile_IsReadable(string identity)
    {
        ProcessResult result = Run(identity, Cat(sandbox.AllowedFile));

        result.ExitCode.ShouldBe(0, result.StandardError);
        result.StandardOutput.ShouldBe("hello from the allowed folder\n");
    }

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_PlantedFileOutsideRules_GetsEacces(string identity)
    {
        ProcessResult result = Run(identity, Cat(sandbox.Secret));

        result.ExitCode.ShouldBe(1);
        result.StandardOutput.ShouldBeEmpty();
        result.StandardError.ShouldContain("Permission denied");
    }

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_Probe_WritesOnlyInsideAndCannotConnectOrReachAbstractSockets(string identity)
    {
        using var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        using var abstractSocket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        string abstractName = $"stockade-test-{Guid.NewGuid():N}";
        abstractSocket.Bind(new UnixDomainSocketEndPoint("\0" + abstractName));
        abstractSocket.Listen();

        Dictionary<string, string> values = RunProbe(identity, abstractName, ((IPEndPoint)tcp.LocalEndpoint).Port);

        values["uid"].ShouldBe(identity == "root" ? "0" : "65534");
        values["read_secret"].ShouldBe($"{EACCES}");
        values["write_outside"].ShouldBe($"{EACCES}");
        values["write_inside"].ShouldBe("0");
        values["tcp_connect"].ShouldBe($"{EACCES}");
        values["abstract_connect"].ShouldBe($"{EPERM}");
    }

    [LandlockAsRootFact]
    public void Launch_AsRoot_SignalScopeDeniesKillOfParent()
    {
        // As root only: for uid 65534 the ordinary permission check would deny it anyway and prove nothing.
        Dictionary<string, string> values = RunProbe("root", "unused", 1);

        values["kill_parent"].ShouldBe($"{EPERM}");
    }

    [LandlockAsRootFact]
    public void Launch_WithConnectPortRule_AllowsThatPortOnly()
    {
        using var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
        LaunchSpec spec = Spec(sandbox.Probe, [sandbox.Probe, sandbox.Secret, sandbox.Outside, sandbox.Writable, "unused", $"{port}"],
            connectPorts: [port]);

        sandbox.Launch(spec).Values()["tcp_connect"].ShouldBe("0");
    }

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_Probe_HasPdeathsigAndOnlyInheritsStdioAndPins(string identity)
    {
        using var planted = new FileStream(sandbox.AllowedFile, FileMode.Open, FileAccess.Read);
        int plantedFd = (int)planted.SafeFileHandle.DangerousGetHandle();
        Stockade.Linux.Interop.KeepAcrossExec(plantedFd);

        Dictionary<string, string> values = RunProbe(identity, "unused", 1);

        values["pdeathsig"].ShouldBe("9");
        string[] fds = values["fds"].TrimEnd(',').Split(',');
        fds.ShouldNotContain($"{plantedFd}");
        fds.Take(3).ShouldBe(["0", "1", "2"]);
        fds.Length.ShouldBe(4, $"stdio and the /proc/self pin, got {values["fds"]}");
    }

    [LandlockAsRootFact]
    public void Launch_ListedInheritFd_SurvivesExec()
    {
        using var planted = new FileStream(sandbox.AllowedFile, FileMode.Open, FileAccess.Read);
        int plantedFd = (int)planted.SafeFileHandle.DangerousGetHandle();
        Stockade.Linux.Interop.KeepAcrossExec(plantedFd);
        LaunchSpec spec = Spec(sandbox.Probe, [sandbox.Probe, sandbox.Secret, sandbox.Outside, sandbox.Writable, "unused", "1"], inheritFds: [0, 1, 2, plantedFd]);

        sandbox.Launch(spec).Values()["fds"].Split(',').ShouldContain($"{plantedFd}");
    }

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_Rlimits_AreVisibleInTheChildsProcLimits(string identity)
    {
        ProcessResult result = Run(identity, Cat("/proc/self/limits"), new LaunchRlimits
        {
            OpenFiles = 200,
            FileSizeBytes = 32L << 20,
            DataBytes = 256L << 20,
            CoreBytes = 0,
            CpuSeconds = 30,
        });

        result.ExitCode.ShouldBe(0, result.StandardError);
        result.StandardOutput.ShouldMatch(@"Max open files\s+200\s+200");
        result.StandardOutput.ShouldMatch($@"Max file size\s+{32L << 20}\s+{32L << 20}");
        result.StandardOutput.ShouldMatch($@"Max data size\s+{256L << 20}\s+{256L << 20}");
        result.StandardOutput.ShouldMatch(@"Max core file size\s+0\s+0");
        result.StandardOutput.ShouldMatch(@"Max cpu time\s+30\s+30");
    }

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_Always_SetsNoNewPrivs(string identity)
    {
        ProcessResult result = Run(identity, Cat("/proc/self/status"));

        result.ExitCode.ShouldBe(0, result.StandardError);
        result.StandardOutput.ShouldMatch(@"NoNewPrivs:\s+1");
        result.StandardOutput.ShouldMatch(identity == "root" ? @"Uid:\s+0\s" : @"Uid:\s+65534\s+65534\s+65534\s+65534");
    }

    [LandlockAsRootFact]
    public void Launch_RequiredLandlockAboveKernelAbi_Exits71WithReason()
    {
        LaunchSpec spec = Cat(sandbox.AllowedFile, minimumAbi: 99);

        ProcessResult result = sandbox.Launch(spec);

        result.ExitCode.ShouldBe(SandboxExitCodes.LauncherConfinementUnavailable);
        result.StandardOutput.ShouldBeEmpty();
        result.StandardError.ShouldStartWith("stockade-launcher: Landlock is required");
    }

    [LandlockAsRootFact]
    public void Launch_RuleOnMissingPath_Exits70NamingThePath()
    {
        LaunchSpec spec = Spec("/bin/cat", ["cat", sandbox.AllowedFile], extraRule: SandboxFixture.Rule("/nonexistent/stockade", Stockade.Linux.Landlock.LandlockFsAccess.ReadFile));

        ProcessResult result = sandbox.Launch(spec);

        result.ExitCode.ShouldBe(SandboxExitCodes.LauncherSetupFailure);
        result.StandardError.ShouldContain("/nonexistent/stockade");
    }

    [LandlockAsRootFact]
    public void Launch_UnknownUserSwitchWhenUnprivileged_Exits70()
    {
        LaunchSpec spec = Spec("/bin/cat", ["cat", sandbox.AllowedFile], user: new LaunchUser { Uid = 1234, Gid = 1234 });

        ProcessResult result = sandbox.Launch(spec, throughSetpriv: true);

        result.ExitCode.ShouldBe(SandboxExitCodes.LauncherSetupFailure);
        result.StandardError.ShouldContain("not root");
    }

    [LandlockAsRootFact]
    public void Launch_GarbageSpec_Exits70WithUsage()
    {
        ProcessResult result = NativeProgram.Run(sandbox.Launcher, ["--spec", "%%%"]);

        result.ExitCode.ShouldBe(SandboxExitCodes.LauncherSetupFailure);
        result.StandardError.ShouldStartWith("stockade-launcher: ");
    }

    private Dictionary<string, string> RunProbe(string identity, string abstractName, int port)
    {
        LaunchSpec spec = Spec(sandbox.Probe, [sandbox.Probe, sandbox.Secret, sandbox.Outside, sandbox.Writable, abstractName, $"{port}"],
            user: identity == "nobody" ? new LaunchUser { Uid = SandboxFixture.Nobody, Gid = SandboxFixture.Nobody } : null);
        ProcessResult result = sandbox.Launch(spec, throughSetpriv: identity == "setpriv-nobody");
        result.ExitCode.ShouldBe(0, result.StandardError);
        return result.Values();
    }

    private ProcessResult Run(string identity, LaunchSpec spec)
    {
        if (identity == "nobody")
        {
            spec.User = new LaunchUser { Uid = SandboxFixture.Nobody, Gid = SandboxFixture.Nobody };
        }

        return sandbox.Launch(spec, throughSetpriv: identity == "setpriv-nobody");
    }

    private ProcessResult Run(string identity, LaunchSpec spec, LaunchRlimits limits)
    {
        spec.Rlimits = limits;
        return Run(identity, spec);
    }

    private LaunchSpec Cat(string file, int? minimumAbi = null) => Spec("/bin/cat", ["cat", file], minimumAbi: minimumAbi);

    private LaunchSpec Spec(string executable, string[] arguments, LaunchUser? user = null, int? minimumAbi = null,
        int[]? connectPorts = null, int[]? inheritFds = null, LaunchPathRule? extraRule = null)
    {
        List<LaunchPathRule> rules = sandbox.BaseRules();
        if (extraRule is not null)
        {
            rules.Add(extraRule);
        }

        return new LaunchSpec
        {
            Executable = executable,
            Arguments = arguments,
            WorkingDirectory = sandbox.Root,
            Landlock = new LaunchLandlock
            {
                Required = true,
                MinimumAbi = minimumAbi,
                PathRules = rules,
                ConnectTcpPorts = connectPorts ?? [],
                PinPaths = ["/proc/self"],
            },
            User = user,
            ParentDeathSignal = 9,
            ExpectedParentPid = Environment.ProcessId,
            InheritFds = inheritFds ?? [0, 1, 2],
        };
    }
}
