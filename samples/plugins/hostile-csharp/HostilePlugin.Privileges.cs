using System.Runtime.InteropServices;
using Stockade.Plugin;

namespace Samples.Hostile;

// Issue 14, class 3: privileges. A worker of a root host kept every capability; these try to use
// them. None can do lasting harm: reboot carries a wrong magic, the host name and the clock are
// "set" to what they are, what is created is removed.
public sealed partial class HostilePlugin
{
    private const int SIsuid = 0x800;
    private const int SIsgid = 0x400;
    private const int SIfreg = 0x8000;
    private const int SIfchr = 0x2000;
    private const int LinuxRebootMagic1 = unchecked((int)0xfee1dead);
    private const int RbPowerOff = 0x4321fedc;
    private const int SyslogActionReadAll = 3;
    private const int SyslogActionSizeBuffer = 10;
    private const int FanClassNotif = 0;
    private const int FanMarkAdd = 1;
    private const int FanMarkFilesystem = 0x100;
    private const long FanOpen = 0x20;
    private const int McLCurrent = 1;
    private const int SchedFifo = 1;
    private const int LinuxCapabilityVersion3 = 0x20080522;
    private const int Einval = 22;

    /// <summary>Creates a file in <c>$PLUGIN_DATA</c> and sets its setuid bit with <c>chmod 04755</c>.</summary>
    [PluginMethod("chmodSetuid")]
    public AttemptReport ChmodSetuid(ProbeInput? input) => ModeAttempt("chmodSetuid 04755", input, "suid-chmod", SIsuid, path =>
    {
        File.WriteAllBytes(path, [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        using var name = new Native.CString(path);
        Native.Checked("fchmodat(04755)", Native.SysFchmodat, Native.AtFdCwd, name, 0x9ed);
    });

    /// <summary>Same with the setgid bit (<c>chmod 02755</c>).</summary>
    [PluginMethod("chmodSetgid")]
    public AttemptReport ChmodSetgid(ProbeInput? input) => ModeAttempt("chmodSetgid 02755", input, "sgid-chmod", SIsgid, path =>
    {
        File.WriteAllBytes(path, [0]);
        using var name = new Native.CString(path);
        Native.Checked("chmod(02755)", Native.SysChmod, name, 0x5ed);
    });

    /// <summary>Creates the file with the setuid bit already in its mode: <c>open(O_CREAT, 04755)</c>.</summary>
    [PluginMethod("openSetuid")]
    public AttemptReport OpenSetuid(ProbeInput? input) => ModeAttempt("openSetuid O_CREAT 04755", input, "suid-open", SIsuid, path =>
    {
        using var name = new Native.CString(path);
        var fd = Native.Checked("openat(O_CREAT, 04755)", Native.SysOpenat, Native.AtFdCwd, name, Native.OWrOnly | Native.OCreat | Native.OExcl | Native.OCloexec, 0x9ed);
        Native.Close((int)fd);
    });

    /// <summary>Creates the file through <c>openat2</c>, whose arguments a seccomp filter cannot read.</summary>
    [PluginMethod("openat2Setuid")]
    public AttemptReport Openat2Setuid(ProbeInput? input) => ModeAttempt("openat2Setuid O_CREAT 04755", input, "suid-openat2", SIsuid, path =>
    {
        using var name = new Native.CString(path);
        using var how = new Native.Buffer(24);
        MemoryMarshal.Write(how.Span, (long)(Native.OWrOnly | Native.OCreat | Native.OExcl | Native.OCloexec));
        MemoryMarshal.Write(how.Span[8..], 0x9edL);
        var fd = Native.Checked("openat2(O_CREAT, 04755)", Native.SysOpenat2, Native.AtFdCwd, name, how, 24);
        Native.Close((int)fd);
    });

    /// <summary>Creates the file with <c>mknod(S_IFREG | 04755)</c>.</summary>
    [PluginMethod("mknodSetuid")]
    public AttemptReport MknodSetuid(ProbeInput? input) => ModeAttempt("mknodSetuid S_IFREG 04755", input, "suid-mknod", SIsuid, path =>
    {
        using var name = new Native.CString(path);
        Native.Checked("mknod(S_IFREG|04755)", Native.SysMknod, name, SIfreg | 0x9ed, 0);
    });

    /// <summary>Creates a character device (1:3, /dev/null) in <c>$PLUGIN_DATA</c>: with 1:1 it would be /dev/mem (a neighbour).</summary>
    [PluginMethod("mknodDevice")]
    public AttemptReport MknodDevice(ProbeInput? input)
    {
        var path = Path.Combine(input?.Path ?? DataDirectory, "chardev");
        return AttemptReport.Try($"mknodDevice {path} c 1:3", () =>
        {
            using var name = new Native.CString(path);
            try
            {
                Native.Checked("mknod(S_IFCHR 1:3)", Native.SysMknod, name, SIfchr | 0x1b6, (1 << 8) | 3);
            }
            finally
            {
                File.Delete(path);
            }
        });
    }

    /// <summary>
    /// Calls <c>reboot(RB_POWER_OFF)</c> with a wrong second magic, so it can never act. The kernel
    /// checks CAP_SYS_BOOT before the magic: EPERM means refused, EINVAL means the capability check passed.
    /// </summary>
    [PluginMethod("reboot")]
    public AttemptReport Reboot() => AttemptReport.Try("reboot RB_POWER_OFF (bad magic)", () =>
    {
        var result = Native.Call(Native.SysReboot, LinuxRebootMagic1, 0x12345678, RbPowerOff, 0);
        var errno = Marshal.GetLastPInvokeError();
        if (result == 0 || errno == Einval)
        {
            return; // passed the capability check
        }

        Native.Check(result, "reboot");
    });

    /// <summary>Sets the host name to the name it has (<c>sethostname</c>).</summary>
    [PluginMethod("sethostname")]
    public AttemptReport Sethostname() => AttemptReport.Try("sethostname (same name)", () =>
    {
        var name = System.Text.Encoding.ASCII.GetBytes(Environment.MachineName);
        using var buffer = new Native.Buffer(name.Length + 1);
        name.CopyTo(buffer.Span);
        Native.Checked("sethostname(same)", Native.SysSethostname, buffer, name.Length);
    });

    /// <summary>
    /// <c>settimeofday(NULL, NULL)</c>: changes nothing but is checked for CAP_SYS_TIME first, so a
    /// success shows the worker may set the clock.
    /// </summary>
    [PluginMethod("settimeofday")]
    public AttemptReport Settimeofday() => AttemptReport.Try("settimeofday (NULL, NULL)", () =>
        Native.Checked("settimeofday(NULL, NULL)", Native.SysSettimeofday, 0, 0));

    /// <summary>Asks the kernel log for its size (<c>syslog(SYSLOG_ACTION_SIZE_BUFFER)</c>).</summary>
    [PluginMethod("syslogSize")]
    public AttemptReport SyslogSize() => AttemptReport.Try("syslogSize SYSLOG_ACTION_SIZE_BUFFER", () =>
        Native.Checked("syslog(SIZE_BUFFER)", Native.SysSyslog, SyslogActionSizeBuffer, 0, 0));

    /// <summary>Reads the kernel log (<c>syslog(SYSLOG_ACTION_READ_ALL)</c>).</summary>
    [PluginMethod("syslogRead")]
    public AttemptReport SyslogRead() => AttemptReport.Try("syslogRead SYSLOG_ACTION_READ_ALL", () =>
    {
        using var buffer = new Native.Buffer(4096);
        Native.Checked("syslog(READ_ALL)", Native.SysSyslog, SyslogActionReadAll, buffer, buffer.Size);
    });

    /// <summary>Watches every open on the root filesystem with fanotify.</summary>
    [PluginMethod("fanotify")]
    public AttemptReport Fanotify() => AttemptReport.Try("fanotify init + mark /", () =>
    {
        var fd = (int)Native.Checked("fanotify_init", Native.SysFanotifyInit, FanClassNotif, Native.ORdOnly);
        try
        {
            using var root = new Native.CString("/");
            Native.Checked("fanotify_mark(/, FAN_OPEN)", Native.SysFanotifyMark, fd, FanMarkAdd | FanMarkFilesystem, (nint)FanOpen, Native.AtFdCwd, root);
        }
        finally
        {
            Native.Close(fd);
        }
    });

    /// <summary><c>setuid(0)</c>: succeeds only for a worker that is root already or may become it.</summary>
    [PluginMethod("setuidRoot")]
    public AttemptReport SetuidRoot() => AttemptReport.Try("setuidRoot setuid(0)", () =>
        Native.Checked("setuid(0)", Native.SysSetuid, 0));

    // uid 0 is the machine's root unless a user namespace maps it to another uid outside (strict: root of its own
    // namespace, the plugin's uid outside, with nothing).
    private static bool IsMachineRoot()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/uid_map"))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3 && parts[0] == "0")
                {
                    return parts[1] == "0";
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return true;
    }

    /// <summary>Reads the worker's effective capability set; any capability at all is a failure of "no privileges".</summary>
    [PluginMethod("capabilities")]
    public AttemptReport Capabilities()
    {
        try
        {
            using var header = new Native.Buffer(8);
            using var data = new Native.Buffer(24);
            MemoryMarshal.Write(header.Span, LinuxCapabilityVersion3);
            Native.Checked("capget", Native.SysCapget, header, data);
            var effective = (ulong)MemoryMarshal.Read<uint>(data.Span) | ((ulong)MemoryMarshal.Read<uint>(data.Span[12..]) << 32);
            var euid = Native.GetEffectiveUserId();
            var held = effective != 0 || (euid == 0 && IsMachineRoot());
            return new AttemptReport("capabilities capget", held, $"effective capabilities 0x{effective:x}, euid {euid}");
        }
        catch (Exception e)
        {
            return new AttemptReport("capabilities capget", false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Locks all its memory (as root, RLIMIT_MEMLOCK does not apply; a neighbour).</summary>
    [PluginMethod("mlockall")]
    public AttemptReport Mlockall() => AttemptReport.Try("mlockall MCL_CURRENT", () =>
    {
        Native.Checked("mlockall(MCL_CURRENT)", Native.SysMlockall, McLCurrent);
        _ = Native.Call(Native.SysMunlockall);
    });

    /// <summary>Makes itself a real-time (SCHED_FIFO) task, which would starve the host on a spin (a neighbour).</summary>
    [PluginMethod("realtimeSelf")]
    public AttemptReport RealtimeSelf() => AttemptReport.Try("realtimeSelf SCHED_FIFO", () =>
    {
        using var param = new Native.Buffer(8);
        MemoryMarshal.Write(param.Span, 1);
        Native.Checked("sched_setscheduler(self, SCHED_FIFO, 1)", Native.SysSchedSetscheduler, 0, SchedFifo, param);
        MemoryMarshal.Write(param.Span, 0);
        _ = Native.Call(Native.SysSchedSetscheduler, 0, 0, param);
    });

    /// <summary>Raises its own priority above the host's (<c>setpriority(self, -20)</c>; a neighbour).</summary>
    [PluginMethod("niceSelf")]
    public AttemptReport NiceSelf() => AttemptReport.Try("niceSelf setpriority(self, -20)", () =>
        Native.Checked("setpriority(self, -20)", Native.SysSetpriority, PrioProcess, 0, -20));

    /// <summary>Port I/O privilege level 3 (<c>iopl</c>; a neighbour).</summary>
    [PluginMethod("iopl")]
    public AttemptReport Iopl() => AttemptReport.Try("iopl(3)", () =>
    {
        Native.Checked("iopl(3)", Native.SysIopl, 3);
        _ = Native.Call(Native.SysIopl, 0);
    });

    private string DataDirectory => _context?.DataDirectory ?? Environment.CurrentDirectory;

    // Runs a create-with-mode attempt in $PLUGIN_DATA (or input.Path); it succeeded when the file ends up with the bit.
    private AttemptReport ModeAttempt(string attempt, ProbeInput? input, string file, int bit, Action<string> create)
    {
        var path = Path.Combine(input?.Path ?? DataDirectory, file);
        File.Delete(path);
        return AttemptReport.Try($"{attempt} {path}", () =>
        {
            create(path);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("the call returned but no file exists", path);
            }

            var mode = (int)File.GetUnixFileMode(path);
            if ((mode & bit) == 0)
            {
                throw new UnauthorizedAccessException($"the file exists but its mode is {Convert.ToString(mode, 8)}, without the bit");
            }
        });
    }
}
