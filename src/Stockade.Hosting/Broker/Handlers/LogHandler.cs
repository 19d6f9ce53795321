using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Workers;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.log</c> (a notification): a line of the plugin's diagnostic log, written at its level to the plugin's logger
/// (<see cref="PluginLoggers"/>: <c>Stockade.Plugins.&lt;id&gt;[.&lt;category&gt;]</c>, event id 1005). Needs no
/// permission and is not audited (see <see cref="NotAuditedBecause"/>); lines are counted in the worker's log budget
/// and the excess is dropped and counted, never queued. Read without turning the whole message into a string (a
/// 16 MiB line would cost 32 MiB of UTF-16 to keep 4,000 characters of it), and with every character a terminal acts on
/// made visible (<see cref="StderrText"/>).
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

        // The level and category are optional plugin words: anything but a string is as if absent.
        // Either is decoded only when short (escaped, a character takes at most 6 bytes): a long one is not a name.
        var level = Short(element, "level"u8, 16);
        var category = Short(element, "category"u8, PluginLoggers.MaxCategoryLength);
        return new BrokerCall { Method = method, State = new Line(message, PluginLoggers.Level(level), category) };
    }

    public ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        var line = (Line)call.State!;
        var raw = JsonMarshal.GetRawUtf8Value(line.Message);
        if (!session.AdmitLog(raw.Length))
        {
            return default;
        }

        var logger = session.Ports.Events.PluginLogger(line.Category);
        if (!logger.IsEnabled(line.Level))
        {
            return default; // filtered out by the application: not even decoded
        }

        var text = raw.Length <= MaxChars * 4
            ? line.Message.GetString()!
            : Encoding.UTF8.GetString(raw[..(MaxChars * 4)]); // escapes stay visible, as written
        // Made visible after the cut: a console logger prints messages raw, and a newline or escape sequence from a plugin
        // would forge a host log line or act on the operator's terminal (the same notation as its stderr lines).
        var shown = StderrText.Visible(BrokerJson.Truncate(text, MaxChars));
        Log.PluginLog(logger, line.Level, session.PluginId, shown);
        return default;
    }

    private static string? Short(JsonElement element, ReadOnlySpan<byte> name, int maxChars) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && JsonMarshal.GetRawUtf8Value(value).Length <= maxChars * 6
            ? value.GetString()
            : null;

    private sealed record Line(JsonElement Message, Microsoft.Extensions.Logging.LogLevel Level, string? Category);
}
