using System.Globalization;

namespace Stockade.Linux.Privileges;

/// <summary>
/// The capability sets, securebits and identity of the calling thread, as <c>/proc/thread-self/status</c> and
/// <c>PR_GET_SECUREBITS</c> report them: what the kernel will act on, not what the code meant to set.
/// </summary>
internal sealed record CapabilitySnapshot
{
    /// <summary><c>CapInh</c>: capabilities a program may inherit across <c>execve</c>.</summary>
    public required ulong Inheritable { get; init; }

    /// <summary><c>CapPrm</c>.</summary>
    public required ulong Permitted { get; init; }

    /// <summary><c>CapEff</c>.</summary>
    public required ulong Effective { get; init; }

    /// <summary><c>CapBnd</c>: the ceiling of what an <c>execve</c> (setuid root, file capabilities) may grant.</summary>
    public required ulong Bounding { get; init; }

    /// <summary><c>CapAmb</c>: capabilities kept across <c>execve</c> of an unprivileged program.</summary>
    public required ulong Ambient { get; init; }

    /// <summary>The securebits (<c>PR_GET_SECUREBITS</c>).</summary>
    public required int SecureBits { get; init; }

    /// <summary>Real, effective, saved and filesystem uid.</summary>
    public required IReadOnlyList<uint> Uids { get; init; }

    /// <summary>Real, effective, saved and filesystem gid.</summary>
    public required IReadOnlyList<uint> Gids { get; init; }

    /// <summary>Supplementary groups.</summary>
    public required IReadOnlyList<uint> Groups { get; init; }

    /// <summary>Reads the calling thread's state (capability sets are per thread).</summary>
    public static CapabilitySnapshot OfCurrentThread()
    {
        string status = File.ReadAllText("/proc/thread-self/status");
        int secureBits = Interop.Check(Interop.prctl(Interop.PR_GET_SECUREBITS, 0, 0, 0, 0), "prctl(PR_GET_SECUREBITS)");
        return Parse(status, secureBits);
    }

    /// <summary>Parses the text of a <c>/proc/&lt;pid&gt;/status</c> file.</summary>
    public static CapabilitySnapshot Parse(string status, int secureBits)
    {
        ArgumentNullException.ThrowIfNull(status);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in status.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }

        ulong Hex(string name) => fields.TryGetValue(name, out string? value)
            ? ulong.Parse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : throw new FormatException($"/proc status has no {name} line");

        IReadOnlyList<uint> Ids(string name) => fields.TryGetValue(name, out string? value)
            ? [.. value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(v => uint.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture))]
            : throw new FormatException($"/proc status has no {name} line");

        return new CapabilitySnapshot
        {
            Inheritable = Hex("CapInh"),
            Permitted = Hex("CapPrm"),
            Effective = Hex("CapEff"),
            Bounding = Hex("CapBnd"),
            Ambient = Hex("CapAmb"),
            SecureBits = secureBits,
            Uids = Ids("Uid"),
            Gids = Ids("Gid"),
            Groups = Ids("Groups"),
        };
    }
}
