using Stockade.Linux.Landlock;
using Stockade.Linux.Launch;

namespace Stockade.Linux.Tests.Infrastructure;

/// <summary>
/// A world-readable scratch tree under /tmp (so uid 65534 can use it), the launcher copied into it, and a
/// compiled C probe that reports what the confined process can do as key=value lines.
/// </summary>
public sealed class SandboxFixture : IDisposable
{
    internal const uint Nobody = 65534;

    private const string ProbeSource = """
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        #include <arpa/inet.h>
        #include <sys/prctl.h>
        #include <sys/socket.h>
        #include <sys/un.h>

        static int result(int rc) { return rc < 0 ? errno : 0; }
        static int created(const char *path) {
          int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
          if (fd < 0) return errno;
          close(fd); unlink(path); return 0;
        }

        int main(int argc, char **argv) {
          /* argv: secret, outside-dir, inside-dir, abstract-name, tcp-port */
          if (argc < 6) return 2;
          char path[4096];
          printf("uid=%d\n", getuid());
          int r = open(argv[1], O_RDONLY);
          printf("read_secret=%d\n", result(r));
          if (r >= 0) close(r);
          snprintf(path, sizeof path, "%s/probe-out", argv[2]);
          printf("write_outside=%d\n", created(path));
          snprintf(path, sizeof path, "%s/probe-in", argv[3]);
          printf("write_inside=%d\n", created(path));
          int sig = -1; prctl(PR_GET_PDEATHSIG, &sig);
          printf("pdeathsig=%d\n", sig);
          printf("kill_parent=%d\n", result(kill(getppid(), 0)));

          int u = socket(AF_UNIX, SOCK_STREAM, 0);
          struct sockaddr_un ua; memset(&ua, 0, sizeof ua); ua.sun_family = AF_UNIX;
          strncpy(ua.sun_path + 1, argv[4], sizeof ua.sun_path - 2);
          printf("abstract_connect=%d\n", result(connect(u, (struct sockaddr *)&ua, sizeof(sa_family_t) + 1 + strlen(argv[4]))));

          int t = socket(AF_INET, SOCK_STREAM, 0);
          struct sockaddr_in ta; memset(&ta, 0, sizeof ta); ta.sin_family = AF_INET;
          ta.sin_port = htons(atoi(argv[5])); ta.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          printf("tcp_connect=%d\n", result(connect(t, (struct sockaddr *)&ta, sizeof ta)));
          close(u); close(t);

          DIR *d = opendir("/proc/self/fd");
          printf("fds=");
          if (d) { struct dirent *e; while ((e = readdir(d))) if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d)) printf("%s,", e->d_name); closedir(d); }
          else printf("error%d", errno);
          printf("\n");
          return 0;
        }
        """;

    public SandboxFixture()
    {
        Root = Directory.CreateTempSubdirectory("stockade-launch-").FullName;
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        Allowed = MakeDirectory("allowed", 0b111_101_101);
        Writable = MakeDirectory("rw", 0b111_111_111);
        Outside = MakeDirectory("outside", 0b111_111_111);
        AllowedFile = Path.Combine(Allowed, "hello.txt");
        File.WriteAllText(AllowedFile, "hello from the allowed folder\n");
        Secret = Path.Combine(Root, "secret.txt");
        File.WriteAllText(Secret, "planted secret\n");
        foreach (string file in new[] { AllowedFile, Secret })
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }

        string bin = MakeDirectory("bin", 0b111_101_101);
        Launcher = Path.Combine(bin, "stockade-launcher");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "stockade-launcher"), Launcher);
        File.SetUnixFileMode(Launcher, (UnixFileMode)0b111_101_101);
        Probe = NativeProgram.Compile(ProbeSource, Path.Combine(bin, "sandbox-probe"));
        Bin = bin;
    }

    internal string Root { get; }

    internal string Allowed { get; }

    internal string AllowedFile { get; }

    internal string Writable { get; }

    internal string Outside { get; }

    internal string Secret { get; }

    internal string Bin { get; }

    internal string Launcher { get; }

    internal string Probe { get; }

    /// <summary>Rules a dynamically linked C program or coreutils binary needs, plus the test folders.</summary>
    internal List<LaunchPathRule> BaseRules() =>
    [
        Rule("/usr", LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir, LandlockFsAccess.Execute),
        Rule("/etc/ld.so.cache", LandlockFsAccess.ReadFile),
        Rule(Bin, LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir, LandlockFsAccess.Execute),
        Rule(Allowed, LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir),
        Rule(Writable, LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir, LandlockFsAccess.WriteFile, LandlockFsAccess.MakeReg,
            LandlockFsAccess.RemoveFile, LandlockFsAccess.Truncate),
        Rule("/proc/self", LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir),
    ];

    internal static LaunchPathRule Rule(string path, params LandlockFsAccess[] access) => new() { Path = path, Access = access };

    /// <summary>Runs the launcher with <paramref name="spec"/>, optionally already unprivileged through setpriv.</summary>
    internal ProcessResult Launch(LaunchSpec spec, bool throughSetpriv = false, IReadOnlyDictionary<string, string>? environment = null,
        byte[]? standardInput = null)
    {
        string[] launcherArgs = [Launcher, "--spec", spec.ToArgument()];
        return throughSetpriv
            ? NativeProgram.Run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", .. launcherArgs], environment, standardInput)
            : NativeProgram.Run(Launcher, launcherArgs[1..], environment, standardInput);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private string MakeDirectory(string name, int mode)
    {
        string path = Path.Combine(Root, name);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)mode);
        return path;
    }
}
