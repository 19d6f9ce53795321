using Stockade.Core.Audit;

namespace Stockade.Hosting.Audit;

/// <summary>What <see cref="AuditVerifier.Verify(string, AuditVerifyOptions)"/> checks the log against.</summary>
public sealed class AuditVerifyOptions
{
    /// <summary>The head kept in <c>stockade.db</c>; with <see cref="RequireStoreHead"/> a log with records and no stored head fails.</summary>
    public AuditHead? StoreHead { get; init; }

    /// <summary>Fail when the log has records but <see cref="StoreHead"/> is null (the head was deleted from the store).</summary>
    public bool RequireStoreHead { get; init; }

    /// <summary>
    /// The audit signing key (its public part is enough). When set, <c>heads.jsonl</c> is checked: every head's signature,
    /// every head's record and hash in the chain, and every record covered by the head of the writer that wrote it.
    /// </summary>
    public AuditSigningKey? Key { get; init; }

    /// <summary>A signed head kept elsewhere (<c>stockade audit anchor</c>): the chain must still reach it, unchanged.</summary>
    public AuditSignedHead? Anchor { get; init; }

    /// <summary>
    /// Whether an audit writer has the folder open now (<see cref="AuditLog.IsOpenByAWriter"/>): then records after the
    /// last signed head may be waiting for their writer's next head — if a live writer's recent signed head also stands
    /// before them (the lock alone proves nothing: anyone who can read the marker can take it). Otherwise nobody will
    /// sign them and verify fails.
    /// </summary>
    public bool WriterOpen { get; init; }

    /// <summary>The time heads' ages are measured at (tests); the system clock when null.</summary>
    internal DateTimeOffset? Now { get; init; }
}
