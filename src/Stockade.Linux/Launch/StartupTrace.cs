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

    private const int SysWrite = 1;
    private const int StandardError = 2;

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>Prints one phase mark when tracing is on; never throws (a closed stderr only loses the mark).</summary>
    /// <remarks>
    /// The line goes to descriptor 2 with one <c>write(2)</c>, not through <see cref="Console.Error"/>: the first mark
    /// would otherwise set up the console writer and put that cost into the phase it measures (it showed as part of
    /// seccomp-installed before session 11), and one write keeps the lines of several threads whole.
    /// </remarks>
    public static unsafe void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        Span<byte> line = stackalloc byte[160];
        var at = 0;
        foreach (char c in Prefix)
        {
            line[at++] = (byte)c;
        }

        foreach (char c in phase)
        {
            if (at >= line.Length - 24)
            {
                break;
            }

            line[at++] = c is > ' ' and < (char)127 ? (byte)c : (byte)'?';
        }

        line[at++] = (byte)' ';
        _ = now.TryFormat(line[at..], out var written, default, CultureInfo.InvariantCulture);
        at += written;
        line[at++] = (byte)'\n';
        fixed (byte* bytes = line)
        {
            _ = Interop.Syscall(SysWrite, StandardError, (nint)bytes, at);
        }
    }
}
