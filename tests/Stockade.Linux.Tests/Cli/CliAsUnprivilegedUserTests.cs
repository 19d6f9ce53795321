using System.Text.Json;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Cli;

/// <summary>
/// The whole <c>stockade</c> CLI started as uid 65534 through <c>setpriv</c>, with a home and plugin copies that
/// user owns or can read: no root anywhere, so every layer (launcher, Landlock, seccomp) must work unprivileged.
/// </summary>
public sealed class CliAsUnprivilegedUserTests : IDisposable
{
    private readonly string _root;
    private readonly string _home;

    public CliAsUnprivilegedUserTests()
    {
        _root = Directory.CreateTempSubdirectory("stockade-cli-nobody-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _home = Path.Combine(_root, "home");
        Directory.CreateDirectory(_home);
        Interop.Check(Interop.lchown(_home, SandboxFixture.Nobody, SandboxFixture.Nobody), "chown home");
    }

    [LandlockAsRootTheory]
    [InlineData("hello-csharp")]
    [InlineData("hello-python")]
    public void Run_HelloSampleAsNobody_Greets(string sample)
    {
        string plugin = CopySample(sample);

        ProcessResult result = RunCliAsNobody("run", plugin, "greet", "--input", """{"name":"x"}""");

        result.ExitCode.ShouldBe(0, result.StandardError);
        JsonDocument.Parse(result.StandardOutput).RootElement.GetProperty("message").GetString().ShouldBe("Hello, x!");
    }

    [LandlockAsRootFact]
    public void Run_HostileReadSecretAsNobody_IsDeniedAWorldReadableFile()
    {
        string plugin = CopySample("hostile-csharp");
        string secret = Path.Combine(_root, "planted-secret.txt");
        File.WriteAllText(secret, "planted\n");
        File.SetUnixFileMode(secret, (UnixFileMode)0b110_100_100);

        ProcessResult result = RunCliAsNobody("run", plugin, "readSecret", "--input", JsonSerializer.Serialize(new { path = secret }));

        result.ExitCode.ShouldBe(0, result.StandardError);
        JsonElement report = JsonDocument.Parse(result.StandardOutput).RootElement;
        report.GetProperty("succeeded").GetBoolean().ShouldBeFalse(result.StandardOutput);
        (report.GetProperty("error").GetString() ?? string.Empty).ShouldContain("denied");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string CopySample(string name)
    {
        string source = RepositoryPaths.Sample(name);
        if (name.EndsWith("-csharp", StringComparison.Ordinal) && !Directory.Exists(Path.Combine(source, "bin")))
        {
            throw new InvalidOperationException($"{source}/bin is missing; build the CLI first (dotnet build src/Stockade.Cli builds the samples)");
        }

        string copy = Path.Combine(_root, name);
        RepositoryPaths.CopyReadable(source, copy);
        return copy;
    }

    private ProcessResult RunCliAsNobody(params string[] arguments)
    {
        string dotnet = Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/bin/dotnet";
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOME"] = _home,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        return NativeProgram.Run("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", dotnet, RepositoryPaths.CliAssembly, "--home", _home, .. arguments],
            environment);
    }
}
