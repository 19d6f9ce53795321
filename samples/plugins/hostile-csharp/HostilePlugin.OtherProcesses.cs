using System.Runtime.InteropServices;
using Stockade.Plugin;

namespace Samples.Hostile;

// Issue 14, class 2: other processes by pid. Landlock scopes signals and ptrace, not the calls that
// take a pid to read or change another process's limits, priority, CPUs or I/O class. Every "set"
// here writes back the value just read, so a success proves the reach without changing the host.
public sealed partial class HostilePlugin
{
    private const int RlimitCore = 4;
    private const int PrioProcess = 0;
    private const int IoprioWhoProcess = 1;
    private const int PrSetPdeathsig = 1;
    private const int PrGetPdeathsig = 2;
    private const int PrGetDumpable = 3;
    private const int PrSetDumpable = 4;
    private const int PrSetPtracer = 0x59616d61;
    private const nint PrSetPtracerAny = -1;

    /// <summary>Reads the host's core-file limit with <c>prlimit64</c> (no change).</summary>
    [PluginMethod("prlimitParentRead")]
    public unsafe AttemptReport PrlimitParentRead(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"prlimitParentRead pid {pid}", () =>
        {
            Native.ResourceLimit old;
            Native.Checked("prlimit64(parent, RLIMIT_CORE, NULL, &old)", Native.SysPrlimit64, pid, RlimitCore, 0, (nint)(&old));
        });
    }

    /// <summary>Sets the host's core-file limit with <c>prlimit64</c> to the value it already has (RLIMIT_CPU killed a host this way).</summary>
    [PluginMethod("prlimitParentSet")]
    public unsafe AttemptReport PrlimitParentSet(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"prlimitParentSet pid {pid}", () =>
        {
            Native.ResourceLimit old;
            Native.ResourceLimit same;
            if (Native.Call(Native.SysPrlimit64, pid, RlimitCore, 0, (nint)(&old)) == 0)
            {
                same = old;
            }
            else
            {
                // Reading may be refused while setting is not; set what a host normally has.
                Native.Check(Native.GetResourceLimit(RlimitCore, out same), "getrlimit");
            }

            Native.Checked("prlimit64(parent, RLIMIT_CORE, &same, NULL)", Native.SysPrlimit64, pid, RlimitCore, (nint)(&same), 0);
        });
    }

    /// <summary>Sets the host's nice value to the value it has (<c>setpriority</c>).</summary>
    [PluginMethod("setpriorityParent")]
    public AttemptReport SetpriorityParent(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"setpriorityParent pid {pid}", () =>
        {
            // The raw call returns 20 - nice.
            var raw = Native.Checked("getpriority(parent)", Native.SysGetpriority, PrioProcess, pid);
            Native.Checked("setpriority(parent, same)", Native.SysSetpriority, PrioProcess, pid, (nint)(20 - raw));
        });
    }

    /// <summary>Pins the host to the CPUs it already has (<c>sched_setaffinity</c>).</summary>
    [PluginMethod("affinityParent")]
    public AttemptReport AffinityParent(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"affinityParent pid {pid}", () =>
        {
            using var mask = new Native.Buffer(128);
            var size = Native.Checked("sched_getaffinity(parent)", Native.SysSchedGetaffinity, pid, mask.Size, mask);
            Native.Checked("sched_setaffinity(parent, same)", Native.SysSchedSetaffinity, pid, (nint)size, mask);
        });
    }

    /// <summary>Sets the host's I/O priority to the one it has (<c>ioprio_set</c>).</summary>
    [PluginMethod("ioprioParent")]
    public AttemptReport IoprioParent(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"ioprioParent pid {pid}", () =>
        {
            var current = Native.Checked("ioprio_get(parent)", Native.SysIoprioGet, IoprioWhoProcess, pid);
            Native.Checked("ioprio_set(parent, same)", Native.SysIoprioSet, IoprioWhoProcess, pid, (nint)current);
        });
    }

    /// <summary>Sets the host's scheduling policy to the one it has (<c>sched_setscheduler</c>; a neighbour of the list).</summary>
    [PluginMethod("schedulerParent")]
    public AttemptReport SchedulerParent(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"schedulerParent pid {pid}", () =>
        {
            using var param = new Native.Buffer(8);
            var policy = Native.Checked("sched_getscheduler(parent)", Native.SysSchedGetscheduler, pid);
            Native.Checked("sched_getparam(parent)", Native.SysSchedGetparam, pid, param);
            Native.Checked("sched_setscheduler(parent, same)", Native.SysSchedSetscheduler, pid, (nint)policy, param);
        });
    }

    /// <summary>Clears the worker's parent-death signal, so it would outlive a <c>kill -9</c>ed host.</summary>
    [PluginMethod("clearPdeathsig")]
    public unsafe AttemptReport ClearPdeathsig() => AttemptReport.Try("clearPdeathsig prctl(PR_SET_PDEATHSIG, 0)", () =>
    {
        int before;
        _ = Native.Call(Native.SysPrctl, PrGetPdeathsig, (nint)(&before));
        Native.Checked("prctl(PR_SET_PDEATHSIG, 0)", Native.SysPrctl, PrSetPdeathsig, 0);
    });

    /// <summary>Sets the worker's dumpable flag (the same value; a change of it must be refused either way).</summary>
    [PluginMethod("setDumpable")]
    public AttemptReport SetDumpable() => AttemptReport.Try("setDumpable prctl(PR_SET_DUMPABLE)", () =>
    {
        var current = Native.Checked("prctl(PR_GET_DUMPABLE)", Native.SysPrctl, PrGetDumpable);
        Native.Checked("prctl(PR_SET_DUMPABLE)", Native.SysPrctl, PrSetDumpable, (nint)current);
    });

    /// <summary>Lets any process ptrace the worker (Yama's <c>PR_SET_PTRACER_ANY</c>).</summary>
    [PluginMethod("setPtracer")]
    public AttemptReport SetPtracer() => AttemptReport.Try("setPtracer prctl(PR_SET_PTRACER, ANY)", () =>
        Native.Checked("prctl(PR_SET_PTRACER, ANY)", Native.SysPrctl, PrSetPtracer, PrSetPtracerAny));

    /// <summary>Opens a pidfd on the host (a handle on it; next steps are pidfd_getfd and pidfd_send_signal).</summary>
    [PluginMethod("pidfdParent")]
    public AttemptReport PidfdParent(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"pidfdParent pid {pid}", () =>
            Native.Close((int)Native.Checked("pidfd_open(parent)", Native.SysPidfdOpen, pid, 0)));
    }

    /// <summary>Copies the host's standard input through <c>pidfd_getfd</c> (a neighbour: stealing a host fd).</summary>
    [PluginMethod("pidfdGetfd")]
    public AttemptReport PidfdGetfd(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"pidfdGetfd pid {pid} fd 0", () =>
        {
            var pidfd = (int)Native.Checked("pidfd_open(parent)", Native.SysPidfdOpen, pid, 0);
            try
            {
                Native.Close((int)Native.Checked("pidfd_getfd(parent, 0)", Native.SysPidfdGetfd, pidfd, 0, 0));
            }
            finally
            {
                Native.Close(pidfd);
            }
        });
    }

    /// <summary>Probes the host with signal 0 (<c>kill(pid, 0)</c>; signalParent sends SIGTERM).</summary>
    [PluginMethod("signalZeroParent")]
    public AttemptReport SignalZeroParent(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"signalZeroParent pid {pid}", () => Native.Check(Native.Kill(pid, 0), "kill(parent, 0)"));
    }

    /// <summary>Reads the host's memory with <c>process_vm_readv</c> (a neighbour).</summary>
    [PluginMethod("readParentMemory")]
    public unsafe AttemptReport ReadParentMemory(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"readParentMemory pid {pid}", () =>
        {
            // The host's address layout is unknown; our own buffer's address is used, and EFAULT (14)
            // still proves the ptrace-access check was passed.
            using var local = new Native.Buffer(64);
            var iov = stackalloc nint[2] { local.Pointer, 64 };
            var remote = stackalloc nint[2] { local.Pointer, 64 };
            var read = Native.Call(Native.SysProcessVmReadv, pid, (nint)iov, 1, (nint)remote, 1, 0);
            if (read < 0 && Marshal.GetLastPInvokeError() is not 14)
            {
                Native.Check(read, "process_vm_readv(parent)");
            }
        });
    }

    /// <summary>Compares the host's open files with <c>kcmp</c> (a neighbour: it needs ptrace access too).</summary>
    [PluginMethod("kcmpParent")]
    public AttemptReport KcmpParent(ProbeInput? input)
    {
        var pid = Target(input);
        return AttemptReport.Try($"kcmpParent pid {pid}", () =>
            Native.Checked("kcmp(self, parent, KCMP_FILE, 0, 0)", Native.SysKcmp, Native.GetProcessId(), pid, 0, 0, 0));
    }

    private static int Target(ProbeInput? input) => input?.Pid ?? Native.GetParentProcessId();
}
