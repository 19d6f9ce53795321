using System.Text.Json;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// The <c>stockade</c> CLI as a root host (its default home moves to /var/lib/stockade, once, keeping plugins,
/// grants and the audit chain) and as an unprivileged host (workers keep its uid, without capabilities). The root
/// cases run in a private mount namespace with a tmpfs on /var/lib, so the machine's own /var/lib is never touched.
/// </summary>
public sealed class CliPrivilegeTests : IDisposable
{
    private const string StatusPlugin = """
        import json, struct, sys
        IN, OUT = sys.stdin.buffer, sys.stdout.buffer
        def send(m):
            p = json.dumps(dict(m, jsonrpc="2.0")).encode(); OUT.write(struct.pack(">I", len(p)) + p); OUT.flush()
        while True:
            h = IN.read(4)
            if len(h) < 4: break
            r = json.loads(IN.read(struct.unpack(">I", h)[0]))
            if "id" not in r: continue
            if r["method"] == "initialize": send({"id": r["id"], "result": {"methods": ["status"], "hooks": [], "sdkVersion": "1.0"}})
            elif r["method"] == "shutdown": send({"id": r["id"], "result": None}); break
            else: send({"id": r["id"], "result": open("/proc/self/status").read()})
        """;

    private readonly string _root;

    public CliPrivilegeTests()
    {
        _root = Directory.CreateTempSubdirectory("stockade-cli-privs-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
    }

    [LandlockAsRootFact]
    public void DefaultHome_AsRoot_MovesTheLegacyHomeOnceKeepingPluginsGrantsAndTheAuditChain()
    {
        string home = Path.Combine(_root, "root-home");
        string legacy = Path.Combine(home, ".stockade");
        Directory.CreateDirectory(home);
        string plugin = Path.Combine(_root, "hello-python");
        RepositoryPaths.CopyReadable(RepositoryPaths.Sample("hello-python"), plugin);

        // Yesterday's root host: its home in ~/.stockade, a plugin installed there.
        ProcessResult install = Cli(home, Stockade($"--home {Quote(legacy)} install {Quote(plugin)} --grant all --yes"));
        install.ExitCode.ShouldBe(0, install.StandardError);

        // Today's, with no --home: the first command moves the home, the others use it.
        ProcessResult result = Cli(home,
            $"{Stockade("list --json")} && {Stockade("audit verify")} && {Stockade("run samples.hello-python greet --input '{\"name\":\"x\"}'")} && "
            + $"ls -ld /var/lib/stockade /var/lib/stockade/audit /var/lib/stockade/stockade.db && test ! -e {Quote(legacy)}");

        result.ExitCode.ShouldBe(0, result.StandardOutput + result.StandardError);
        result.StandardError.Split("moved the home").Length.ShouldBe(2, $"said once on stderr: {result.StandardError}");
        result.StandardError.ShouldContain($"from {legacy} to /var/lib/stockade");
        result.StandardOutput.ShouldContain("samples.hello-python");
        result.StandardOutput.ShouldContain("Hello, x!");
        result.StandardOutput.ShouldMatch(@"drwx--x--x .* /var/lib/stockade\n");
        result.StandardOutput.ShouldMatch(@"drwx------ .* /var/lib/stockade/audit\n");
        result.StandardOutput.ShouldMatch(@"-rw------- .* /var/lib/stockade/stockade.db\n");
    }

    [LandlockAsRootFact]
    public void Run_AsUnprivilegedHost_WorkerKeepsTheHostsUidWithoutCapabilities()
    {
        string home = Path.Combine(_root, "nobody-home");
        Directory.CreateDirectory(home);
        Interop.Check(Interop.lchown(home, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown home");
        string plugin = StatusPluginFolder();
        string dotnet = Dotnet();

        ProcessResult result = NativeProgram.Run("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", dotnet, RepositoryPaths.CliAssembly, "--home", home, "run", plugin, "status", "--json"],
            new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = home, ["DOTNET_NOLOGO"] = "1" });

        result.ExitCode.ShouldBe(0, result.StandardError);
        string status = JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("result").GetString()!;
        status.ShouldMatch(@"Uid:\s+65534\s+65534\s+65534\s+65534");
        foreach (string set in new[] { "CapInh", "CapPrm", "CapEff", "CapAmb" })
        {
            status.ShouldMatch($@"{set}:\s+0000000000000000");
        }
    }

    [LandlockAsRootFact]
    public void Run_AsRootHost_WorkerRunsUnderAUidOfTheRange()
    {
        string home = Path.Combine(_root, "root-host");
        string plugin = StatusPluginFolder();

        ProcessResult result = NativeProgram.Run(Dotnet(), [RepositoryPaths.CliAssembly, "--home", home, "run", plugin, "status", "--json"],
            new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = _root, ["DOTNET_NOLOGO"] = "1", ["STOCKADE_WORKER_UIDS"] = "1879100000-1879100009" });

        result.ExitCode.ShouldBe(0, result.StandardError);
        string status = JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("result").GetString()!;
        status.ShouldMatch(@"Uid:\s+18791000\d\d\s");
        status.ShouldMatch(@"CapBnd:\s+0000000000000000");
        status.ShouldMatch(@"CapEff:\s+0000000000000000");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string StatusPluginFolder()
    {
        string dir = Path.Combine(_root, "status-plugin");
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
            File.WriteAllText(Path.Combine(dir, "plugin.py"), StatusPlugin);
            File.WriteAllText(Path.Combine(dir, "plugin.yaml"), """
                id: t.status
                name: status
                version: 1.0.0
                publisher: tests
                runtime: process
                entry: plugin.py
                interpreter: /usr/bin/python3
                permissions:
                  required: []
                resources: { memoryMb: 128, openFiles: 64 }
                """);
            foreach (string file in Directory.GetFiles(dir))
            {
                File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
            }
        }

        return dir;
    }

    private static string Dotnet() => Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/bin/dotnet";

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Stockade(string arguments) => $"{Quote(Dotnet())} {Quote(RepositoryPaths.CliAssembly)} {arguments}";

    // A private mount namespace with an empty /var/lib: the CLI's root default home lands there, and vanishes after.
    private static ProcessResult Cli(string home, string commands) =>
        NativeProgram.Run("/usr/bin/unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", $"mount -t tmpfs -o mode=0755 tmpfs /var/lib && {commands}"],
            new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = home, ["DOTNET_NOLOGO"] = "1" });
}
