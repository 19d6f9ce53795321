using System.Globalization;

namespace Stockade.Core.Manifest;

/// <summary>
/// A host's defaults and caps for every limit (each row of <see cref="ResourceLimitTable"/> and the three timeouts),
/// applied to a manifest: a limit the manifest leaves out takes the host's default; a limit the manifest asks above
/// the host's cap is refused with the cap named (or, when the host chooses to, lowered to the cap and said so).
/// </summary>
public static class HostLimits
{
    /// <summary>The caps a host has unless it sets its own: the table's maxima, memory 4,096 MiB, open files 4,096, threads 1,024, file 64 GiB, processes 64, CPU time uncapped.</summary>
    public static ResourceLimits DefaultCaps { get; } = new()
    {
        MemoryMb = 4096,
        CpuPercent = ResourceLimitTable.CpuPercent.Maximum,
        CpuTimeSeconds = null,
        OpenFiles = 4096,
        Threads = 1024,
        DiskMb = ResourceLimitTable.Disk.Maximum,
        MaxFileMb = 1 << 16,
        Processes = 64,
    };

    /// <summary>The timeout caps a host has unless it sets its own: 30 minutes each.</summary>
    public static PluginTimeouts DefaultTimeoutCaps { get; } = new(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30));

    /// <summary>
    /// The limits and timeouts a plugin runs under on a host. <paramref name="capsName"/> and <paramref name="timeoutCapsName"/>
    /// name the host settings in messages (e.g. <c>PluginHostOptions.ResourceCaps</c>).
    /// </summary>
    public static HostLimitResolution Resolve(
        PluginManifest manifest, ResourceLimits defaults, ResourceLimits caps, PluginTimeouts defaultTimeouts, PluginTimeouts timeoutCaps,
        bool clampToCaps, string capsName = "ResourceCaps", string timeoutCapsName = "TimeoutCaps")
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(caps);
        ArgumentNullException.ThrowIfNull(defaultTimeouts);
        ArgumentNullException.ThrowIfNull(timeoutCaps);
        var overCap = new List<string>();
        var limits = ResourceLimits.Default;
        foreach (var row in ResourceLimitTable.All)
        {
            var given = manifest.ResourceKeys.Contains(row.Key, StringComparer.Ordinal);
            var value = given ? row.Read(manifest.Resources) : row.Read(defaults);
            var cap = row.Read(caps);
            if (value is null)
            {
                // Unlimited (only CPU time can be): as much as the cap allows.
                limits = cap is { } c ? row.Write(limits, c) : limits with { CpuTimeSeconds = null };
                continue;
            }

            if (cap is { } max && value > max)
            {
                if (given)
                {
                    overCap.Add($"'resources.{row.Key}' is {value.Value.ToString(CultureInfo.InvariantCulture)} {row.Unit}, above this host's cap of {max.ToString(CultureInfo.InvariantCulture)} {row.Unit} ({capsName}.{Property(row)})");
                }

                value = max;
            }

            limits = row.Write(limits, value.Value);
        }

        var timeouts = new PluginTimeouts(
            Timeout("init", manifest.Timeouts.Init, defaultTimeouts.Init, timeoutCaps.Init),
            Timeout("call", manifest.Timeouts.Call, defaultTimeouts.Call, timeoutCaps.Call),
            Timeout("hook", manifest.Timeouts.Hook, defaultTimeouts.Hook, timeoutCaps.Hook));
        return new HostLimitResolution(limits, timeouts, overCap, clampToCaps);

        TimeSpan Timeout(string key, TimeSpan asked, TimeSpan fallback, TimeSpan cap)
        {
            var given = manifest.TimeoutKeys.Contains(key, StringComparer.Ordinal);
            var value = given ? asked : fallback;
            if (value <= cap)
            {
                return value;
            }

            if (given)
            {
                overCap.Add($"'timeouts.{key}' is {Format(value)}, above this host's cap of {Format(cap)} ({timeoutCapsName}.{char.ToUpperInvariant(key[0])}{key[1..]})");
            }

            return cap;
        }
    }

    /// <summary>
    /// Every problem with a host's defaults and caps: each cap and each default between the row's floor and maximum
    /// (CPU time may be unlimited in both), each timeout positive and at most 24 hours. A default above its cap is no
    /// error: it is lowered to the cap (<see cref="Resolve"/>), so lowering a cap alone (e.g. memory to 256 MiB) lowers
    /// what plugins that ask nothing get.
    /// </summary>
    public static IReadOnlyList<string> Validate(ResourceLimits defaults, ResourceLimits caps, PluginTimeouts defaultTimeouts, PluginTimeouts timeoutCaps, string defaultsName, string capsName, string defaultTimeoutsName, string timeoutCapsName)
    {
        var problems = new List<string>();
        if (defaults is null || caps is null || defaultTimeouts is null || timeoutCaps is null)
        {
            problems.Add($"{defaultsName}, {capsName}, {defaultTimeoutsName} and {timeoutCapsName} must be set (leave them at their defaults to keep the documented limits).");
            return problems;
        }

        foreach (var row in ResourceLimitTable.All)
        {
            var cap = row.Read(caps);
            var value = row.Read(defaults);
            if (cap is { } c && (c < row.HighestFloor || c > row.Maximum))
            {
                problems.Add($"{capsName}.{Property(row)} must be between {row.HighestFloor} and {row.Maximum} {row.Unit} (got {c}).{Hint(row, c)}");
            }
            else if (cap is null && row.Default is not null)
            {
                problems.Add($"{capsName}.{Property(row)} must be set (only CPU time may be uncapped).");
            }

            if (value is { } v && (v < row.HighestFloor || v > row.Maximum))
            {
                problems.Add($"{defaultsName}.{Property(row)} must be between {row.HighestFloor} and {row.Maximum} {row.Unit} (got {v}).{Hint(row, v)}");
            }
            else if (value is null && row.Default is not null)
            {
                problems.Add($"{defaultsName}.{Property(row)} must be set (only CPU time may be unlimited).");
            }
        }

        foreach (var (key, value, cap) in new[] { ("Init", defaultTimeouts.Init, timeoutCaps.Init), ("Call", defaultTimeouts.Call, timeoutCaps.Call), ("Hook", defaultTimeouts.Hook, timeoutCaps.Hook) })
        {
            if (cap <= TimeSpan.Zero || cap > Durations.Maximum)
            {
                problems.Add($"{timeoutCapsName}.{key} must be positive and at most 24 hours (got {cap}).");
            }

            if (value <= TimeSpan.Zero || value > Durations.Maximum)
            {
                problems.Add($"{defaultTimeoutsName}.{key} must be positive and at most 24 hours (got {value}).");
            }
        }

        return problems;
    }

    /// <summary>The <see cref="ResourceLimits"/> property a row reads, e.g. <c>MemoryMb</c> for <c>memoryMb</c>.</summary>
    public static string Property(ResourceLimitDefinition row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return char.ToUpperInvariant(row.Key[0]) + row.Key[1..];
    }

    private static string Hint(ResourceLimitDefinition row, int value) =>
        value < row.HighestFloor && row.FloorHint is { } hint ? " " + char.ToUpperInvariant(hint[0]) + hint[1..] + "." : string.Empty;

    private static string Format(TimeSpan value) =>
        value.TotalMilliseconds < 1000 ? $"{value.TotalMilliseconds:0} ms"
        : value.TotalSeconds < 120 ? $"{value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s"
        : value.TotalMinutes < 120 ? $"{value.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)} min"
        : $"{value.TotalHours.ToString("0.##", CultureInfo.InvariantCulture)} h";
}
