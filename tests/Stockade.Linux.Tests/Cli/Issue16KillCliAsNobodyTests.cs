using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// Issue 16, item 4, with no root anywhere: <c>stockade run</c> as uid 65534 runs the hostile Python sample
/// (<c>samples/plugins/kills-python</c>); a CPU spinner and an RLIMIT_DATA hog end with exit 5 and the kill named
/// (resource, limit, observed), and a plugin that only prints "MemoryError" is a plain failure (exit 6).
/// </summary>
[Trait("Issue", "16")]
public sealed class Issue16KillCliAsNobodyTests : IDisposable
{
    private readonly string _root;
    private readonly string _home;

    public Issue16KillCliAsNobodyTests()
    {
        _root = Directory.CreateTempSubdirectory("stockade-i16-kill-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _home = Path.Combine(_root, "home");
        Directory.CreateDirectory(_home);
        Interop.Check(Interop.lchown(_home, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown home");
    }

    [LandlockAsRootTheory]
    [InlineData("spin", "cpu time", "2 s")]
    [InlineData("hog", "memory", "128 MB")]
    public void Run_ResourceHogAsUnprivilegedHost_ExitsFiveNamingTheKill(string method, string resource, string limit)
    {
        string plugin = NobodyCli.CopySample(_root, "kills-python");

        ProcessResult result = NobodyCli.Run(_home, "run", plugin, method, "--level", "sandboxed", "--input", "{}");

        result.ExitCode.ShouldBe(5, result.StandardError);
        result.StandardError.ShouldContain($"resource: {resource}");
        result.StandardError.ShouldContain($"limit: {limit}");
        result.StandardError.ShouldContain("observed: ");
        if (resource == "memory")
        {
            // Without a cgroup the hog meets RLIMIT_DATA (kernel) or, on a loaded machine where the allocation outruns
            // the refusal's report, the watchdog's hard limit first: either way the memory limit ended it, by name.
            result.StandardError.ShouldMatch("killed by: (kernel|watchdog)");
        }
        else
        {
            result.StandardError.ShouldContain("killed by: kernel");
        }

        result.StandardError.ShouldNotContain("   at ");
    }

    [LandlockAsRootFact]
    public void Run_PluginThatOnlySaysMemoryError_IsNotAKill()
    {
        string plugin = NobodyCli.CopySample(_root, "kills-python");

        ProcessResult result = NobodyCli.Run(_home, "run", plugin, "fakeOom", "--level", "sandboxed", "--input", "{}");

        result.ExitCode.ShouldBe(6, result.StandardError);
        result.StandardError.ShouldNotContain("resource: memory");
        result.StandardError.ShouldContain("System.OutOfMemoryException: Insufficient memory"); // its final line is not cut
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
