using System.Globalization;

namespace Stockade.Bench.Harness;

/// <summary>
/// One process's memory from <c>/proc/&lt;pid&gt;/smaps_rollup</c>, in KiB. PSS (proportional set size) charges each shared
/// page to the processes mapping it in equal parts, so the PSS of N processes added up is what they cost the machine
/// together; RSS counts every shared page in full in each; USS (private clean + dirty) is what killing it alone frees.
/// </summary>
internal readonly record struct MemoryUse(long RssKb, long PssKb, long UssKb, long PssAnonKb, long PssFileKb, long PssShmemKb)
{
    /// <summary>Reads the rollup of <paramref name="pid"/> (root reads any process's; others only their own uid's).</summary>
    public static MemoryUse Of(int pid)
    {
        long rss = 0, pss = 0, privateClean = 0, privateDirty = 0, pssAnon = 0, pssFile = 0, pssShmem = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim();
            if (!value.EndsWith(" kB", StringComparison.Ordinal))
            {
                continue;
            }

            var kb = long.Parse(value[..^3].Trim(), CultureInfo.InvariantCulture);
            switch (line[..colon])
            {
                case "Rss": rss = kb; break;
                case "Pss": pss = kb; break;
                case "Private_Clean": privateClean = kb; break;
                case "Private_Dirty": privateDirty = kb; break;
                case "Pss_Anon": pssAnon = kb; break;
                case "Pss_File": pssFile = kb; break;
                case "Pss_Shmem": pssShmem = kb; break;
            }
        }

        return new MemoryUse(rss, pss, privateClean + privateDirty, pssAnon, pssFile, pssShmem);
    }

    /// <summary>The mean of each field over <paramref name="uses"/>.</summary>
    public static MemoryUse Mean(IReadOnlyCollection<MemoryUse> uses) => uses.Count == 0
        ? default
        : new MemoryUse(uses.Sum(u => u.RssKb) / uses.Count, uses.Sum(u => u.PssKb) / uses.Count, uses.Sum(u => u.UssKb) / uses.Count,
            uses.Sum(u => u.PssAnonKb) / uses.Count, uses.Sum(u => u.PssFileKb) / uses.Count, uses.Sum(u => u.PssShmemKb) / uses.Count);

    /// <summary>KiB as MiB with one decimal.</summary>
    public static string Mib(double kb) => string.Create(CultureInfo.InvariantCulture, $"{kb / 1024:F1} MiB");

    // Shmem is the runtime's W^X double mapping of JIT code (a memfd mapped twice), present in JIT processes only.
    public override string ToString() => $"PSS {Mib(PssKb)} (anon {Mib(PssAnonKb)}, file {Mib(PssFileKb)}, shmem {Mib(PssShmemKb)}), RSS {Mib(RssKb)}, USS {Mib(UssKb)}";
}
