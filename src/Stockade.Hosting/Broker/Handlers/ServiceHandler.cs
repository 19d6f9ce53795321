using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Broker.RateLimiting;
using Stockade.Hosting.Broker.Services;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.service.call</c>: a method of a service the application registered (<see cref="HostServiceRegistry"/>).
/// Needs the method's <c>[RequiresPermission]</c>; limited by the host's and manifest's rules and then by the
/// method's own <c>[RateLimit]</c>; audited (<c>service.call</c>, sequenced before the application's method runs)
/// unless the application marked the method <c>[Audited(false)]</c>. Refusals are always audited.
/// </summary>
internal sealed class ServiceHandler : IBrokerHandler
{
    public IReadOnlyList<string> Methods { get; } = [ProtocolMethods.HostServiceCall];

    public BrokerAudit Audit => BrokerAudit.BeforePerform;

    public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters)
    {
        var p = BrokerJson.Read(parameters, ProtocolJsonContext.Default.ServiceCallParams);
        if (!session.Ports.Services.TryResolve(p.Service, p.Method, out var target, out var error))
        {
            throw new RpcException(RpcErrorCode.NotFound, error!);
        }

        return new BrokerCall
        {
            Method = method,
            Permission = target.Permission,
            Resource = $"{target.Service}.{target.Name}",
            AllowAction = target.Audited ? AuditActions.ServiceCall : null,
            DenyAction = AuditActions.ServiceBlocked,
            State = new Target(target, p.Args),
        };
    }

    public RateDecision AcquireOwnLimit(PluginBroker session, BrokerCall call) =>
        session.Ports.Services.TryAcquire(session.PluginId, ((Target)call.State!).Method);

    public async ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        var (target, args) = (Target)call.State!;
        var result = await session.Ports.Services.InvokeAsync(session.PluginId, target, args, cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess)
        {
            return result.Value;
        }

        if (result.Exception is { } thrown)
        {
            Log.ServiceFailed(session.Ports.Events.Logger, thrown, session.PluginId, call.Resource!);
        }

        throw new RpcException(result.Code ?? RpcErrorCode.Internal, result.Message ?? "service call failed");
    }

    private sealed record Target(HostServiceMethod Method, JsonElement? Args);
}
