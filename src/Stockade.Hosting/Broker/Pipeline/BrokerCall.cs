using Stockade.Core.Audit;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// One <c>host.*</c> call as a handler read it (<see cref="IBrokerHandler.Prepare"/>): what it needs, what it
/// touches and how it is recorded. Made before anything is checked; nothing in it has been done.
/// </summary>
internal sealed class BrokerCall
{
    private readonly string? _recordPermission;

    /// <summary>The protocol method, e.g. <c>host.kv.set</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The permission the call needs (checked, then rate limited); null for calls that need none.</summary>
    public string? Permission { get; init; }

    /// <summary>The permission written in the call's records (default: <see cref="Permission"/>); for a call that needs none, what it is about.</summary>
    public string? RecordPermission
    {
        get => _recordPermission ?? Permission;
        init => _recordPermission = value;
    }

    /// <summary>What the call touches, for the audit record (a URL, a key, <c>service.method</c>).</summary>
    public string? Resource { get; init; }

    /// <summary>The audit action of the record sequenced before the call is performed; null when this call is not recorded.</summary>
    public string? AllowAction { get; init; }

    /// <summary>The decision written in that record (<see cref="AuditDecision.Allow"/>, or info for a request).</summary>
    public AuditDecision AllowDecision { get; init; } = AuditDecision.Allow;

    /// <summary>The audit action of a refusal (<c>permission.denied</c>, <c>network.blocked</c>, <c>service.blocked</c>).</summary>
    public string DenyAction { get; init; } = AuditActions.PermissionDenied;

    /// <summary>Details of the record (never secrets).</summary>
    public Dictionary<string, string>? Details { get; init; }

    /// <summary>What the handler parsed, for its <see cref="IBrokerHandler.PerformAsync"/>.</summary>
    public object? State { get; set; }
}
