using System.Diagnostics;
using System.Net.Sockets;

namespace Stockade.Cli.Tests;

/// <summary>
/// Issue 14, class 6: install and validate treat the plugin folder as hostile. Each case is a small
/// valid plugin plus one entry a folder must not hold — a FIFO, a character device, a sparse file,
/// symlinks to <c>/</c>, <c>/dev/zero</c> or a file outside, a loop, a hardlink to a file elsewhere, a
/// socket. The CLI runs as a child process (a hang or an out-of-memory must not take the test run with
/// it, and it gets 512 MiB of GC heap); it must end within 60 s with exit 2 naming the entry.
/// </summary>
[Trait("Issue", "14")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Issue14HostileFolderTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly TempHome _home = new();
    private readonly string _work = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "stockade-hostile-folder-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose()
    {
        _home.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [InlineData("validate", "fifo")]
    [InlineData("install", "fifo")]
    [InlineData("validate", "chardev")]
    [InlineData("install", "chardev")]
    [InlineData("validate", "sparse")]
    [InlineData("install", "sparse")]
    [InlineData("validate", "link-root")]
    [InlineData("install", "link-root")]
    [InlineData("validate", "link-zero")]
    [InlineData("install", "link-zero")]
    [InlineData("validate", "link-outside")]
    [InlineData("install", "link-outside")]
    [InlineData("validate", "link-loop")]
    [InlineData("install", "link-loop")]
    [InlineData("validate", "hardlink")]
    [InlineData("install", "hardlink")]
    [InlineData("validate", "socket")]
    [InlineData("install", "socket")]
    public async Task HostileEntry_InPluginFolder_RefusedWithExitTwoNamingIt(string command, string entry)
    {
        var folder = PluginWith(entry, out var keepAlive);
        using var _ = keepAlive;
        var args = command == "install"
            ? new[] { "install", folder, "--yes", "--home", _home.Path }
            : new[] { "validate", folder, "--home", _home.Path };

        var result = await RunCliProcessAsync(args);

        result.TimedOut.ShouldBeFalse($"'stockade {command}' did not end within {Bound.TotalSeconds} s on a folder holding '{entry}'");
        result.ExitCode.ShouldBe(2, $"stdout: {result.Stdout}\nstderr: {result.Stderr}");
        result.Stderr.ShouldContain(entry, Case.Sensitive, "the refusal must name the entry");
        if (command == "install")
        {
            var plugins = Path.Combine(_home.Path, "plugins");
            (Directory.Exists(plugins) ? Directory.EnumerateFileSystemEntries(plugins, "*", SearchOption.AllDirectories).ToList() : []).ShouldBeEmpty("a refused install left files in the home");
        }
    }

    private string PluginWith(string entry, out IDisposable keepAlive)
    {
        keepAlive = new Nothing();
        var folder = Directory.CreateDirectory(Path.Combine(_work, "plugin-" + entry)).FullName;
        foreach (var file in Directory.EnumerateFiles(CliRunner.Sample("plugins/hello-python")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var path = Path.Combine(folder, entry);
        switch (entry)
        {
            case "fifo":
                Run("mkfifo", path);
                break;
            case "chardev":
                Run("mknod", path, "c", "1", "5"); // /dev/zero: an endless read
                break;
            case "sparse":
                using (var sparse = File.Create(path))
                {
                    sparse.SetLength(1L << 30); // 1 GiB apparent, a few KiB on disk
                }

                break;
            case "link-root":
                File.CreateSymbolicLink(path, "/");
                break;
            case "link-zero":
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            case "link-outside":
                File.CreateSymbolicLink(path, "/etc/passwd");
                break;
            case "link-loop":
                File.CreateSymbolicLink(path, ".");
                break;
            case "hardlink":
                var secret = Path.Combine(_work, "secret-" + Guid.NewGuid().ToString("N"));
                File.WriteAllText(secret, "not the plugin's");
                File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                Run("ln", secret, path);
                break;
            case "socket":
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Bind(new UnixDomainSocketEndPoint(path));
                keepAlive = socket;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(entry), entry, null);
        }

        return folder;
    }

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"{program} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
    }

    private static async Task<ProcessResult> RunCliProcessAsync(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stockade.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A CLI that reads /dev/zero whole must fail here, not take the machine's memory.
        info.Environment["DOTNET_GCHeapHardLimit"] = "0x20000000";
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        var timedOut = await Task.WhenAny(exited, Task.Delay(Bound)) != exited;
        if (timedOut)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        return new ProcessResult(timedOut ? -1 : process.ExitCode, await stdout, await stderr, timedOut);
    }

    private sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut);

    private sealed class Nothing : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
