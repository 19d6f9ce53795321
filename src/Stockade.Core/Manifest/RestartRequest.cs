namespace Stockade.Core.Manifest;

/// <summary>
/// A manifest's <c>restart:</c> mapping: what the plugin asks of its restart policy. Each value left out is the
/// host's; a value given can only make the host's policy stricter (<see cref="RestartPolicy.StricterBy"/>).
/// </summary>
public sealed record RestartRequest
{
    /// <summary><c>restart.maxRestarts</c>: restarts within the window before the plugin is disabled, 0 to 100.</summary>
    public int? MaxRestarts { get; init; }

    /// <summary><c>restart.window</c>: how long restarts are counted, 1 s to 24 h.</summary>
    public TimeSpan? Window { get; init; }

    /// <summary><c>restart.limits</c>: <c>same</c> or <c>stricter</c>.</summary>
    public RestartLimits? Limits { get; init; }

    /// <summary><c>restart.factor</c>: the multiplier of one stricter step, 0.1 to 0.95 (only with <c>limits: stricter</c>).</summary>
    public double? Factor { get; init; }
}
