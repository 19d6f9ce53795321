using System.Globalization;

namespace Stockade.Core.Manifest;

/// <summary>
/// How a plugin whose worker ended (crash, resource kill, timeout) is restarted: at most <see cref="MaxRestarts"/>
/// restarts within <see cref="Window"/>, after which the plugin is disabled until a person enables it again; and under
/// the same limits or, after a resource kill, stricter ones (<see cref="Limits"/>, <see cref="Factor"/>). A host sets
/// one (<c>PluginHostOptions.Restart</c>); a manifest may only make it stricter (<see cref="RestartRequest"/>).
/// </summary>
public sealed record RestartPolicy
{
    /// <summary>Most restarts a policy may allow in its window.</summary>
    public const int MaxRestartsCeiling = 100;

    /// <summary>The lowest factor (each step at least a tenth of the limit before it).</summary>
    public const double MinFactor = 0.1;

    /// <summary>The highest factor: a stricter step takes at least 5 % off.</summary>
    public const double MaxFactor = 0.95;

    /// <summary>The shortest window (one second).</summary>
    public static readonly TimeSpan MinWindow = TimeSpan.FromSeconds(1);

    /// <summary>The longest window (one day).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(1);

    /// <summary>3 restarts within 5 minutes, same limits (the behaviour before restart policies existed).</summary>
    public static RestartPolicy Default { get; } = new();

    /// <summary>Restarts allowed within <see cref="Window"/>; the next end disables the plugin. Default 3; 0 disables it at its first end.</summary>
    public int MaxRestarts { get; init; } = 3;

    /// <summary>Restarts (and resource kills) older than this are forgotten. Default 5 minutes.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Same limits, or stricter after each resource kill. Default <see cref="RestartLimits.Same"/>.</summary>
    public RestartLimits Limits { get; init; } = RestartLimits.Same;

    /// <summary>The multiplier of one stricter step, 0.1 to 0.95; used with <see cref="RestartLimits.Stricter"/>. Default 0.5.</summary>
    public double Factor { get; init; } = 0.5;

    /// <summary>
    /// This policy (the host's) made stricter by what a manifest asks: fewer restarts, a longer window, stricter limits,
    /// a smaller factor. A manifest never loosens the host's policy: a looser value is ignored in favour of the host's.
    /// </summary>
    public RestartPolicy StricterBy(RestartRequest? request)
    {
        if (request is null)
        {
            return this;
        }

        var stricter = Limits == RestartLimits.Stricter || request.Limits == RestartLimits.Stricter;
        var hostFactor = Limits == RestartLimits.Stricter ? Factor : 1.0;
        var askedFactor = request.Limits == RestartLimits.Stricter ? request.Factor ?? Default.Factor : 1.0;
        var factor = Math.Min(hostFactor, askedFactor);
        return new RestartPolicy
        {
            MaxRestarts = Math.Min(MaxRestarts, request.MaxRestarts ?? MaxRestarts),
            Window = request.Window is { } window && window > Window ? window : Window,
            Limits = stricter ? RestartLimits.Stricter : RestartLimits.Same,
            Factor = stricter ? factor : Factor,
        };
    }

    /// <summary>Every problem with the values, each naming the setting under <paramref name="prefix"/>; empty when usable.</summary>
    public IReadOnlyList<string> Validate(string prefix)
    {
        var problems = new List<string>();
        if (MaxRestarts is < 0 or > MaxRestartsCeiling)
        {
            problems.Add($"{prefix}.MaxRestarts must be between 0 and {MaxRestartsCeiling} (got {MaxRestarts}).");
        }

        if (Window < MinWindow || Window > MaxWindow)
        {
            problems.Add($"{prefix}.Window must be between 1 second and 1 day (got {Window}).");
        }

        if (!Enum.IsDefined(Limits))
        {
            problems.Add($"{prefix}.Limits must be Same or Stricter (got {(int)Limits}).");
        }

        if (double.IsNaN(Factor) || Factor < MinFactor || Factor > MaxFactor)
        {
            problems.Add($"{prefix}.Factor must be between {MinFactor} and {MaxFactor} (got {Factor.ToString(CultureInfo.InvariantCulture)}): each stricter restart multiplies the limits by it.");
        }

        return problems;
    }

    /// <summary>The policy in words, e.g. <c>3 restarts in 5 min, limits x0.5 after a resource kill</c>.</summary>
    public override string ToString() =>
        $"{MaxRestarts} restart(s) in {Describe(Window)}, " +
        (Limits == RestartLimits.Stricter ? $"limits x{Factor.ToString("0.##", CultureInfo.InvariantCulture)} after each resource kill" : "same limits");

    private static string Describe(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours:0} h"
        : window.TotalMinutes >= 1 && window.TotalMinutes % 1 == 0 ? $"{window.TotalMinutes:0} min"
        : $"{window.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";
}
