namespace Stockade.Hosting.Validation;

/// <summary>One thing validation found.</summary>
/// <param name="Stage"><c>manifest</c>, <c>entry</c>, <c>signature</c>, <c>analysis</c> or <c>conflict</c>.</param>
/// <param name="Severity"><c>error</c>, <c>warning</c>, <c>hint</c> or <c>info</c>; only an error refuses the plugin.</param>
/// <param name="Code">Stable code: a manifest diagnostic code, an analysis rule id, or a stage code.</param>
/// <param name="Message">What was found, in plain words.</param>
/// <param name="Location">File and line, or the type and method, when known.</param>
/// <param name="Hint">What to do about it, when there is something to do.</param>
public sealed record ValidationItem(string Stage, string Severity, string Code, string Message, string? Location, string? Hint)
{
    /// <summary>The item as one line: <c>severity stage code: message (location) — hint</c>.</summary>
    public override string ToString() =>
        $"{Severity} {Stage} {Code}: {Message}{(Location is null ? string.Empty : $" ({Location})")}{(Hint is null ? string.Empty : $" — {Hint}")}";
}
