using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.FileSystem;

/// <summary>
/// Builds, at test time, plugin folders that each hold one hostile entry (the kinds issue 14 found), next to a
/// copy of a benign plugin so that only that entry can be the reason for a refusal.
/// </summary>
internal static class HostileFolder
{
    /// <summary>The hostile entries, by name; each one is refused naming <c>Entry</c>.</summary>
    public static readonly string[] Kinds =
    [
        "char-device", "fifo", "sparse-file", "link-to-root", "link-to-dev-zero", "hard-link-to-root-only-file",
        "socket", "file-past-the-cap", "past-the-total-cap", "too-many-entries", "link-in-a-sub-folder",
    ];

    /// <summary>The kinds only root can build here (a device node; a file its owner cannot read, linked by someone else).</summary>
    public static readonly string[] RootKinds = ["char-device", "hard-link-to-root-only-file"];

    /// <summary>Whether the tests run as root.</summary>
    public static bool IsRoot() => File.ReadAllText("/proc/self/status").Contains("\nUid:\t0\t", StringComparison.Ordinal);

    /// <summary>Adds the hostile entry <paramref name="kind"/> to <paramref name="folder"/>; returns the entry's relative path.</summary>
    public static string Add(string folder, string kind, string scratch)
    {
        switch (kind)
        {
            case "char-device":
                Run("/usr/bin/mknod", Path.Combine(folder, "zero-device"), "c", "1", "5");
                return "zero-device";
            case "fifo":
                Run("/usr/bin/mkfifo", Path.Combine(folder, "pipe"));
                return "pipe";
            case "sparse-file":
                Sparse(Path.Combine(folder, "sparse.bin"), 1L << 30); // 12 KiB on disk at most, 1 GiB apparent
                return "sparse.bin";
            case "link-to-root":
                Directory.CreateSymbolicLink(Path.Combine(folder, "root"), "/");
                return "root";
            case "link-to-dev-zero":
                File.CreateSymbolicLink(Path.Combine(folder, "zero"), "/dev/zero");
                return "zero";
            case "hard-link-to-root-only-file":
                var secret = Path.Combine(scratch, "root-only-secret");
                File.WriteAllText(secret, "TOP-SECRET-CONTENT\n");
                File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                Run("/usr/bin/ln", secret, Path.Combine(folder, "secret"));
                return "secret";
            case "socket":
                // .NET removes the socket file it bound when the socket is closed; Python leaves it, as most programs do.
                Run("/usr/bin/python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", Path.Combine(folder, "sock"));
                return "sock";
            case "file-past-the-cap":
                File.WriteAllBytes(Path.Combine(folder, "big.bin"), new byte[(64 * 1024 * 1024) + 1]);
                return "big.bin";
            case "past-the-total-cap":
                for (var i = 0; i < 5; i++)
                {
                    Sparse(Path.Combine(folder, $"part{i}.bin"), 60L * 1024 * 1024);
                }

                return "part4.bin";
            case "too-many-entries":
                Directory.CreateDirectory(Path.Combine(folder, "many"));
                for (var i = 0; i < 10_001; i++)
                {
                    File.WriteAllBytes(Path.Combine(folder, "many", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), []);
                }

                return ".";
            case "link-in-a-sub-folder":
                Directory.CreateDirectory(Path.Combine(folder, "lib", "x"));
                File.CreateSymbolicLink(Path.Combine(folder, "lib", "x", "passwd"), "/etc/passwd");
                return "lib/x/passwd";
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static void Sparse(string path, long length)
    {
        using var stream = File.Create(path);
        stream.SetLength(length);
    }

    private static void Run(string program, params string[] arguments)
    {
        var result = NativeProgram.Run(program, arguments);
        result.ExitCode.ShouldBe(0, $"{program} {string.Join(' ', arguments)}: {result.StandardError}");
    }
}

/// <summary>A theory that needs root (mknod, a root-only file); skipped with the reason otherwise.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute() => Skip = HostileFolder.IsRoot() ? null : "needs root: making a character device (mknod) and a root-only file to hard-link";
}
