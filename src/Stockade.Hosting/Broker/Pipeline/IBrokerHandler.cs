using System.Text.Json;
using Stockade.Hosting.Broker.RateLimiting;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// One brokered capability (HTTP, host services, configuration, key-value store, permission requests, logging,
/// kernel-denial reports). A handler says what a call needs and does it; it never decides the order. Every call
/// reaches it through <see cref="BrokerPipeline"/>: <see cref="Prepare"/> (read the params, nothing checked or
/// done) → authorize (the permission, then <see cref="AuthorizeAsync"/>) → rate limit (the host's and the
/// manifest's rules, then <see cref="AcquireOwnLimit"/>) → audit (the record sequenced, as <see cref="Audit"/>
/// declares) → <see cref="PerformAsync"/>. To add a capability: write a handler, list it in
/// <see cref="Handlers.BrokerHandlers.All"/>, and give it a scenario in the pipeline's enumeration test.
/// </summary>
internal interface IBrokerHandler
{
    /// <summary>The <c>host.*</c> protocol methods this handler serves (<see cref="Protocol.ProtocolMethods"/>).</summary>
    IReadOnlyList<string> Methods { get; }

    /// <summary>How the pipeline records this handler's calls; documented in docs/architecture.md.</summary>
    BrokerAudit Audit { get; }

    /// <summary>Why the calls are not audited; required when <see cref="Audit"/> is <see cref="BrokerAudit.NotAudited"/>.</summary>
    string? NotAuditedBecause => null;

    /// <summary>Reads the untrusted params (throws <see cref="Protocol.RpcException"/> <c>invalid_params</c>); checks and does nothing.</summary>
    BrokerCall Prepare(PluginBroker session, string method, System.Text.Json.JsonElement? parameters);

    /// <summary>Authorization beyond the permission (HTTP: every address the name resolves to); null when allowed.</summary>
    ValueTask<BrokerRefusal?> AuthorizeAsync(PluginBroker session, BrokerCall call, CancellationToken cancellationToken) => default;

    /// <summary>A limit of the handler's own, after the host's and the manifest's (a service method's <c>[RateLimit]</c>).</summary>
    RateDecision AcquireOwnLimit(PluginBroker session, BrokerCall call) => RateDecision.Allowed;

    /// <summary>Does the call; only the pipeline calls this, with the ticket its audit step issued.</summary>
    ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken);
}
