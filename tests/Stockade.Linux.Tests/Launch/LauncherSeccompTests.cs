using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Stockade.Linux.Landlock;
using Stockade.Linux.Launch;
using Stockade.Linux.Seccomp;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Launch;

/// <summary>
/// An executable plugin (the Python interpreter) exec'd by the real launcher with <see cref="LaunchSpec.Seccomp"/>:
/// the launcher's own execve gets through, and afterwards the plugin cannot exec, fork, open IP sockets,
/// ptrace or unshare, as root, as uid 65534 through the spec's <c>user</c>, and with the launcher started
/// unprivileged.
/// </summary>
public sealed class LauncherSeccompTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const int EPERM = 1, EACCES = 13;
    private const string Python = "/usr/bin/python3";
    private const string Node = "/usr/bin/node";
    private static readonly LandlockFsAccess[] ReadWrite =
    [
        LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir, LandlockFsAccess.WriteFile, LandlockFsAccess.MakeReg, LandlockFsAccess.RemoveFile,
        LandlockFsAccess.Truncate,
    ];

    private const string ProbeScript = """
        import os, socket, sys, threading

        def attempt(name, action):
            try:
                action()
                print(name + "=0")
            except OSError as error:
                print(name + "=" + str(error.errno))
            sys.stdout.flush()

        def fork():
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)

        def libc_call(name, *args):
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            if getattr(libc, name)(*args) != 0:
                raise OSError(ctypes.get_errno(), name)

        def thread():
            worker = threading.Thread(target=lambda: None)
            worker.start()
            worker.join()

        print("uid=%d" % os.getuid())
        attempt("read_secret", lambda: open(sys.argv[1]).read())
        attempt("thread", thread)
        attempt("socket_unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close())
        attempt("socket_inet", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
        attempt("socket_inet6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close())
        attempt("fork", fork)
        attempt("unshare_user", lambda: libc_call("unshare", 0x10000000))
        # The interpreter itself is executable under Landlock, so only seccomp can refuse this.
        attempt("exec_self", lambda: os.execv(sys.executable, [sys.executable, "-c", "print('exec_self=ran')"]))
        attempt("exec_other", lambda: os.execv("/usr/bin/true", ["true"]))
        # Last, and reached only when exec was refused: a successful TRACEME would stop the next exec.
        attempt("ptrace_traceme", lambda: libc_call("ptrace", 0, 0, 0, 0))
        """;

    public static TheoryData<string> Identities => new() { "root", "nobody", "setpriv-nobody" };

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_PythonProbeUnderSeccomp_IsDeniedExecForkInetUnshareAndPtrace(string identity)
    {
        Dictionary<string, string> values = RunProbe(identity, new LaunchSeccomp { Profile = SeccompProfile.Python });

        values["uid"].ShouldBe(identity == "root" ? "0" : "65534");
        values["read_secret"].ShouldBe($"{EACCES}");
        values["thread"].ShouldBe("0");
        values["socket_unix"].ShouldBe($"{EPERM}", "no socket() at all: pathname Unix sockets are outside Landlock ABI 7");
        values["socket_inet"].ShouldBe($"{EPERM}");
        values["socket_inet6"].ShouldBe($"{EPERM}");
        values["fork"].ShouldBe($"{EPERM}");
        values["unshare_user"].ShouldBe($"{EPERM}");
        values["ptrace_traceme"].ShouldBe($"{EPERM}");
        values["exec_self"].ShouldBe($"{EPERM}");
        values["exec_other"].ShouldBe($"{EPERM}");
    }

    [LandlockAsRootFact]
    public void Launch_PythonProbeWithoutSeccomp_CanForkOpenInetSocketsAndExecItself()
    {
        // The control: the same probe and Landlock rules without the filter, so the denials above are seccomp's.
        Dictionary<string, string> values = RunProbe("root", seccomp: null);

        values["read_secret"].ShouldBe($"{EACCES}");
        values["socket_inet"].ShouldBe("0");
        values["fork"].ShouldBe("0");
        values["exec_self"].ShouldBe("ran");
    }

    [LandlockAsRootFact]
    public void Launch_PythonProbeWithAllowExec_CanForkAndExecButNotUnshareOrOpenInetSockets()
    {
        Dictionary<string, string> values = RunProbe("root", new LaunchSeccomp { AllowExec = true, Profile = SeccompProfile.Python });

        values["fork"].ShouldBe("0");
        values["unshare_user"].ShouldBe($"{EPERM}");
        values["socket_inet"].ShouldBe($"{EPERM}");
        values["exec_self"].ShouldBe("ran");
    }

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_HelloPythonPluginUnderSeccomp_AnswersGreet(string identity)
    {
        string plugin = Path.Combine(sandbox.Root, "hello-python");
        if (!Directory.Exists(plugin))
        {
            RepositoryPaths.CopyReadable(RepositoryPaths.Sample("hello-python"), plugin);
        }

        string script = Path.Combine(plugin, "plugin.py");
        byte[] input =
        [
            .. Frame("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"""),
            .. Frame("""{"jsonrpc":"2.0","id":2,"method":"invoke","params":{"method":"greet","input":{"name":"Ada"}}}"""),
            .. Frame("""{"jsonrpc":"2.0","id":3,"method":"shutdown"}"""),
        ];

        ProcessResult result = Launch(identity, PythonSpec([Python, script], plugin, new LaunchSeccomp { Profile = SeccompProfile.Python }), input);

        result.ExitCode.ShouldBe(0, result.StandardError);
        List<JsonElement> answers = Unframe(result.StandardOutput);
        answers.Count.ShouldBe(3, result.StandardOutput);
        answers[1].GetProperty("result").GetProperty("message").GetString().ShouldBe("Hello, Ada!");
    }

    [LandlockAsRootTheory]
    [MemberData(nameof(Identities))]
    public void Launch_HelloNodePluginUnderSeccomp_AnswersGreetAndUsesTimersFilesAndCrypto(string identity)
    {
        File.Exists(Node).ShouldBeTrue("the Node sample needs Node.js at " + Node);
        string plugin = Path.Combine(sandbox.Root, "hello-node");
        if (!Directory.Exists(plugin))
        {
            RepositoryPaths.CopyReadable(RepositoryPaths.Sample("hello-node"), plugin);
        }

        byte[] input =
        [
            .. Frame("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"""),
            .. Frame("""{"jsonrpc":"2.0","id":2,"method":"invoke","params":{"method":"greet","input":{"name":"Ada"}}}"""),
            .. Frame("""{"jsonrpc":"2.0","id":3,"method":"invoke","params":{"method":"remember","input":{"text":"kept"}}}"""),
            .. Frame("""{"jsonrpc":"2.0","id":4,"method":"shutdown"}"""),
        ];
        LaunchSpec spec = PythonSpec([Node, Path.Combine(plugin, "plugin.js")], plugin, new LaunchSeccomp { Profile = SeccompProfile.Node }, Node);
        spec.Landlock!.PathRules = [.. spec.Landlock.PathRules, SandboxFixture.Rule(sandbox.Writable, ReadWrite), SandboxFixture.Rule("/etc/ssl/openssl.cnf", LandlockFsAccess.ReadFile)];

        // One data folder per identity: a root launcher holds no capabilities any more, so it cannot overwrite the file
        // the nobody run left behind (no CAP_DAC_OVERRIDE), exactly as a plugin could not.
        string data = Path.Combine(sandbox.Writable, "node-" + identity);
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)0x1FF);
        ProcessResult result = Launch(identity, spec, input, new Dictionary<string, string> { ["PLUGIN_DATA"] = data });

        result.ExitCode.ShouldBe(0, result.StandardError);
        List<JsonElement> answers = Unframe(result.StandardOutput);
        answers.Count.ShouldBe(4, result.StandardOutput + result.StandardError);
        answers[1].GetProperty("result").GetProperty("message").GetString().ShouldBe("Hello, Ada!");
        answers[2].GetProperty("result").GetProperty("text").GetString().ShouldBe("kept", answers[2].ToString());
    }

    [LandlockAsRootFact]
    public void Launch_CanaryFindsAHole_RefusesToExecThePlugin()
    {
        // The Native profile with exec granted, launched as root without Landlock scopes: kill(parent, 0) gets through,
        // so the launcher must refuse before the plugin runs.
        LaunchSpec spec = PythonSpec([Python, "-c", "print('plugin-ran')"], sandbox.Allowed, new LaunchSeccomp { Profile = SeccompProfile.Python });
        spec.Landlock!.ScopeSignals = false;

        ProcessResult result = Launch("root", spec, standardInput: null);

        result.ExitCode.ShouldBe(SandboxExitCodes.LauncherConfinementUnavailable, result.StandardError);
        result.StandardError.ShouldContain("canary");
        result.StandardError.ShouldContain("signal: Allowed");
        result.StandardOutput.ShouldNotContain("plugin-ran");
    }

    [LandlockAsRootTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Launch_UnderStrictStageZero_SeesOnlyLoopbackAFewPidsAndStaysConfined(bool asNobody)
    {
        // The strict chain of WorkerLaunchPlanner: the worker user is taken by setpriv before unshare, so
        // --map-current-user maps it (a uid switch inside the new user namespace would be unmapped).
        const string Script = """
            import os, socket, sys
            print("uid=%d" % os.getuid())
            print("interfaces=" + ",".join(sorted(l.split(":")[0].strip() for l in open("/proc/self/net/dev").readlines()[2:])))
            print("pids=%d" % len([e for e in os.listdir("/proc") if e.isdigit()]))
            for name, action in [("read_secret", lambda: open(sys.argv[1]).read()),
                                 ("socket_inet", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))]:
                try:
                    action(); print(name + "=0")
                except OSError as error:
                    print(name + "=" + str(error.errno))
            """;
        string probe = Path.Combine(sandbox.Allowed, "strict-probe.py");
        File.WriteAllText(probe, Script);
        File.SetUnixFileMode(probe, (UnixFileMode)0b110_100_100);
        LaunchSpec spec = PythonSpec([Python, probe, sandbox.Secret], sandbox.Allowed, new LaunchSeccomp { Profile = SeccompProfile.Python });
        spec.ExpectedParentPid = null;
        spec.Landlock!.PathRules = [.. spec.Landlock.PathRules, SandboxFixture.Rule("/proc", LandlockFsAccess.ReadDir)];
        string[] user = asNobody ? ["--reuid=65534", "--regid=65534", "--clear-groups"] : [];

        ProcessResult result = NativeProgram.Run("/usr/bin/setpriv",
            [.. user, "--pdeathsig", "KILL", "--", "/usr/bin/unshare", "--user", "--map-current-user", "--net", "--pid", "--fork",
             "--mount", "--mount-proc", "--kill-child", "--", sandbox.Launcher, "--spec", spec.ToArgument()],
            new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["LANG"] = "C.UTF-8" });

        result.ExitCode.ShouldBe(0, result.StandardError);
        Dictionary<string, string> values = result.Values();
        values["uid"].ShouldBe(asNobody ? "65534" : "0");
        values["interfaces"].ShouldBe("lo");
        int.Parse(values["pids"], System.Globalization.CultureInfo.InvariantCulture).ShouldBeLessThanOrEqualTo(2, "the private /proc shows the launcher-turned-probe (pid 1) at most alongside nothing else");
        values["read_secret"].ShouldBe($"{EACCES}");
        values["socket_inet"].ShouldBe($"{EPERM}");
    }

    [LandlockAsRootFact]
    public void LaunchSpec_SeccompWithoutNoNewPrivileges_IsRejected()
    {
        LaunchSpec spec = PythonSpec([Python, "-c", "pass"], sandbox.Allowed, new LaunchSeccomp { Profile = SeccompProfile.Python });
        spec.NoNewPrivileges = false;

        LaunchSpec.TryFromJson(spec.ToJson(), out _, out string? error).ShouldBeFalse();
        error.ShouldContain("noNewPrivileges");
    }

    private Dictionary<string, string> RunProbe(string identity, LaunchSeccomp? seccomp)
    {
        string probe = Path.Combine(sandbox.Allowed, "probe.py");
        if (!File.Exists(probe))
        {
            File.WriteAllText(probe, ProbeScript);
            File.SetUnixFileMode(probe, (UnixFileMode)0b110_100_100);
        }

        ProcessResult result = Launch(identity, PythonSpec([Python, probe, sandbox.Secret], sandbox.Allowed, seccomp), standardInput: null);
        result.ExitCode.ShouldBe(0, result.StandardError);
        return result.Values();
    }

    private ProcessResult Launch(string identity, LaunchSpec spec, byte[]? standardInput, Dictionary<string, string>? extraEnvironment = null)
    {
        if (identity == "nobody")
        {
            spec.User = new LaunchUser { Uid = SandboxFixture.Nobody, Gid = SandboxFixture.Nobody };
        }

        var environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["LANG"] = "C.UTF-8", ["HOME"] = sandbox.Writable };
        foreach (var (name, value) in extraEnvironment ?? [])
        {
            environment[name] = value;
        }

        return sandbox.Launch(spec, throughSetpriv: identity == "setpriv-nobody", environment, standardInput);
    }

    // The rules WorkerLaunchPlanner gives an interpreted plugin: the interpreter and the loader executable,
    // the interpreter's libraries readable, the plugin folder read-only.
    private LaunchSpec PythonSpec(string[] arguments, string pluginDirectory, LaunchSeccomp? seccomp, string interpreter = Python)
    {
        var rules = new List<LaunchPathRule>
        {
            SandboxFixture.Rule(new FileInfo(interpreter).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? interpreter,
                LandlockFsAccess.ReadFile, LandlockFsAccess.Execute),
            SandboxFixture.Rule(new FileInfo("/lib64/ld-linux-x86-64.so.2").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/lib64/ld-linux-x86-64.so.2",
                LandlockFsAccess.ReadFile, LandlockFsAccess.Execute),
            SandboxFixture.Rule("/usr/lib", LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir),
            SandboxFixture.Rule("/etc/ld.so.cache", LandlockFsAccess.ReadFile),
            SandboxFixture.Rule("/dev/null", LandlockFsAccess.ReadFile, LandlockFsAccess.WriteFile),
            SandboxFixture.Rule("/dev/urandom", LandlockFsAccess.ReadFile),
            SandboxFixture.Rule("/proc/self", LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir),
            SandboxFixture.Rule(pluginDirectory, LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir),
        };

        return new LaunchSpec
        {
            Executable = interpreter,
            Arguments = arguments,
            WorkingDirectory = sandbox.Writable,
            Landlock = new LaunchLandlock { Required = true, PathRules = rules, PinPaths = ["/proc/self"], ScopeSignals = true, ScopeAbstractSockets = true },
            Seccomp = seccomp,
            ParentDeathSignal = 9,
            ExpectedParentPid = Environment.ProcessId,
        };
    }

    private static byte[] Frame(string json)
    {
        byte[] payload = Encoding.UTF8.GetBytes(json);
        byte[] frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    private static List<JsonElement> Unframe(string output)
    {
        // The answers are ASCII JSON shorter than 128 bytes, so every byte of the big-endian length is ASCII
        // too and survives the UTF-8 decoding of standard output.
        byte[] bytes = Encoding.Latin1.GetBytes(output);
        var messages = new List<JsonElement>();
        for (int offset = 0; offset + 4 <= bytes.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset));
            if (offset + 4 + length > bytes.Length)
            {
                throw new InvalidDataException($"a frame of {length} bytes at {offset} runs past the output (an answer of 128 bytes or more does not survive the text decoding): {output}");
            }

            messages.Add(JsonDocument.Parse(bytes.AsMemory(offset + 4, length)).RootElement.Clone());
            offset += 4 + length;
        }

        return messages;
    }
}
