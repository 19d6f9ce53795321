using System.Diagnostics;
using System.Globalization;

namespace Stockade.Linux.Launch;

/// <summary>
/// Start-up timestamps for the benchmark: when <c>STOCKADE_TRACE_STARTUP=1</c> is in the environment, the launcher and
/// the worker print <c>stockade-trace: &lt;phase&gt; &lt;ns&gt;</c> lines to stderr, where the number is
/// <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC on Linux, one clock for every process), so the host can put
/// its own spawn time and each process's phases on one line. Off, it costs one environment lookup per process.
/// </summary>
internal static class StartupTrace
{
    /// <summary>The environment variable that turns the trace on (the host never sets it; the benchmark does).</summary>
    public const string Variable = "STOCKADE_TRACE_STARTUP";

    /// <summary>The prefix of every trace line on stderr.</summary>
    public const string Prefix = "stockade-trace: ";

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>Prints one phase mark when tracing is on; never throws (a closed stderr only loses the mark).</summary>
    public static void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{phase} {Stopwatch.GetTimestamp()}"));
        }
        catch (IOException)
        {
        }
    }
}
