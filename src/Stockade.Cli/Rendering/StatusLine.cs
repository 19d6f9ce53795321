using System.Diagnostics;
using System.Globalization;

namespace Stockade.Cli.Rendering;

/// <summary>
/// A spinner on stderr for anything that takes longer than a second (issue 18 item 8): a worker's cold start, a call,
/// an install's validation and copy. Drawn only when stderr is a terminal (never into a pipe, a file or a test's
/// capture), only once the step has run for <see cref="Delay"/>, on one line that is erased when the step ends.
/// Anything else written to stderr while it spins goes through <see cref="WriteLine"/>, which erases the line first
/// so the two never share it. The text is the CLI's own; what it names (a plugin id, a method) is sanitised.
/// </summary>
internal sealed class StatusLine : IDisposable
{
    /// <summary>How long a step runs before the spinner appears.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);

    private static readonly string[] Frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    private readonly TextWriter? _terminal;
    private readonly Lock _gate = new();
    private Timer? _timer;
    private string? _what;
    private Stopwatch _elapsed = new();
    private int _frame;
    private bool _drawn;

    /// <param name="terminal">stderr when it is a terminal; null draws nothing.</param>
    public StatusLine(TextWriter? terminal) => _terminal = terminal;

    /// <summary>True when a spinner can be drawn at all.</summary>
    public bool Enabled => _terminal is not null;

    /// <summary>Shows <paramref name="what"/> with a spinner once it has run for a second; disposing the result ends the step.</summary>
    public IDisposable Begin(string what)
    {
        if (_terminal is null)
        {
            return this; // ending a step that draws nothing is harmless
        }

        lock (_gate)
        {
            EraseLocked();
            _what = TerminalText.Line(what, 120);
            _elapsed = Stopwatch.StartNew();
            _timer ??= new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
            _timer.Change(Delay, TimeSpan.FromMilliseconds(100));
        }

        return new Step(this);
    }

    /// <summary>Writes a line of stderr, erasing the spinner first (it comes back on its next tick).</summary>
    public void WriteLine(TextWriter writer, string line)
    {
        lock (_gate)
        {
            EraseLocked();
            writer.WriteLine(line);
        }
    }

    /// <summary>Ends the current step: the spinner stops and its line is erased.</summary>
    public void End()
    {
        lock (_gate)
        {
            _timer?.Change(Timeout.Infinite, Timeout.Infinite);
            _what = null;
            EraseLocked();
        }
    }

    public void Dispose()
    {
        End();
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Tick()
    {
        lock (_gate)
        {
            if (_what is null || _terminal is null)
            {
                return;
            }

            var seconds = _elapsed.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            try
            {
                _terminal.Write($"\r\u001b[2K{Frames[_frame++ % Frames.Length]} {_what} ({seconds} s)");
                _terminal.Flush();
                _drawn = true;
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                _what = null; // the terminal is gone; the command goes on
            }
        }
    }

    private void EraseLocked()
    {
        if (!_drawn || _terminal is null)
        {
            return;
        }

        try
        {
            _terminal.Write("\r\u001b[2K");
            _terminal.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Nothing to erase on a terminal that is gone.
        }

        _drawn = false;
    }

    private sealed class Step(StatusLine owner) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                owner.End();
            }
        }
    }
}
