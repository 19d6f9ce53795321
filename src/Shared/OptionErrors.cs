using System.Globalization;

#if STOCKADE_PROTOCOL
namespace Stockade.Protocol;
#else
namespace Stockade;
#endif

/// <summary>
/// The one way Stockade's options are validated: every problem is gathered (never the first alone), each names the
/// setting by its full path (<c>PluginHostOptions.Http.Timeout</c>), the rule, and the value it had, so one message
/// tells an operator everything to fix. Options types call it from their validation member; the host runs them all at
/// start and throws one exception listing every problem.
/// </summary>
/// <remarks>
/// One source file compiled into the assemblies that hold options (Stockade.Linux, whose internals Stockade.Hosting
/// sees, and Stockade.Protocol, which references nothing), so each layer keeps its dependencies.
/// </remarks>
internal sealed class OptionErrors(string owner)
{
    private readonly List<string> _problems = [];

    /// <summary>Every problem so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The full name of a setting, e.g. <c>PluginHostOptions.Http.Timeout</c>.</summary>
    public string Name(string setting) => owner.Length == 0 ? setting : $"{owner}.{setting}";

    /// <summary>Adds a problem: <c>{owner}.{setting} {rule} (got {value}).</c></summary>
    public void Add(string setting, string rule, object? got) => _problems.Add($"{Name(setting)} {rule} (got {Format(got)}).");

    /// <summary>Adds problems gathered elsewhere (a nested options type's), as they are.</summary>
    public void AddRange(IEnumerable<string> problems) => _problems.AddRange(problems);

    /// <summary>Adds a problem unless <paramref name="ok"/>.</summary>
    public void Require(bool ok, string setting, string rule, object? got)
    {
        if (!ok)
        {
            Add(setting, rule, got);
        }
    }

    /// <summary>The value must be at least <paramref name="minimum"/>.</summary>
    public void AtLeast(string setting, long value, long minimum) =>
        Require(value >= minimum, setting, $"must be at least {minimum.ToString(CultureInfo.InvariantCulture)}", value);

    /// <summary>The value must be between <paramref name="minimum"/> and <paramref name="maximum"/>.</summary>
    public void Between(string setting, long value, long minimum, long maximum) =>
        Require(value >= minimum && value <= maximum, setting, $"must be between {minimum.ToString(CultureInfo.InvariantCulture)} and {maximum.ToString(CultureInfo.InvariantCulture)}", value);

    /// <summary>The time span must be positive and finite.</summary>
    public void Positive(string setting, TimeSpan value) =>
        Require(value > TimeSpan.Zero && value != Timeout.InfiniteTimeSpan, setting, "must be a positive, finite time span", value);

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, when there is any.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
        {
            throw new ArgumentException(Message(owner, _problems));
        }
    }

    /// <summary>The one message for a list of problems: <c>2 problem(s) with X: a; b</c>.</summary>
    public static string Message(string owner, IReadOnlyList<string> problems) =>
        $"{problems.Count.ToString(CultureInfo.InvariantCulture)} problem(s) with {owner}: {string.Join(" ", problems)}";

    private static string Format(object? value) => value switch
    {
        null => "nothing",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "nothing",
    };
}
