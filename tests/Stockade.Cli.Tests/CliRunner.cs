using Stockade.Cli.Infrastructure;

namespace Stockade.Cli.Tests;

/// <summary>Runs the real command tree in-process with captured stdout and stderr, as a user would see them.</summary>
internal static class CliRunner
{
    public static readonly string RepoRoot = FindRepoRoot();

    public static string Sample(string name) => Path.Combine(RepoRoot, "samples", name);

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApplication.RunAsync(args, CliConsole.CreateCaptured(output, error));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A throwaway Stockade home per test class.</summary>
public sealed class TempHome : IDisposable
{
    public TempHome()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stockade-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // Not root: an installed copy is read-only (as the worker sees it); make its folders writable, then remove.
            if (OperatingSystem.IsWindows())
            {
                throw;
            }

            foreach (var dir in Directory.EnumerateDirectories(Path, "*", SearchOption.AllDirectories).Prepend(Path))
            {
                File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Directory.Delete(Path, recursive: true);
        }
    }
}
