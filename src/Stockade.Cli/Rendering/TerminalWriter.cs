using System.Text;

namespace Stockade.Cli.Rendering;

/// <summary>
/// The CLI's stderr: whatever is written passes through <see cref="TerminalText"/> on its way out, so
/// that a field a command forgot to sanitise still cannot move the cursor, clear the screen, set the
/// title, write the clipboard (OSC 52) or reorder a line. Only the newline passes as it is; a field
/// that must stay on one line is made so with <see cref="TerminalText.Line"/> where it is written.
/// </summary>
internal sealed class TerminalWriter(TextWriter inner) : TextWriter
{
    private char? _pendingHigh;

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine accepts null (meaning the default); so does the inner writer.
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value)
    {
        if (_pendingHigh is { } high)
        {
            _pendingHigh = null;
            if (char.IsLowSurrogate(value))
            {
                inner.Write(TerminalText.Block(string.Concat(high.ToString(), value.ToString())));
                return;
            }

            inner.Write(TerminalText.Block(high.ToString()));
        }

        if (char.IsHighSurrogate(value))
        {
            _pendingHigh = value;
            return;
        }

        inner.Write(TerminalText.Block(value.ToString()));
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (value == NewLine || value == Environment.NewLine)
        {
            // The writer's own line end ("\r\n" on Windows) passes as it is.
            FlushPending();
            inner.Write(value);
            return;
        }

        if (_pendingHigh is not null)
        {
            foreach (var c in value)
            {
                Write(c);
            }

            return;
        }

        if (char.IsHighSurrogate(value[^1]))
        {
            // A surrogate pair split across two writes: keep its first half until the next write.
            inner.Write(TerminalText.Block(value[..^1]));
            _pendingHigh = value[^1];
            return;
        }

        inner.Write(TerminalText.Block(value));
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        Write(value);
        WriteLine();
    }

    public override void WriteLine()
    {
        FlushPending();
        inner.WriteLine();
    }

    public override void Flush()
    {
        FlushPending();
        inner.Flush();
    }

    private void FlushPending()
    {
        if (_pendingHigh is { } high)
        {
            _pendingHigh = null;
            inner.Write(TerminalText.Block(high.ToString()));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }
}
