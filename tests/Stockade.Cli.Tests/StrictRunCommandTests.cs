namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 15: <c>stockade run &lt;folder&gt; --level strict</c> needs a valid signature like an installed plugin does:
/// unsigned, it is refused with exit 2 and the steps to sign; signed by a trusted key, it runs.
/// </summary>
[Trait("Issue", "15")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StrictRunCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stockade-strict-run-").FullName;

    public StrictRunCommandTests() => File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101); // a worker's own uid must reach the plugin

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task RunFolder_AtStrict_Unsigned_ExitsTwoSayingHowToSign()
    {
        var home = Path.Combine(_root, "home");
        var plugin = Copy("hello-python");

        var result = await CliRunner.RunAsync("run", plugin, "greet", "--input", """{"name":"x"}""", "--level", "strict", "--home", home);

        result.ExitCode.ShouldBe(2, result.Stderr);
        result.Stderr.ShouldContain("stockade sign");
        result.Stderr.ShouldContain("unsigned");
        result.Stderr.ShouldNotContain("   at ");
        result.Stdout.ShouldNotContain("Hello");
    }

    [Fact]
    public async Task RunFolder_AtStrict_SignedByATrustedKey_Runs()
    {
        var home = Path.Combine(_root, "home");
        var plugin = Copy("hello-python");
        var key = Path.Combine(_root, "signer");
        (await CliRunner.RunAsync("keygen", "--out", key)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("sign", plugin, "--key", key + ".key.pem")).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("trust", "add", key + ".pub.pem", "--home", home)).ExitCode.ShouldBe(0);

        var result = await CliRunner.RunAsync("run", plugin, "greet", "--input", """{"name":"x"}""", "--level", "strict", "--home", home);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stdout.ShouldContain("Hello, x!");
    }

    private string Copy(string sample)
    {
        var source = CliRunner.Sample(Path.Combine("plugins", sample));
        var target = Path.Combine(_root, sample);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }
}
