using Stockade.Core.Audit;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// Proof, handed to <see cref="IBrokerHandler.PerformAsync"/>, that the pipeline's audit step ran for this call:
/// the record it sequenced (null when the handler or the call is not audited). Only <see cref="BrokerPipeline"/>
/// makes one, after authorize and rate limit; a handler cannot be performed without it.
/// </summary>
internal readonly struct AuditTicket
{
    private AuditTicket(AuditEntry? record)
    {
        Record = record;
        IsIssued = true;
    }

    /// <summary>The record sequenced before the call (null: not audited, as the handler declared).</summary>
    public AuditEntry? Record { get; }

    /// <summary>False for <c>default(AuditTicket)</c>: a ticket the pipeline did not issue.</summary>
    public bool IsIssued { get; }

    /// <summary>Called by <see cref="BrokerPipeline"/>'s audit step only (a test checks no other code calls it).</summary>
    internal static AuditTicket Issue(AuditEntry? record) => new(record);
}
