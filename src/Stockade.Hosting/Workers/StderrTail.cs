using System.Text;

namespace Stockade.Hosting.Workers;

/// <summary>
/// Keeps the last lines a worker wrote to stderr (bounded in lines and characters, since the
/// worker is untrusted: at most 42 lines of 2,100 characters, ~180 KiB) so a crash or a refused start can be explained to a person. A crash report's
/// message comes before its stack; when the stack alone outgrows the tail, the last message line is
/// kept in front of it so the reason is not lost.
/// </summary>
internal sealed class StderrTail
{
    private const int MaxLines = 40;
    // Longer than a pump line (StderrPump.MaxLineBytes) plus its "[line cut: …]" mark, so the mark survives.
    private const int MaxLineLength = 2100;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private long _added;
    private string? _lastMessage;
    private long _lastMessageAt;

    public void Add(string line)
    {
        if (line.Length > MaxLineLength)
        {
            line = string.Concat(line.AsSpan(0, MaxLineLength), "…");
        }

        lock (_gate)
        {
            if (!line.TrimStart().StartsWith("at ", StringComparison.Ordinal))
            {
                (_lastMessage, _lastMessageAt) = (line, _added);
            }

            _added++;
            _lines.Enqueue(line);
            while (_lines.Count > MaxLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_gate)
        {
            var first = _added - _lines.Count;
            if (_lastMessage is null || _lastMessageAt >= first)
            {
                return [.. _lines];
            }

            return [_lastMessage, $"… {first - _lastMessageAt - 1} more lines …", .. _lines];
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var line in Lines())
        {
            sb.AppendLine(line);
        }

        return sb.ToString();
    }
}
