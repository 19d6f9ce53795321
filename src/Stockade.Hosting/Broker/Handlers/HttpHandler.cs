using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Http;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.http.request</c>: an HTTP request made by the host for the plugin. Needs <c>network:request=host:port</c>;
/// authorization also resolves the name and checks every address (a private one needs a grant naming it), so a
/// refused request is recorded as <c>network.blocked</c> and nothing leaves the host. Audited: a
/// <c>network.request</c> record (method, URL without its query) is sequenced before the request is sent. Each redirect
/// hop is checked against the grants again and has a record of its own, sequenced before the hop is fetched: a
/// <c>network.request</c> (details: <c>redirect</c> = hop number, <c>from</c>), or a <c>network.blocked</c> naming the
/// hop's URL when it is refused.
/// </summary>
internal sealed class HttpHandler : IBrokerHandler
{
    public IReadOnlyList<string> Methods { get; } = [ProtocolMethods.HostHttpRequest];

    public BrokerAudit Audit => BrokerAudit.BeforePerform;

    public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters)
    {
        var p = BrokerJson.Read(parameters, ProtocolJsonContext.Default.HttpRequestParams);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in p.Headers ?? new Dictionary<string, string[]>())
        {
            foreach (var value in values ?? [])
            {
                headers.Add(new(name, value));
            }
        }

        if (!EgressUrlParser.TryParse(p.Url ?? string.Empty, out var target, out var refusal))
        {
            if (refusal!.Code != RpcErrorCode.PermissionDenied)
            {
                throw new RpcException(refusal.Code, refusal.Message); // malformed: nothing to record
            }

            // A URL form refused as a trick (user@host, numeric or encoded hosts): refused at authorize, and recorded.
            return new BrokerCall
            {
                Method = method,
                Resource = BrokerJson.Truncate(p.Url!, 2048),
                AllowAction = AuditActions.NetworkRequest,
                DenyAction = AuditActions.NetworkBlocked,
                State = refusal,
            };
        }

        return new BrokerCall
        {
            Method = method,
            Permission = target!.Permission,
            Resource = target.Uri.GetLeftPart(UriPartial.Path),
            AllowAction = AuditActions.NetworkRequest,
            DenyAction = AuditActions.NetworkBlocked,
            Details = new Dictionary<string, string> { ["method"] = BrokerJson.Truncate(p.Method ?? string.Empty, 16) },
            State = new BrokeredHttpRequest(p.Method!, p.Url!, headers, p.Body),
        };
    }

    public async ValueTask<BrokerRefusal?> AuthorizeAsync(PluginBroker session, BrokerCall call, CancellationToken cancellationToken)
    {
        if (call.State is EgressRefusal trick)
        {
            return new BrokerRefusal(null, trick.Message, Audited: true, RpcErrorCode.PermissionDenied);
        }

        var request = call.State as BrokeredHttpRequest ?? ((PreparedState)call.State!).Request;
        var (prepared, refused) = await session.Ports.Http.PrepareAsync(request, new PolicyEgress(session.IsGranted), cancellationToken).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused.Code == RpcErrorCode.PermissionDenied
                ? new BrokerRefusal(refused.Permission, refused.Message ?? "request refused", Audited: true, RpcErrorCode.PermissionDenied)
                : new BrokerRefusal(null, refused.Message ?? "request refused", Audited: false, refused.Code!);
        }

        call.State = new PreparedState(request, prepared!);
        return null;
    }

    public async ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        var prepared = ((PreparedState)call.State!).Prepared;
        var hopRefusalRecorded = false;
        var result = await session.Ports.Http.SendPreparedAsync(prepared, new PolicyEgress(session.IsGranted), cancellationToken, async hop =>
        {
            var resource = hop.Target.Uri.GetLeftPart(UriPartial.Path);
            if (hop.Refusal is { Code: RpcErrorCode.PermissionDenied } refused)
            {
                // Refused: recorded under the hop's own URL; the caller is told below.
                await session.DenyAsync(refused.Permission, resource, AuditLayer.Broker, AuditActions.NetworkBlocked, "redirect: " + refused.Message).ConfigureAwait(false);
                hopRefusalRecorded = true;
            }
            else if (hop.Refusal is null)
            {
                // Allowed: its own record, sequenced before the hop leaves the host (as the first request's was).
                await session.SequenceAsync(new AuditEntry(AuditActions.NetworkRequest, AuditDecision.Allow, AuditLayer.Broker)
                {
                    Plugin = session.PluginId,
                    Permission = hop.Target.Permission,
                    Resource = resource,
                    Details = new Dictionary<string, string>
                    {
                        ["method"] = hop.Method,
                        ["redirect"] = hop.Number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["from"] = hop.From.Uri.GetLeftPart(UriPartial.Path),
                    },
                }).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        if (!result.IsResponse)
        {
            if (result.Code == RpcErrorCode.PermissionDenied && hopRefusalRecorded)
            {
                throw PluginBroker.Denied(result.Permission, result.Message ?? "request refused");
            }

            if (result.Code == RpcErrorCode.PermissionDenied)
            {
                // A redirect to somewhere not granted: the first hop was performed (and recorded), this one is refused.
                await session.DenyAsync(result.Permission, call.Resource, AuditLayer.Broker, AuditActions.NetworkBlocked, result.Message).ConfigureAwait(false);
                throw PluginBroker.Denied(result.Permission, result.Message ?? "request refused");
            }

            throw new RpcException(result.Code!, result.Message ?? "request failed");
        }

        var responseHeaders = result.Headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(h => h.Value).ToArray(), StringComparer.OrdinalIgnoreCase);
        return BrokerJson.Serialize(new HttpResponseResult(result.Status, responseHeaders, result.Body), ProtocolJsonContext.Default.HttpResponseResult);
    }

    private sealed record PreparedState(BrokeredHttpRequest Request, PreparedHttpRequest Prepared);
}
