namespace Stockade.Linux.Rlimits;

/// <summary>Typed <c>setrlimit</c>/<c>getrlimit</c>.</summary>
internal static class ResourceLimits
{
    /// <summary>Sets soft and hard limit to <paramref name="value"/> (<see cref="Interop.RLIM_INFINITY"/> for none).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The kernel refused, e.g. raising a hard limit unprivileged.</exception>
    internal static void Set(RlimitResource resource, ulong value) => Set(resource, value, value);

    internal static void Set(RlimitResource resource, ulong soft, ulong hard)
    {
        var limit = new Interop.rlimit { rlim_cur = soft, rlim_max = hard };
        Interop.Check(Interop.setrlimit((int)resource, limit), $"setrlimit({resource}, {soft}, {hard})");
    }

    internal static (ulong Soft, ulong Hard) Get(RlimitResource resource)
    {
        Interop.Check(Interop.getrlimit((int)resource, out Interop.rlimit limit), $"getrlimit({resource})");
        return (limit.rlim_cur, limit.rlim_max);
    }

    /// <summary>Ignores SIGXFSZ so a write past RLIMIT_FSIZE fails with EFBIG instead of killing the process.</summary>
    internal static void IgnoreFileSizeSignal()
    {
        if (Interop.signal(Interop.SIGXFSZ, Interop.SIG_IGN) == -1)
        {
            Interop.Check(-1, "signal(SIGXFSZ, SIG_IGN)");
        }
    }
}
