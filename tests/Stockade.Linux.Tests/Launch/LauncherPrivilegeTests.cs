using Stockade.Linux.Launch;
using Stockade.Linux.Privileges;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Launch;

/// <summary>
/// What the red team did as a root host's worker — a setuid-root file, reboot, sethostname, settimeofday, the
/// kernel log, fanotify — run for real through the launcher, by a C probe that asks each capability check with
/// arguments that are harmless when the check passes (bad reboot magic, an over-long host name, a null time).
/// No seccomp filter is installed here, so every EPERM comes from the capability checks themselves.
/// </summary>
public sealed class LauncherPrivilegeTests : IClassFixture<SandboxFixture>
{
    private const int EPERM = 1, EINVAL = 22;

    // A uid of the host's default range (0x70000000 + 7): no account, no file anywhere owned by it.
    private const uint WorkerUid = 0x70000007;

    private const string PrivilegeProbeSource = """
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        #include <sys/fanotify.h>
        #include <sys/klog.h>
        #include <sys/prctl.h>
        #include <sys/shm.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        #include <sys/time.h>

        static int res(long rc) { return rc < 0 ? errno : 0; }

        int main(int argc, char **argv) {
          if (argc == 2 && !strcmp(argv[1], "mkshm")) {
            printf("shmid=%d\n", shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0666));
            return 0;
          }
          /* argv: writable-dir shm-id dir-to-list|- */
          if (argc < 4) return 2;
          char line[512];
          FILE *status = fopen("/proc/self/status", "r");
          while (status && fgets(line, sizeof line, status)) {
            if (strncmp(line, "Cap", 3) && strncmp(line, "Uid:", 4) && strncmp(line, "Gid:", 4) && strncmp(line, "Groups:", 7)) continue;
            char *colon = strchr(line, ':'); *colon = 0;
            char *value = colon + 1; while (*value == ' ' || *value == '\t') value++;
            value[strcspn(value, "\n")] = 0;
            printf("%s=%s\n", line, value);
          }
          printf("securebits=%d\n", prctl(PR_GET_SECUREBITS));
          printf("reboot=%d\n", res(syscall(SYS_reboot, 0, 0, 0, NULL)));
          static char name[70000]; memset(name, 'x', sizeof name);
          printf("sethostname=%d\n", res(sethostname(name, sizeof name)));
          printf("settimeofday=%d\n", res(syscall(SYS_settimeofday, NULL, NULL)));
          printf("syslog=%d\n", res(klogctl(9, NULL, 0)));
          int fan = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
          printf("fanotify_init=%d\n", res(fan));
          if (fan >= 0) close(fan);

          char path[4096];
          snprintf(path, sizeof path, "%s/suid-%d", argv[1], getpid());
          int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0755);
          if (fd >= 0) {
            close(fd);
            printf("chmod_suid=%d\n", res(chmod(path, 04755)));
            struct stat st; stat(path, &st);
            printf("suid_owner=%d\n", st.st_uid);
            printf("chown_root=%d\n", res(chown(path, 0, 0)));
            unlink(path);
          } else {
            printf("create=%d\n", errno);
          }

          if (atoi(argv[2]) >= 0) {
            struct shmid_ds ds;
            printf("shm_stat=%d\n", res(shmctl(atoi(argv[2]), IPC_STAT, &ds)));
          }

          if (strcmp(argv[3], "-")) {
            DIR *d = opendir(argv[3]);
            if (d) {
              int n = 0; struct dirent *e;
              while ((e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
              closedir(d);
              printf("tmp_entries=%d\n", n);
            } else {
              printf("tmp_entries=error%d\n", errno);
            }
            snprintf(path, sizeof path, "%s/private-%d", argv[3], getpid());
            fd = open(path, O_WRONLY | O_CREAT, 0600);
            printf("tmp_write=%d\ntmp_file=%s\n", res(fd), path);
            if (fd >= 0) close(fd);
          }
          return 0;
        }
        """;

    private static readonly object CompileLock = new();
    private readonly SandboxFixture _sandbox;
    private readonly string _probe;

    public LauncherPrivilegeTests(SandboxFixture sandbox)
    {
        _sandbox = sandbox;
        _probe = Path.Combine(sandbox.Bin, "privilege-probe");
        if (Requirements.MissingForLauncherTests() is null)
        {
            lock (CompileLock)
            {
                if (!File.Exists(_probe))
                {
                    NativeProgram.Compile(PrivilegeProbeSource, _probe);
                }
            }
        }
    }

    [LandlockAsRootFact]
    public void Probe_RootWithoutLauncher_PassesEveryCapabilityCheck()
    {
        // The attack as it was: a root worker gets past each check (EINVAL = the check passed, the argument did not).
        Dictionary<string, string> values = NativeProgram.Run(_probe, [_sandbox.Writable, "-1", "-"]).Values();

        values["reboot"].ShouldBe($"{EINVAL}");
        values["sethostname"].ShouldBe($"{EINVAL}");
        values["settimeofday"].ShouldBe("0");
        values["syslog"].ShouldBe("0");
        values["fanotify_init"].ShouldBe("0");
        values["suid_owner"].ShouldBe("0");
    }

    [LandlockAsRootFact]
    public void Launch_AsRootToWorkerUid_HasNoCapabilitiesLockedSecurebitsAndNoRootFile()
    {
        Dictionary<string, string> values = Launch(new LaunchUser { Uid = WorkerUid, Gid = WorkerUid });

        values["Uid"].ShouldBe($"{WorkerUid}\t{WorkerUid}\t{WorkerUid}\t{WorkerUid}");
        values["Gid"].ShouldBe($"{WorkerUid}\t{WorkerUid}\t{WorkerUid}\t{WorkerUid}");
        values["Groups"].ShouldBeEmpty();
        ShouldHaveNoCapabilities(values, boundingEmpty: true);
        int.Parse(values["securebits"]).ShouldBe(PrivilegeDrop.LockedSecureBits, "NOROOT, NO_SETUID_FIXUP, KEEP_CAPS and NO_CAP_AMBIENT_RAISE locked (KEEP_CAPS itself is cleared by exec)");
        ShouldFailCapabilityChecks(values);

        // The setuid bit is set on a file the worker owns: it names the worker's uid, never root, and cannot be given to root.
        values["chmod_suid"].ShouldBe("0");
        values["suid_owner"].ShouldBe($"{WorkerUid}");
        values["chown_root"].ShouldBe($"{EPERM}");
    }

    [LandlockAsRootFact]
    public void Launch_AsRootKeepingUid0_StillDropsEveryCapability()
    {
        Dictionary<string, string> values = Launch(user: null);

        values["Uid"].ShouldBe("0\t0\t0\t0");
        ShouldHaveNoCapabilities(values, boundingEmpty: true);
        int.Parse(values["securebits"]).ShouldBe(PrivilegeDrop.LockedSecureBits);
        ShouldFailCapabilityChecks(values);
    }

    [LandlockAsRootFact]
    public void Launch_AsUnprivilegedHost_KeepsItsUidAndHoldsNoCapabilities()
    {
        // setpriv leaves the bounding set full (an unprivileged process cannot empty it); no_new_privs is what stops exec from using it.
        Dictionary<string, string> values = Launch(user: null, throughSetpriv: true);

        values["Uid"].ShouldBe("65534\t65534\t65534\t65534");
        ShouldHaveNoCapabilities(values, boundingEmpty: false);
        ShouldFailCapabilityChecks(values);
    }

    [LandlockAsRootFact]
    public void Launch_StrictNamespaces_PrivateTmpAndIpcAndNoCapabilitiesAsNamespaceRoot()
    {
        string marker = Path.Combine("/tmp", $"stockade-host-visible-{Guid.NewGuid():N}");
        File.WriteAllText(marker, "the host's /tmp");
        string shmId = NativeProgram.Run(_probe, ["mkshm"]).Values()["shmid"];
        try
        {
            LaunchSpec spec = Spec(user: null, shmId, "/tmp");
            spec.PrivateTmpBytes = 1 << 20;
            spec.ExpectedParentPid = null;
            spec.Landlock!.PathRules = [.. spec.Landlock.PathRules, SandboxFixture.Rule("/tmp", Stockade.Linux.Landlock.LandlockFsAccess.ReadFile,
                Stockade.Linux.Landlock.LandlockFsAccess.ReadDir, Stockade.Linux.Landlock.LandlockFsAccess.WriteFile, Stockade.Linux.Landlock.LandlockFsAccess.MakeReg)];
            ProcessResult result = NativeProgram.Run("/usr/bin/setpriv",
                [$"--reuid={WorkerUid}", $"--regid={WorkerUid}", "--clear-groups", "--", "/usr/bin/unshare", "--user", "--map-root-user", "--net", "--pid", "--ipc",
                    "--fork", "--mount", "--mount-proc", "--kill-child", "--", _sandbox.Launcher, "--spec", spec.ToArgument()]);
            result.ExitCode.ShouldBe(0, result.StandardError);
            Dictionary<string, string> values = result.Values();

            values["Uid"].ShouldBe("0\t0\t0\t0", "root of its own user namespace, the worker's uid outside");
            ShouldHaveNoCapabilities(values, boundingEmpty: true);
            int.Parse(values["securebits"]).ShouldBe(PrivilegeDrop.LockedSecureBits);
            ShouldFailCapabilityChecks(values);
            values["shm_stat"].ShouldBe($"{EINVAL}", "a SysV segment of the host's IPC namespace does not exist in the worker's");

            // Only the sandbox's own folders (bound back) are in the private /tmp; the host's marker is not.
            values["tmp_entries"].ShouldBe("1");
            values["tmp_write"].ShouldBe("0");
            File.Exists(values["tmp_file"]).ShouldBeFalse("the file went to the worker's tmpfs, not the host's /tmp");
        }
        finally
        {
            File.Delete(marker);
            NativeProgram.Run("/usr/bin/ipcrm", ["-m", shmId]);
        }
    }

    [LandlockAsRootFact]
    public void Launch_SameIpcNamespace_SeesTheHostsSegment()
    {
        // The control for the strict case: without an IPC namespace the same lookup succeeds.
        string shmId = NativeProgram.Run(_probe, ["mkshm"]).Values()["shmid"];
        try
        {
            Dictionary<string, string> values = Launch(new LaunchUser { Uid = WorkerUid, Gid = WorkerUid }, shmId: shmId);
            values["shm_stat"].ShouldBe("0");
        }
        finally
        {
            NativeProgram.Run("/usr/bin/ipcrm", ["-m", shmId]);
        }
    }

    [Fact]
    public void Verify_BoundingSetOrSecurebitsLeft_NamesTheMissingGuarantee()
    {
        var snapshot = CapabilitySnapshot.Parse(
            "Uid:\t7\t7\t7\t7\nGid:\t7\t7\t7\t7\nGroups:\t\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000200000\nCapAmb:\t0000000000000000\n",
            secureBits: PrivilegeDrop.LockedSecureBits | 4);

        IReadOnlyList<string> missing = PrivilegeDrop.Verify(snapshot, complete: true, new LaunchUser { Uid = 7, Gid = 7 });

        missing.Count.ShouldBe(2);
        missing[0].ShouldStartWith("CapBnd is 0000000000200000, not 0");
        missing[1].ShouldContain("securebits are 0xef");
        PrivilegeDrop.Verify(snapshot with { Bounding = 0, SecureBits = PrivilegeDrop.LockedSecureBits }, complete: true, new LaunchUser { Uid = 8, Gid = 7 })
            .ShouldHaveSingleItem().ShouldContain("the uids are 7 7 7 7, not 8");
    }

    private static void ShouldHaveNoCapabilities(Dictionary<string, string> values, bool boundingEmpty)
    {
        values["CapInh"].ShouldBe("0000000000000000");
        values["CapPrm"].ShouldBe("0000000000000000");
        values["CapEff"].ShouldBe("0000000000000000");
        values["CapAmb"].ShouldBe("0000000000000000");
        if (boundingEmpty)
        {
            values["CapBnd"].ShouldBe("0000000000000000");
        }
    }

    private static void ShouldFailCapabilityChecks(Dictionary<string, string> values)
    {
        values["reboot"].ShouldBe($"{EPERM}");
        values["sethostname"].ShouldBe($"{EPERM}");
        values["settimeofday"].ShouldBe($"{EPERM}");
        values["syslog"].ShouldBe($"{EPERM}");
        values["fanotify_init"].ShouldBe($"{EPERM}");
    }

    private Dictionary<string, string> Launch(LaunchUser? user, bool throughSetpriv = false, string shmId = "-1")
    {
        ProcessResult result = _sandbox.Launch(Spec(user, shmId, "-"), throughSetpriv);
        result.ExitCode.ShouldBe(0, result.StandardError);
        return result.Values();
    }

    private LaunchSpec Spec(LaunchUser? user, string shmId, string listDirectory) => new()
    {
        Executable = _probe,
        Arguments = [_probe, _sandbox.Writable, shmId, listDirectory],
        WorkingDirectory = _sandbox.Root,
        Landlock = new LaunchLandlock
        {
            Required = true,
            PathRules = _sandbox.BaseRules(),
            ConnectTcpPorts = [],
            PinPaths = ["/proc/self"],
        },
        User = user,
        ParentDeathSignal = 9,
        ExpectedParentPid = Environment.ProcessId,
    };
}
