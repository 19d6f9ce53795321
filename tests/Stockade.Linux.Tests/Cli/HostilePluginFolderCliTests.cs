using System.Diagnostics;
using Stockade.Linux.FileSystem;
using Stockade.Linux.Tests.FileSystem;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// <c>stockade validate</c>, <c>sign</c> and <c>install</c> on plugin folders that each hold one hostile entry:
/// every command exits 2 naming the entry, within a time bound, without hanging on a FIFO, copying a device, or
/// reading what a link or hard link points to. Run as root and, for what a user can build, as uid 65534.
/// </summary>
public sealed class HostilePluginFolderCliTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);
    private readonly string _scratch;
    private readonly string _key;

    public HostilePluginFolderCliTests()
    {
        _scratch = Directory.CreateTempSubdirectory("stockade-hostile-cli-").FullName;
        File.SetUnixFileMode(_scratch, (UnixFileMode)0b111_101_101);
        var keygen = Cli(null, "keygen", "--out", Path.Combine(_scratch, "k"));
        keygen.ExitCode.ShouldBe(0, keygen.StandardError);
        _key = Path.Combine(_scratch, "k.key.pem");
        File.SetUnixFileMode(_key, (UnixFileMode)0b110_100_100); // readable by 65534 in the unprivileged run
    }

    public static TheoryData<string> Kinds() => [.. HostileFolder.Kinds.Except(HostileFolder.RootKinds)];

    public static TheoryData<string> RootKinds() => [.. HostileFolder.RootKinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ValidateSignInstall_HostileEntry_ExitTwoNamingIt(string kind) => RefusedByEveryCommand(kind, asNobody: false);

    [RootTheory]
    [MemberData(nameof(RootKinds))]
    public void ValidateSignInstall_HostileEntryOnlyRootCanMake_ExitTwoNamingIt(string kind) => RefusedByEveryCommand(kind, asNobody: false);

    [RootTheory]
    [InlineData("fifo")]
    [InlineData("link-to-dev-zero")]
    [InlineData("sparse-file")]
    [InlineData("socket")]
    public void ValidateSignInstall_HostileEntryAsUnprivilegedUser_ExitTwoNamingIt(string kind) => RefusedByEveryCommand(kind, asNobody: true);

    [Fact]
    public void Install_BenignPluginWithSetuidAndExecBits_CopyHasNoneOfThem()
    {
        var plugin = Plugin();
        var script = Path.Combine(plugin, "extra.sh");
        File.WriteAllText(script, "#!/bin/sh\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101 | UnixFileMode.SetUser | UnixFileMode.SetGroup);
        var home = Path.Combine(_scratch, "home-benign");

        var install = Cli(null, "install", plugin, "--grant", "none", "--yes", "--home", home);

        install.ExitCode.ShouldBe(0, install.StandardError);
        var copies = Directory.GetFiles(Path.Combine(home, "plugins"), "*", SearchOption.AllDirectories);
        copies.ShouldNotBeEmpty();
        foreach (var copy in copies)
        {
            File.GetUnixFileMode(copy).ShouldBe((UnixFileMode)0b100_100_100, copy); // 0444: no exec, setuid or setgid bit
        }
    }

    public void Dispose() => SafeTree.Remove(_scratch);

    private void RefusedByEveryCommand(string kind, bool asNobody)
    {
        var plugin = Plugin();
        var entry = HostileFolder.Add(plugin, kind, _scratch);
        var home = Path.Combine(_scratch, "home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        if (asNobody)
        {
            NativeProgram.Run("/usr/bin/chown", ["-hR", "65534:65534", plugin, home]).ExitCode.ShouldBe(0);
        }

        foreach (var arguments in new[]
        {
            // Every command gets the test's own home: never the machine's (/var/lib/stockade for root), which another
            // Stockade on this machine may hold at another schema.
            new[] { "validate", plugin, "--home", home },
            ["sign", plugin, "--key", _key, "--home", home],
            ["install", plugin, "--grant", "none", "--yes", "--home", home],
        })
        {
            var stopwatch = Stopwatch.StartNew();
            var result = Cli(asNobody ? home : null, arguments);
            stopwatch.Elapsed.ShouldBeLessThan(Bound, $"{arguments[0]} took too long on {kind}");
            var output = result.StandardOutput + result.StandardError;
            result.ExitCode.ShouldBe(2, $"{arguments[0]} on {kind}: {output}");
            output.ShouldContain($"'{entry}'", customMessage: $"{arguments[0]} on {kind} did not name the entry: {output}");
            output.ShouldNotContain("TOP-SECRET-CONTENT");
            output.ShouldNotContain("   at "); // no stack trace
        }

        File.Exists(Path.Combine(plugin, "stockade.sig")).ShouldBeFalse("sign wrote a signature for a refused folder");
        var installed = Path.Combine(home, "plugins");
        (Directory.Exists(installed) ? Directory.GetFiles(installed, "*", SearchOption.AllDirectories) : []).ShouldBeEmpty();
    }

    private string Plugin()
    {
        var copy = Path.Combine(_scratch, "plugin-" + Guid.NewGuid().ToString("N")[..8]);
        RepositoryPaths.CopyReadable(RepositoryPaths.Sample("hello-python"), copy);
        return copy;
    }

    private static ProcessResult Cli(string? nobodyHome, params string[] arguments)
    {
        string dotnet = Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/bin/dotnet";
        if (nobodyHome is null)
        {
            return NativeProgram.Run(dotnet, [RepositoryPaths.CliAssembly, .. arguments]);
        }

        var environment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOME"] = nobodyHome,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        return NativeProgram.Run("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", dotnet, RepositoryPaths.CliAssembly, .. arguments], environment);
    }
}
