using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>Filters for <see cref="AuditReader.Query"/>. Every filter left null matches everything.</summary>
public sealed record AuditQuery
{
    /// <summary>Only records about this plugin id (exact).</summary>
    public string? Plugin { get; init; }

    /// <summary>
    /// Only this action: exact (<c>plugin.killed</c>), a family (<c>plugin</c> matches <c>plugin.*</c>), or a
    /// prefix ending in <c>*</c> (<c>permission.gr*</c>).
    /// </summary>
    public string? Action { get; init; }

    /// <summary>Only this decision.</summary>
    public AuditDecision? Decision { get; init; }

    /// <summary>Only records at or after this instant.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only records before this instant.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Only the latest N matching records (still returned oldest first).</summary>
    public int? Limit { get; init; }

    internal bool Matches(AuditRecord record)
    {
        if (Plugin is not null && !string.Equals(record.Plugin, Plugin, StringComparison.Ordinal))
        {
            return false;
        }

        if (Decision is { } decision && record.Decision != decision)
        {
            return false;
        }

        if (Since is { } since && record.Ts < since)
        {
            return false;
        }

        if (Until is { } until && record.Ts >= until)
        {
            return false;
        }

        return Action is null || MatchesAction(record.Action, Action);
    }

    private static bool MatchesAction(string action, string filter)
    {
        if (filter.EndsWith('*'))
        {
            return action.StartsWith(filter[..^1], StringComparison.Ordinal);
        }

        return string.Equals(action, filter, StringComparison.Ordinal)
            || (action.Length > filter.Length && action[filter.Length] == '.' && action.StartsWith(filter, StringComparison.Ordinal));
    }
}
