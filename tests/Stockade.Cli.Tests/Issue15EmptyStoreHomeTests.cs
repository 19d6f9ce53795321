namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 15, attacker pass: a zero-length <c>stockade.db</c> was refused (exit 8), but only after the home's subfolders
/// had been created — the damaged home was changed before the refusal. Now nothing is created.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15EmptyStoreHomeTests : IDisposable
{
    private readonly TempHome _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData("list")]
    [InlineData("install")]
    public async Task ZeroLengthStore_ExitsEight_AndCreatesNothingInTheHome(string command)
    {
        var database = Path.Combine(_home.Path, "stockade.db");
        await File.WriteAllBytesAsync(database, []);
        var before = Directory.GetFileSystemEntries(_home.Path).Order(StringComparer.Ordinal).ToArray();

        var run = command == "install"
            ? await CliRunner.RunAsync("install", CliRunner.Sample("plugins/notes-csharp"), "--yes", "--home", _home.Path)
            : await CliRunner.RunAsync(command, "--home", _home.Path);

        run.ExitCode.ShouldBe(8, run.Stdout + run.Stderr);
        run.Stderr.ShouldNotContain("   at ");

        Directory.GetFileSystemEntries(_home.Path).Order(StringComparer.Ordinal).ToArray().ShouldBe(before, $"'{command}' changed the damaged home before refusing it");
        new FileInfo(database).Length.ShouldBe(0);
    }
}
