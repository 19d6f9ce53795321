using System.Text;

namespace Stockade.Hosting.Workers;

/// <summary>
/// Keeps the last lines a worker wrote to stderr (bounded in lines and characters, since the
/// worker is untrusted) so a crash or a refused start can be explained to a person.
/// </summary>
internal sealed class StderrTail
{
    private const int MaxLines = 40;
    private const int MaxLineLength = 2000;
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        if (line.Length > MaxLineLength)
        {
            line = string.Concat(line.AsSpan(0, MaxLineLength), "…");
        }

        lock (_gate)
        {
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
            return [.. _lines];
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
