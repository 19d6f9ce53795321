using System.Text.Json;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// Issue 18, item 7: what <c>stockade init --lang node|python</c> writes runs confined with no root anywhere — the CLI
/// is uid 65534, writes the plugin, validates it and calls it in a Landlock + seccomp worker under the interpreter's
/// runtime profile (Node needs its OpenSSL configuration and nothing else).
/// </summary>
[Trait("Issue", "18")]
public sealed class Issue18InitAsNobodyTests : IDisposable
{
    private readonly string _root;
    private readonly string _home;
    private readonly string _work;

    public Issue18InitAsNobodyTests()
    {
        _root = Directory.CreateTempSubdirectory("stockade-init-nobody-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _home = Path.Combine(_root, "home");
        _work = Path.Combine(_root, "work");
        foreach (var dir in new[] { _home, _work })
        {
            Directory.CreateDirectory(dir);
            Interop.Check(Interop.lchown(dir, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown " + dir);
        }
    }

    [LandlockAsRootTheory]
    [InlineData("node")]
    [InlineData("python")]
    public void Init_OutputAsNobody_ValidatesAndAnswersConfined(string lang)
    {
        var plugin = Path.Combine(_work, "greeter-" + lang);

        var init = NobodyCli.Run(_home, "init", plugin, "--lang", lang);
        var validate = NobodyCli.Run(_home, "validate", plugin);
        var run = NobodyCli.Run(_home, "run", plugin, "hello", "--input", """{"name":"x"}""", "--json");

        init.ExitCode.ShouldBe(0, init.StandardError);
        validate.ExitCode.ShouldBe(0, validate.StandardOutput + validate.StandardError);
        run.ExitCode.ShouldBe(0, run.StandardError);
        using var doc = JsonDocument.Parse(run.StandardOutput);
        doc.RootElement.GetProperty("level").GetString().ShouldBe("sandboxed");
        doc.RootElement.GetProperty("result").GetProperty("message").GetString().ShouldBe("Hello, x!");
    }

    public void Dispose()
    {
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
}
