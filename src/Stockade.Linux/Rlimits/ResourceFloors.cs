using Stockade.Linux.Launch;

namespace Stockade.Linux.Rlimits;

/// <summary>
/// The lowest limits a .NET worker survives on this platform. Below them the runtime dies at start-up with a
/// fatal error instead of a catchable exception (NOFILE 16: "Failed to load JIT compiler"; DATA 64 MiB:
/// "Out of memory." and abort; FSIZE 1 MiB caps the W^X double mapping so CoreCLR cannot start).
/// </summary>
internal static class ResourceFloors
{
    /// <summary>Minimum RLIMIT_NOFILE.</summary>
    public const long OpenFiles = 64;

    /// <summary>Minimum RLIMIT_DATA in bytes (128 MiB).</summary>
    public const long DataBytes = 128L * 1024 * 1024;

    /// <summary>Minimum RLIMIT_FSIZE in bytes (16 MiB).</summary>
    public const long FileSizeBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Checks <paramref name="limits"/> against the floors for a .NET worker; returns one message per problem
    /// (empty when fine). Executable (non-.NET) plugins may go lower and need not call this.
    /// </summary>
    public static IReadOnlyList<string> Validate(LaunchRlimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var problems = new List<string>();
        Check(problems, "openFiles", limits.OpenFiles, OpenFiles, "open files", "the runtime cannot load its JIT");
        Check(problems, "dataBytes", limits.DataBytes, DataBytes, "bytes of data memory", "the runtime aborts with 'Out of memory.'");
        Check(problems, "fileSizeBytes", limits.FileSizeBytes, FileSizeBytes, "bytes per file", "it also caps the runtime's executable memory and CoreCLR cannot start");
        return problems;
    }

    private static void Check(List<string> problems, string name, long? value, long floor, string unit, string consequence)
    {
        if (value is { } v && v < floor)
        {
            problems.Add($"rlimits.{name} = {v} is below the floor of {floor} {unit} for a .NET worker: {consequence}. Raise it to at least {floor}.");
        }
    }
}
