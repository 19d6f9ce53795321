using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Handlers;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// The one order every <c>host.*</c> call goes through (DESIGN §3): authorize → rate limit → audit → perform.
/// Built once from the handlers (<see cref="BrokerHandlers.All"/>), as grpc-dotnet builds one invoker from its
/// interceptors and Polly one pipeline from its strategies; the order lives here and nowhere else, so a handler
/// cannot be reached without passing through it. A call that is refused at any step is recorded with the step's
/// event and is never performed.
/// </summary>
internal sealed class BrokerPipeline
{
    private readonly FrozenDictionary<string, IBrokerHandler> _handlers;

    public BrokerPipeline(IEnumerable<IBrokerHandler> handlers)
    {
        var map = new Dictionary<string, IBrokerHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            if (handler.Audit == BrokerAudit.NotAudited && string.IsNullOrWhiteSpace(handler.NotAuditedBecause))
            {
                throw new InvalidOperationException($"{handler.GetType().Name} is not audited and does not say why; declare NotAuditedBecause.");
            }

            foreach (var method in handler.Methods)
            {
                if (!method.StartsWith("host.", StringComparison.Ordinal) || !map.TryAdd(method, handler))
                {
                    throw new InvalidOperationException($"{handler.GetType().Name}: '{method}' is not a host.* method or is served twice.");
                }
            }
        }

        _handlers = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The shared pipeline of every broker: handlers hold no per-worker state.</summary>
    public static BrokerPipeline Default { get; } = new(BrokerHandlers.All);

    /// <summary>The handler of each method served.</summary>
    public IReadOnlyDictionary<string, IBrokerHandler> Handlers => _handlers;

    /// <summary>Runs one call through the four steps; throws <see cref="RpcException"/> for a refusal.</summary>
    public async ValueTask<JsonElement?> RunAsync(PluginBroker session, string method, JsonElement? parameters, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(method, out var handler))
        {
            throw RpcException.MethodNotFound(method);
        }

        if (handler.Audit == BrokerAudit.BeforePerform)
        {
            session.ThrowIfAuditFailed(); // a call that cannot be audited is not performed (decision 14)
        }

        var call = handler.Prepare(session, method, parameters);
        var gate = session.Ports.Grants.Gate;
        AuditTicket ticket;
        while (true)
        {
            var version = gate.Version;

            // 1. Authorize: the permission (declared ∩ granted, scope matched), then the handler's own checks.
            if (call.Permission is { } permission && !session.IsGranted(permission))
            {
                await session.DenyAsync(permission, call.Resource, AuditLayer.Broker, call.DenyAction).ConfigureAwait(false);
                throw PluginBroker.Denied(permission, $"'{session.PluginId}' is not granted {permission}");
            }

            if (await handler.AuthorizeAsync(session, call, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                if (refusal.Audited)
                {
                    await session.DenyAsync(refusal.Permission, call.Resource, AuditLayer.Broker, call.DenyAction, refusal.Message).ConfigureAwait(false);
                }

                throw refusal.Code == RpcErrorCode.PermissionDenied
                    ? PluginBroker.Denied(refusal.Permission, refusal.Message)
                    : new RpcException(refusal.Code, refusal.Message);
            }

            // 2. Rate limit: the host's and the manifest's rules for the permission, then the handler's own.
            if (call.Permission is { } limited)
            {
                var decision = session.Ports.RateLimiter.TryAcquire(session.PluginId, limited);
                if (!decision.IsAllowed)
                {
                    await RateLimitedAsync(session, call, limited, decision.RetryAfter, $"'{session.PluginId}' is over its rate limit for {limited}").ConfigureAwait(false);
                }
            }

            var own = handler.AcquireOwnLimit(session, call);
            if (!own.IsAllowed)
            {
                await RateLimitedAsync(session, call, call.Permission, own.RetryAfter,
                    $"'{call.Resource}' allows {own.Rule?.Limit} calls per {own.Rule?.Period}").ConfigureAwait(false);
            }

            // 3. Audit: sequence the record inside the gate's recording section, against the grants that were checked.
            if (call.Permission is null || call.AllowAction is null)
            {
                ticket = await SequenceAsync(session, handler, call).ConfigureAwait(false);
                break;
            }

            if (!gate.TryEnterRecording(version))
            {
                // The grants changed since the check, or are changing (a revoke): check again before recording anything.
                await gate.WaitForChangeAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                ticket = await SequenceAsync(session, handler, call).ConfigureAwait(false);
            }
            finally
            {
                gate.ExitRecording();
            }

            break;
        }

        // 4. Perform.
        return await handler.PerformAsync(session, call, ticket, cancellationToken).ConfigureAwait(false);
    }

    // Not an async method: when the record takes its place in the queue at once (the common case), no state machine runs.
    private static ValueTask<AuditTicket> SequenceAsync(PluginBroker session, IBrokerHandler handler, BrokerCall call)
    {
        switch (handler.Audit)
        {
            case BrokerAudit.BeforePerform when call.AllowAction is { } action:
                var entry = new AuditEntry(action, call.AllowDecision, AuditLayer.Broker)
                {
                    Plugin = session.PluginId,
                    Permission = call.RecordPermission,
                    Resource = call.Resource,
                    Details = call.Details,
                };
                var sequenced = session.SequenceAsync(entry);
                return sequenced.IsCompletedSuccessfully
                    ? new ValueTask<AuditTicket>(AuditTicket.Issue(entry))
                    : WhenSequencedAsync(sequenced, entry);
            case BrokerAudit.Report when call.AllowAction is { } reported:
                return ReportAsync(session, call, reported);
            default:
                return new ValueTask<AuditTicket>(AuditTicket.Issue(null));
        }
    }

    private static async ValueTask<AuditTicket> WhenSequencedAsync(ValueTask sequenced, AuditEntry entry)
    {
        await sequenced.ConfigureAwait(false);
        return AuditTicket.Issue(entry);
    }

    private static async ValueTask<AuditTicket> ReportAsync(PluginBroker session, BrokerCall call, string reported)
    {
        var report = new AuditEntry(reported, call.AllowDecision, AuditLayer.Kernel)
        {
            Plugin = session.PluginId,
            Permission = call.RecordPermission,
            Resource = call.Resource,
            Details = call.Details,
        };
        var written = await session.NoteAsync(report).ConfigureAwait(false);
        return AuditTicket.Issue(written ? report : null); // null: summarised with others of its kind
    }

    private static async ValueTask RateLimitedAsync(PluginBroker session, BrokerCall call, string? permission, TimeSpan retryAfter, string what)
    {
        var retryMs = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
        await session.NoteAsync(new AuditEntry(AuditActions.PermissionDenied, AuditDecision.Deny, AuditLayer.Broker)
        {
            Plugin = session.PluginId,
            Permission = permission,
            Resource = call.Resource,
            Details = new Dictionary<string, string> { ["reason"] = "rate_limited", ["retryAfterMs"] = retryMs.ToString(CultureInfo.InvariantCulture) },
        }).ConfigureAwait(false);
        throw new RpcException(RpcErrorCode.RateLimited, $"{what}; retry after {retryMs} ms",
            JsonSerializer.SerializeToElement(new { retryAfterMs = retryMs, permission }));
    }
}
