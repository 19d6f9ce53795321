using System.Diagnostics;
using System.Text.Json;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Protocol;

namespace Stockade.Hosting.Diagnostics;

/// <summary>
/// Observes every <c>host.*</c> request as it passes through the one <see cref="BrokerPipeline"/>: a count, a
/// duration, denials and rate-limit refusals by capability, and a span that is a child of the plugin's call when
/// exactly one is in flight (a root span otherwise: with several calls in flight a request cannot be told apart, and
/// the worker's word on it is not taken). A plugin's log line during a call becomes a bounded event of that call's span.
/// The method name is a tag only when the pipeline serves it; anything else a worker sends is <c>_unknown</c>.
/// </summary>
internal static class BrokerTelemetry
{
    /// <summary>Runs the request through <paramref name="pipeline"/>, observed when the host has telemetry.</summary>
    public static ValueTask<JsonElement?> RunAsync(HostTelemetry? telemetry, BrokerPipeline pipeline, PluginBroker session, string method, JsonElement? parameters, CancellationToken cancellationToken) =>
        telemetry is null
            ? pipeline.RunAsync(session, method, parameters, cancellationToken)
            : ObserveAsync(telemetry, pipeline, session, method, parameters, cancellationToken);

    /// <summary>The capability a <c>host.*</c> method belongs to (a permission category, or the protocol's own).</summary>
    internal static string Capability(string method) => method switch
    {
        ProtocolMethods.HostHttpRequest => "network",
        ProtocolMethods.HostServiceCall => "service",
        ProtocolMethods.HostConfigGet or ProtocolMethods.HostConfigSet => "config",
        ProtocolMethods.HostKvGet or ProtocolMethods.HostKvSet or ProtocolMethods.HostKvDelete or ProtocolMethods.HostKvList => "database",
        ProtocolMethods.HostPermissionRequest => "permission",
        ProtocolMethods.HostLog => "log",
        ProtocolMethods.HostDenial => "kernel",
        _ => "_unknown",
    };

    private static async ValueTask<JsonElement?> ObserveAsync(HostTelemetry telemetry, BrokerPipeline pipeline, PluginBroker session, string method, JsonElement? parameters, CancellationToken cancellationToken)
    {
        var served = pipeline.Handlers.ContainsKey(method) ? method : "_unknown";
        var capability = Capability(served);
        var call = telemetry.SingleCallInFlight(session.PluginId);
        if (served == ProtocolMethods.HostLog)
        {
            call?.PluginLogged(Member(parameters, "level"), Member(parameters, "message"));  // bounded reads: a 16 MiB line costs no 32 MiB string
        }

        // The worker's read loop runs in the context of whatever started the worker: never inherit that as a parent.
        Activity.Current = null;
        using var activity = served == ProtocolMethods.HostLog ? null
            : StockadeDiagnostics.Source.StartActivity("stockade.broker.request", ActivityKind.Server, call?.Activity?.Context ?? default);
        if (activity is not null)
        {
            activity.DisplayName = $"broker {served}";
            activity.SetTag("stockade.plugin.id", session.PluginId);
            activity.SetTag("stockade.broker.method", served);
            activity.SetTag("stockade.broker.capability", capability);
        }

        var started = Stopwatch.GetTimestamp();
        var outcome = served == ProtocolMethods.HostDenial ? "reported" : "allowed";
        try
        {
            return await pipeline.RunAsync(session, method, parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            outcome = ex.Code switch
            {
                RpcErrorCode.PermissionDenied => "denied",
                RpcErrorCode.RateLimited => "rate_limited",
                _ => "refused",
            };
            activity?.SetTag("error.type", ex.Code);
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
            throw;
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
            throw;
        }
        catch
        {
            outcome = "failed";
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
            throw;
        }
        finally
        {
            var tags = new TagList { { "plugin", session.PluginId }, { "capability", capability }, { "outcome", outcome } };
            telemetry.BrokerRequests.Add(1, tags);
            telemetry.BrokerDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            activity?.SetTag("stockade.broker.outcome", outcome);
            switch (outcome)
            {
                case "denied":
                    telemetry.BrokerDenials.Add(1, new TagList { { "plugin", session.PluginId }, { "capability", capability }, { "layer", "broker" } });
                    break;
                case "reported":
                    telemetry.BrokerDenials.Add(1, new TagList { { "plugin", session.PluginId }, { "capability", "file" }, { "layer", "kernel" } });
                    break;
                case "rate_limited":
                    telemetry.BrokerRateLimited.Add(1, new TagList { { "plugin", session.PluginId }, { "capability", capability } });
                    break;
            }
        }
    }

    // A string member of the worker's parameters, or null (any other shape is the pipeline's to refuse). Only its first
    // MemberBytes are decoded (escapes of a longer one stay as written): the span keeps 256 characters of it, and a
    // plugin's 16 MiB log line must not become a 32 MiB string per line before its log budget is even asked.
    private static string? Member(JsonElement? parameters, string name)
    {
        if (parameters is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value);
        return raw.Length <= MemberBytes ? value.GetString() : UnescapePrefix(raw[..MemberBytes]);
    }

    // The JSON string escapes of a prefix of a string's raw UTF-8, decoded (an escape cut at the end is dropped; a
    // character cut at the end becomes U+FFFD): what GetString would give for these bytes, without the rest.
    private static string UnescapePrefix(ReadOnlySpan<byte> raw)
    {
        var text = System.Text.Encoding.UTF8.GetString(raw);
        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                builder.Append(text[i]);
                continue;
            }

            if (i + 1 >= text.Length)
            {
                break;
            }

            var next = text[++i];
            switch (next)
            {
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                case 'r': builder.Append('\r'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'u' when i + 4 < text.Length && ushort.TryParse(text.AsSpan(i + 1, 4), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var code):
                    builder.Append((char)code);
                    i += 4;
                    break;
                case 'u': return builder.ToString(); // cut inside the escape
                default: builder.Append(next); break; // \" \\ \/
            }
        }

        return builder.ToString();
    }

    private const int MemberBytes = 4096;
}
