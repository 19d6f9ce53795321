using System.Runtime.InteropServices;
using Stockade.Plugin;

namespace Samples.Hostile;

// Issue 14, class 4: kernel objects outside the path model. Landlock sees paths; these are reached
// by key, by name in a private filesystem, or by a descriptor, and live outside the worker's limits.
// Whatever an attempt creates, it removes.
public sealed partial class HostilePlugin
{
    private const int InCloexec = 0x80000;
    private const uint InAllEvents = 0xfff;
    private const int KeySpecProcessKeyring = -2;
    private const int KeyctlGetKeyringId = 0;
    private const int KeySpecUserKeyring = -4;
    private const int PerfTypeSoftware = 1;
    private const int BpfMapCreate = 0;
    private const int BpfMapTypeArray = 2;
    private const int OpenTreeClone = 1;

    /// <summary>Creates (then removes) a SysV shared memory segment: it outlives the worker and no memory limit counts it.</summary>
    [PluginMethod("sysvShm")]
    public AttemptReport SysvShm() => AttemptReport.Try("sysvShm shmget(IPC_PRIVATE)", () =>
    {
        var id = Native.Checked("shmget", Native.SysShmget, Native.IpcPrivate, 1 << 20, Native.IpcCreat | 0x180);
        _ = Native.Call(Native.SysShmctl, (nint)id, Native.IpcRmid, 0);
    });

    /// <summary>Creates (then removes) a SysV message queue.</summary>
    [PluginMethod("sysvMsg")]
    public AttemptReport SysvMsg() => AttemptReport.Try("sysvMsg msgget(IPC_PRIVATE)", () =>
    {
        var id = Native.Checked("msgget", Native.SysMsgget, Native.IpcPrivate, Native.IpcCreat | 0x180);
        _ = Native.Call(Native.SysMsgctl, (nint)id, Native.IpcRmid, 0);
    });

    /// <summary>Creates (then removes) a SysV semaphore set.</summary>
    [PluginMethod("sysvSem")]
    public AttemptReport SysvSem() => AttemptReport.Try("sysvSem semget(IPC_PRIVATE)", () =>
    {
        var id = Native.Checked("semget", Native.SysSemget, Native.IpcPrivate, 1, Native.IpcCreat | 0x180);
        _ = Native.Call(Native.SysSemctl, (nint)id, 0, Native.IpcRmid, 0);
    });

    /// <summary>Creates (then unlinks) a POSIX message queue (mqueue is its own filesystem, outside the rules).</summary>
    [PluginMethod("posixMq")]
    public AttemptReport PosixMq(ProbeInput? input)
    {
        var name = "/" + (input?.Name ?? "stockade-hostile-" + Environment.ProcessId);
        return AttemptReport.Try($"posixMq mq_open({name}, O_CREAT)", () =>
        {
            using var queue = new Native.CString(name[1..]);
            var fd = Native.Checked("mq_open(O_CREAT)", Native.SysMqOpen, queue, Native.ORdWr | Native.OCreat | Native.OCloexec, 0x180, 0);
            Native.Close((int)fd);
            _ = Native.Call(Native.SysMqUnlink, queue);
        });
    }

    /// <summary>Watches a folder outside its grants with inotify (default <c>/etc</c>; the test also tries the audit folder).</summary>
    [PluginMethod("inotifyWatch")]
    public AttemptReport InotifyWatch(ProbeInput? input)
    {
        var path = input?.Path ?? "/etc";
        return AttemptReport.Try($"inotifyWatch {path}", () =>
        {
            var fd = (int)Native.Checked("inotify_init1", Native.SysInotifyInit1, InCloexec);
            try
            {
                using var name = new Native.CString(path);
                Native.Checked("inotify_add_watch", Native.SysInotifyAddWatch, fd, name, (nint)InAllEvents);
            }
            finally
            {
                Native.Close(fd);
            }
        });
    }

    /// <summary>Adds a key to its process keyring (<c>add_key</c>).</summary>
    [PluginMethod("addKey")]
    public AttemptReport AddKey() => AttemptReport.Try("addKey user:stockade", () =>
    {
        using var type = new Native.CString("user");
        using var description = new Native.CString("stockade-hostile");
        using var payload = new Native.CString("x");
        Native.Checked("add_key", Native.SysAddKey, type, description, payload, 1, KeySpecProcessKeyring);
    });

    /// <summary>Finds the user keyring (<c>keyctl</c>): keys of the uid's other processes live there.</summary>
    [PluginMethod("keyctl")]
    public AttemptReport Keyctl() => AttemptReport.Try("keyctl GET_KEYRING_ID user", () =>
        Native.Checked("keyctl(GET_KEYRING_ID)", Native.SysKeyctl, KeyctlGetKeyringId, KeySpecUserKeyring, 0));

    /// <summary>Sets up an io_uring (it performs I/O outside the seccomp filter's sight).</summary>
    [PluginMethod("ioUring")]
    public AttemptReport IoUring() => AttemptReport.Try("ioUring io_uring_setup", () =>
    {
        using var parameters = new Native.Buffer(120);
        Native.Close((int)Native.Checked("io_uring_setup", Native.SysIoUringSetup, 1, parameters));
    });

    /// <summary>Creates a userfaultfd (a kernel-exploit primitive).</summary>
    [PluginMethod("userfaultfd")]
    public AttemptReport Userfaultfd() => AttemptReport.Try("userfaultfd", () =>
        Native.Close((int)Native.Checked("userfaultfd", Native.SysUserfaultfd, Native.OCloexec)));

    /// <summary>Opens a software perf event on itself.</summary>
    [PluginMethod("perfEvent")]
    public AttemptReport PerfEvent() => AttemptReport.Try("perfEvent perf_event_open", () =>
    {
        using var attr = new Native.Buffer(128);
        MemoryMarshal.Write(attr.Span, PerfTypeSoftware);
        MemoryMarshal.Write(attr.Span[4..], 128);
        Native.Close((int)Native.Checked("perf_event_open", Native.SysPerfEventOpen, attr, 0, -1, -1, 0));
    });

    /// <summary>Creates a BPF map.</summary>
    [PluginMethod("bpf")]
    public AttemptReport Bpf() => AttemptReport.Try("bpf BPF_MAP_CREATE", () =>
    {
        using var attr = new Native.Buffer(128);
        MemoryMarshal.Write(attr.Span, BpfMapTypeArray);
        MemoryMarshal.Write(attr.Span[4..], 4);
        MemoryMarshal.Write(attr.Span[8..], 4);
        MemoryMarshal.Write(attr.Span[12..], 1);
        Native.Close((int)Native.Checked("bpf(BPF_MAP_CREATE)", Native.SysBpf, BpfMapCreate, attr, 128));
    });

    /// <summary>Opens a file outside its grants with <c>openat2</c>.</summary>
    [PluginMethod("openat2Outside")]
    public AttemptReport Openat2Outside(ProbeInput? input)
    {
        var path = input?.Path ?? DefaultSecret;
        return AttemptReport.Try($"openat2Outside {path}", () =>
        {
            using var name = new Native.CString(path);
            using var how = new Native.Buffer(24);
            MemoryMarshal.Write(how.Span, (long)(Native.ORdOnly | Native.OCloexec));
            Native.Close((int)Native.Checked("openat2(O_RDONLY)", Native.SysOpenat2, Native.AtFdCwd, name, how, 24));
        });
    }

    /// <summary>Gets a file handle for a path outside its grants (<c>name_to_handle_at</c>; the first half of the "shocker" escape).</summary>
    [PluginMethod("nameToHandle")]
    public AttemptReport NameToHandle(ProbeInput? input)
    {
        var path = input?.Path ?? DefaultSecret;
        return AttemptReport.Try($"nameToHandle {path}", () =>
        {
            using var name = new Native.CString(path);
            using var handle = new Native.Buffer(8 + 128);
            MemoryMarshal.Write(handle.Span, 128);
            using var mountId = new Native.Buffer(4);
            Native.Checked("name_to_handle_at", Native.SysNameToHandleAt, Native.AtFdCwd, name, handle, mountId, 0);
        });
    }

    /// <summary>Opens a filesystem context (<c>fsopen("tmpfs")</c>; the new mount API beside the old mount call, a neighbour).</summary>
    [PluginMethod("fsopen")]
    public AttemptReport Fsopen() => AttemptReport.Try("fsopen tmpfs", () =>
    {
        using var type = new Native.CString("tmpfs");
        Native.Close((int)Native.Checked("fsopen(tmpfs)", Native.SysFsopen, type, 1));
    });

    /// <summary>Clones the mount tree at <c>/</c> (<c>open_tree(OPEN_TREE_CLONE)</c>; a neighbour).</summary>
    [PluginMethod("openTree")]
    public AttemptReport OpenTree() => AttemptReport.Try("openTree / CLONE", () =>
    {
        using var root = new Native.CString("/");
        Native.Close((int)Native.Checked("open_tree(/, CLONE)", Native.SysOpenTree, Native.AtFdCwd, root, OpenTreeClone | Native.OCloexec));
    });
}
