namespace Stockade.Core.Audit;

/// <summary>
/// What a caller submits to the audit log. The log assigns the sequence number, timestamp,
/// previous hash and hash; <see cref="Details"/> passes through <see cref="Redactor"/> first.
/// </summary>
/// <param name="Action">The action, normally one of <see cref="AuditActions"/>.</param>
/// <param name="Decision">Allow, deny or info.</param>
/// <param name="Layer">The layer that decided or observed.</param>
public sealed record AuditEntry(string Action, AuditDecision Decision, AuditLayer Layer)
{
    /// <summary>The plugin id the record is about, if any.</summary>
    public string? Plugin { get; init; }

    /// <summary>The permission involved, e.g. <c>network:request=*.example.com:443</c>.</summary>
    public string? Permission { get; init; }

    /// <summary>The resource involved: a path, URL, syscall name, service method.</summary>
    public string? Resource { get; init; }

    /// <summary>Extra facts as string pairs. Values that look like secrets are replaced before writing.</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }
}
