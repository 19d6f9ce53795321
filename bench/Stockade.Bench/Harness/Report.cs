using System.Globalization;
using System.Text;

namespace Stockade.Bench.Harness;

/// <summary>One line of the result: a figure, the baseline it is compared with, the target and whether it is met.</summary>
internal sealed record Figure(string Name, string Value, string Baseline, string Ratio, string Target, bool Met);

/// <summary>Collects figures and prints them as a Markdown table (also written to a file when asked).</summary>
internal sealed class Report
{
    private readonly List<Figure> _figures = [];
    private readonly List<string> _notes = [];

    public static string Us(double micros) => micros >= 10_000
        ? string.Create(CultureInfo.InvariantCulture, $"{micros / 1000:F1} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{micros:F2} µs");

    public static string Num(double value, string format = "F0") => value.ToString(format, CultureInfo.InvariantCulture);

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        Console.WriteLine($"  {figure.Name}: {figure.Value} (baseline {figure.Baseline}, ratio {figure.Ratio}) target {figure.Target}: {(figure.Met ? "met" : "NOT MET")}");
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine($"  note: {note}");
    }

    public string ToMarkdown(string header)
    {
        var text = new StringBuilder();
        text.AppendLine(header).AppendLine();
        text.AppendLine("| measure | value | baseline (same run) | ratio | target | met |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var f in _figures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {f.Name} | {f.Value} | {f.Baseline} | {f.Ratio} | {f.Target} | {(f.Met ? "yes" : "**no**")} |");
        }

        if (_notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in _notes)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        return text.ToString();
    }
}
