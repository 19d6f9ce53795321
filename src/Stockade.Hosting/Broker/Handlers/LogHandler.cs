using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.log</c> (a notification): a line of the plugin's diagnostic log, written to the host's logger. Needs no
/// permission and is not audited (see <see cref="NotAuditedBecause"/>); lines are counted in the worker's log budget
/// and the excess is dropped and counted, never queued. Read without turning the whole message into a string (a
/// 16 MiB line would cost 32 MiB of UTF-16 to keep 4,000 characters of it).
/// </summary>
internal sealed class LogHandler : IBrokerHandler
{
    private const int MaxChars = 4000;

    public IReadOnlyList<string> Methods { get; } = [ProtocolMethods.HostLog];

    public BrokerAudit Audit => BrokerAudit.NotAudited;

    public string NotAuditedBecause =>
        "a log line uses no right and changes nothing the audit log describes; it goes to the host's logger, bounded by the log budget (a flood is dropped and counted)";

    public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } element
            || !element.TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.String)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, "host.log needs params {\"level\": ..., \"message\": \"...\"}");
        }

        return new BrokerCall { Method = method, State = message };
    }

    public ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        var message = (JsonElement)call.State!;
        var raw = JsonMarshal.GetRawUtf8Value(message);
        if (!session.AdmitLog(raw.Length))
        {
            return default;
        }

        var text = raw.Length <= MaxChars * 4
            ? message.GetString()!
            : Encoding.UTF8.GetString(raw[..(MaxChars * 4)]); // escapes stay visible, as written
        Log.PluginLog(session.Ports.Events.Logger, session.PluginId, BrokerJson.Truncate(text, MaxChars));
        return default;
    }
}
