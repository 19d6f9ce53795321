using System.Runtime.InteropServices;
using Stockade.Plugin;

namespace Samples.Issue16Hostile;

/// <summary>
/// Each method takes one kind of memory (or CPU) until something outside the plugin stops it. Nothing is caught for
/// long: an <see cref="OutOfMemoryException"/> is rethrown on a thread of its own, so the runtime ends the process as it
/// ends an unaware plugin. Every hog is capped (<see cref="CapMb"/>) so a host that holds nothing still leaves the
/// machine standing. The liar prints an out-of-memory death and exits without allocating anything.
/// </summary>
public sealed class Issue16HostilePlugin : IPlugin
{
    private const int CapMb = 1536;
    private const long Mb = 1024 * 1024;
    private static readonly List<object> Hoard = [];

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Returns "pong".</summary>
    [PluginMethod("ping")]
    public string Ping() => "pong";

    /// <summary>The worker's process id.</summary>
    [PluginMethod("pid")]
    public int Pid() => Environment.ProcessId;

    /// <summary>Native memory (malloc), every page written.</summary>
    [PluginMethod("hogNative")]
    public unsafe string HogNative()
    {
        Hog(() =>
        {
            var block = Marshal.AllocHGlobal((nint)(8 * Mb));
            new Span<byte>((void*)block, (int)(8 * Mb)).Fill(1);
            Hoard.Add(block);
        }, 8);
        return Hold();
    }

    /// <summary>Managed arrays, every page written.</summary>
    [PluginMethod("hogManaged")]
    public string HogManaged()
    {
        Hog(() =>
        {
            var array = GC.AllocateUninitializedArray<byte>((int)(8 * Mb));
            array.AsSpan().Fill(1);
            Hoard.Add(array);
        }, 8);
        return Hold();
    }

    /// <summary>MAP_SHARED|MAP_ANONYMOUS mappings, written: neither RLIMIT_DATA nor the GC heap limit counts them.</summary>
    [PluginMethod("hogShared")]
    public string HogShared()
    {
        Hog(() => Hoard.Add(new Mapping(Native.MapTouched(-1, 16 * Mb, 0))), 16);
        return Hold();
    }

    /// <summary>A memfd grown and written through shared mappings; reports a refusal of memfd_create itself.</summary>
    [PluginMethod("hogMemfd")]
    public string HogMemfd()
    {
        var fd = Native.MemfdCreate("hog", 0);
        if (fd < 0)
        {
            return $"refused: memfd_create errno {Marshal.GetLastPInvokeError()}";
        }

        long size = 0;
        Hog(() =>
        {
            if (Native.Ftruncate(fd, size + (16 * Mb)) != 0)
            {
                throw new OutOfMemoryException($"ftruncate errno {Marshal.GetLastPInvokeError()}");
            }

            Hoard.Add(new Mapping(Native.MapTouched(fd, 16 * Mb, size)));
            size += 16 * Mb;
        }, 16);
        return Hold();
    }

    /// <summary>Spins on every core it is given; only a quota, RLIMIT_CPU or the host ends it.</summary>
    [PluginMethod("spin")]
    public long Spin()
    {
        long x = 0;
        while (true)
        {
            x++;
        }
    }

    /// <summary>Prints what an out-of-memory death looks like and exits 1, having allocated nothing.</summary>
    [PluginMethod("liar")]
    public string Liar()
    {
        Console.Error.WriteLine("Unhandled exception. System.OutOfMemoryException: Insufficient memory to continue the execution of the program.");
        Console.Error.WriteLine("   at Samples.Hog.Allocate() (memory limit 192 MB reached)");
        Console.Error.Flush();
        Environment.Exit(1);
        return "unreachable";
    }

    private static void Hog(Action step, int stepMb)
    {
        try
        {
            for (var taken = 0; taken < CapMb; taken += stepMb)
            {
                step();
            }
        }
        catch (OutOfMemoryException e)
        {
            // An unaware plugin's death: the runtime turns the failure into an error exit. What was taken is let go
            // first (a thread needs memory to start), so the process ends by the unhandled exception and not by
            // whatever else fails next; the cgroup's own counters keep the peak.
            Release();
            var thread = new Thread(() => throw new InvalidOperationException("hog stopped by: " + e.Message, e));
            thread.Start();
            thread.Join();
        }
    }

    private static void Release()
    {
        foreach (var item in Hoard)
        {
            if (item is IntPtr block)
            {
                Marshal.FreeHGlobal(block);
            }
        }

        Hoard.Clear();
        GC.Collect();
    }

    private static string Hold()
    {
        Thread.Sleep(Timeout.Infinite);
        return "unreachable";
    }
}

/// <summary>A shared mapping kept alive (never freed with <see cref="Marshal.FreeHGlobal"/>).</summary>
/// <param name="Address">Where it is mapped.</param>
internal sealed record Mapping(IntPtr Address);

/// <summary>The few libc calls the shared hogs need.</summary>
internal static partial class Native
{
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapShared = 0x01;
    private const int MapAnonymous = 0x20;

    /// <summary>Maps <paramref name="bytes"/> shared (anonymous when <paramref name="fd"/> is -1) and writes every page.</summary>
    public static unsafe IntPtr MapTouched(int fd, long bytes, long offset)
    {
        var flags = fd < 0 ? MapShared | MapAnonymous : MapShared;
        var address = Mmap(IntPtr.Zero, (nuint)bytes, ProtRead | ProtWrite, flags, fd, (nint)offset);
        if (address == new IntPtr(-1))
        {
            throw new OutOfMemoryException($"mmap errno {Marshal.GetLastPInvokeError()}");
        }

        new Span<byte>((void*)address, checked((int)bytes)).Fill(1);
        return address;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial IntPtr Mmap(IntPtr address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int Ftruncate(int fd, long length);
}
