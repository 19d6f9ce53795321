using System.Text.Json;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// Issue 15, item 3, with no root anywhere: the <c>stockade</c> CLI as uid 65534 runs the hostile samples, whose denied
/// system calls reach the unprivileged host through seccomp user notification and are in its audit log as
/// <c>syscall.blocked</c>, layer <c>kernel</c>, while the plugin still sees EPERM.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15KernelCliAsNobodyTests : IDisposable
{
    private readonly string _root;
    private readonly string _home;

    public Issue15KernelCliAsNobodyTests()
    {
        _root = Directory.CreateTempSubdirectory("stockade-i15-kernel-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _home = Path.Combine(_root, "home");
        Directory.CreateDirectory(_home);
        Interop.Check(Interop.lchown(_home, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown home");
    }

    [LandlockAsRootTheory]
    [InlineData("hostile-python", "sysvShm", "sandboxed", "shmget")]
    [InlineData("hostile-python", "sysvShm", "strict", "shmget")]
    [InlineData("hostile-python", "sysvMsg", "sandboxed", "msgget")]
    [InlineData("hostile-csharp", "sysvShm", "sandboxed", "shmget")]
    [InlineData("hostile-csharp", "sysvShm", "strict", "shmget")]
    public void Run_DeniedSyscallAsUnprivilegedHost_IsInTheAuditLogAsKernel(string sample, string attack, string level, string syscall)
    {
        string plugin = NobodyCli.CopySample(_root, sample);
        if (level == "strict")
        {
            NobodyCli.PrepareForStrict(_root, _home, plugin);
        }

        ProcessResult result = NobodyCli.Run(_home, "run", plugin, attack, "--level", level, "--input", "{}");

        result.ExitCode.ShouldBe(0, result.StandardError);
        JsonElement report = JsonDocument.Parse(result.StandardOutput).RootElement;
        report.GetProperty("succeeded").GetBoolean().ShouldBeFalse(result.StandardOutput);
        var error = report.GetProperty("error").GetString() ?? string.Empty;
        (error.Contains("errno 1 (", StringComparison.Ordinal) || error.Contains("Operation not permitted", StringComparison.Ordinal) || error.Contains("EPERM", StringComparison.Ordinal))
            .ShouldBeTrue($"the plugin must still see EPERM: {error}");

        var records = AuditRecords().Where(r => r.GetProperty("action").GetString() == "syscall.blocked"
            && r.GetProperty("layer").GetString() == "kernel"
            && r.TryGetProperty("resource", out var resource) && resource.GetString() == syscall).ToList();
        records.ShouldNotBeEmpty($"no syscall.blocked (kernel) record for {syscall} in the unprivileged host's audit log");
        records[0].GetProperty("details").GetProperty("observed").GetString().ShouldBe("seccomp user notification");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private IEnumerable<JsonElement> AuditRecords()
    {
        string folder = Path.Combine(_home, "audit");
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "audit-*.jsonl").SelectMany(File.ReadLines).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())
            : [];
    }
}
