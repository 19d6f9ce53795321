using System.Diagnostics;
using Stockade.Protocol;

namespace Stockade.Hosting.Diagnostics;

/// <summary>
/// One plugin call or hook as telemetry sees it: a span (<c>stockade.plugin.invoke</c> / <c>stockade.plugin.hook</c>),
/// its count, duration and failure kind, and the W3C trace context handed to the worker. Made by
/// <c>PluginHost.StartCall</c> at the top of the call and disposed when it ends; the call marks its outcome with
/// <see cref="Succeeded{T}"/> or <see cref="Failed"/>, and an end with neither (an exception before the worker was
/// asked, a cancellation) is classified here.
/// </summary>
internal sealed class CallTelemetry : IDisposable
{
    /// <summary>The most plugin log lines kept as events on one call's span; the rest are only counted.</summary>
    public const int MaxLogEvents = 32;

    private readonly HostTelemetry _owner;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly CancellationToken _cancellationToken;
    private readonly TagList _tags;
    private readonly LoadedPlugin? _plugin;
    private readonly string _method;
    private readonly bool _hook;
    private readonly string? _refusedAs; // why the call is bound to be refused before a worker is asked (not loaded, disabled)
    private readonly Lock _gate = new();
    private int _outcome; // 0 running, 1 succeeded, 2 failed
    private bool _sent;
    private string? _errorType;
    private string? _errorMessage;
    private int _logEvents;
    private int _logDropped;

    public CallTelemetry(HostTelemetry owner, string pluginId, string method, LoadedPlugin? plugin, bool hook, string? level, CancellationToken cancellationToken, string? refusedAs = null)
    {
        _refusedAs = refusedAs;
        _owner = owner;
        _cancellationToken = cancellationToken;
        _plugin = plugin;
        _method = method;
        _hook = hook;
        PluginId = pluginId;
        var operation = hook ? "hook" : "invoke";
        _tags = new TagList { { "plugin", pluginId }, { "operation", operation } };
        Activity = StockadeDiagnostics.Source.StartActivity(hook ? "stockade.plugin.hook" : "stockade.plugin.invoke", ActivityKind.Client);
        if (Activity is not null)
        {
            Activity.DisplayName = $"{operation} {pluginId}";
            Activity.SetTag("stockade.plugin.id", pluginId);
            Activity.SetTag(hook ? "stockade.hook.name" : "stockade.plugin.method", method);
            Activity.SetTag("stockade.plugin.version", plugin?.Manifest.Version);
            Activity.SetTag("stockade.level", level);
        }

        owner.CallsActive.Add(1, _tags);
        owner.Enter(this);
    }

    public string PluginId { get; }

    /// <summary>This call's span, when someone listens to <see cref="StockadeDiagnostics.ActivitySourceName"/>.</summary>
    public Activity? Activity { get; }

    /// <summary>
    /// The trace context the worker is given: this call's span, or the caller's own when nobody listens to Stockade's
    /// source (so a plugin's work still joins the application's trace); null when there is neither.
    /// </summary>
    private Activity? Traced => Activity ?? Activity.Current;

    /// <summary>The <c>invoke</c> parameters with this call's trace context; marks the call as sent to the worker.</summary>
    public InvokeParams Stamp(InvokeParams parameters)
    {
        _sent = true;
        return Traced is { IdFormat: ActivityIdFormat.W3C } traced ? parameters with { TraceParent = traced.Id, TraceState = traced.TraceStateString } : parameters;
    }

    /// <summary>The <c>hook</c> parameters with this call's trace context; marks the call as sent to the worker.</summary>
    public HookParams Stamp(HookParams parameters)
    {
        _sent = true;
        return Traced is { IdFormat: ActivityIdFormat.W3C } traced ? parameters with { TraceParent = traced.Id, TraceState = traced.TraceStateString } : parameters;
    }

    /// <summary>The call returned; passes <paramref name="value"/> through.</summary>
    public T Succeeded<T>(T value)
    {
        Interlocked.CompareExchange(ref _outcome, 1, 0);
        return value;
    }

    /// <summary>The call failed with <paramref name="failure"/> (the exception the application sees); passes it through.</summary>
    public Exception Failed(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _outcome, 2, 0) == 0)
        {
            _errorType = ErrorType(failure);
            _errorMessage = UntrustedText.Bounded(failure.Message);
        }

        return failure;
    }

    /// <summary>
    /// A log line the plugin sent during this call, as an event of its span: bounded in number (<see cref="MaxLogEvents"/>)
    /// and length (<see cref="UntrustedText"/>), with the level mapped to the host's four; the plugin's word, marked so.
    /// </summary>
    public void PluginLogged(string? level, string? message)
    {
        if (Activity is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_logEvents >= MaxLogEvents)
            {
                _logDropped++;
                return;
            }

            _logEvents++;
            Activity.AddEvent(new ActivityEvent("plugin.log", tags: new ActivityTagsCollection
            {
                ["level"] = Level(level),
                ["message"] = UntrustedText.Bounded(message),
                ["stockade.untrusted"] = true,
            }));
        }
    }

    public void Dispose()
    {
        _owner.Leave(this);
        _owner.CallsActive.Add(-1, _tags);
        var elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var method = MethodTag();
        var tags = _tags;
        tags.Add("method", method);
        if (Activity is not null)
        {
            Activity.DisplayName = $"{(_hook ? "hook" : "invoke")} {PluginId} {method}";
        }

        if (Volatile.Read(ref _outcome) == 1)
        {
            tags.Add("outcome", "ok");
        }
        else
        {
            // No outcome marked: the call ended by an exception that did not pass through Failed.
            var errorType = _errorType ?? (_cancellationToken.IsCancellationRequested ? "cancelled" : _sent ? "other" : _refusedAs ?? "not_started");
            tags.Add("outcome", "failed");
            var failure = _tags;
            failure.Add("method", method);
            failure.Add("error.type", errorType);
            _owner.CallFailures.Add(1, failure);
            tags.Add("error.type", errorType);
            if (Activity is not null)
            {
                Activity.SetTag("error.type", errorType);
                Activity.SetStatus(ActivityStatusCode.Error, _errorMessage ?? errorType);
            }
        }

        _owner.Calls.Add(1, tags);
        _owner.CallDuration.Record(elapsed, tags);
        if (Activity is not null)
        {
            lock (_gate)
            {
                if (_logDropped > 0)
                {
                    Activity.SetTag("stockade.plugin.log.dropped", _logDropped);
                }
            }

            Activity.Dispose();
        }
    }

    /// <summary>
    /// The method as a tag: a hook the manifest declares or a method the worker exports (known once it answered
    /// <c>initialize</c>, so read at the end of the call), else <c>_other</c>: an application forwarding user input as
    /// the method name cannot grow the series.
    /// </summary>
    private string MethodTag() =>
        _plugin is null ? "_other"
        : (_hook ? _plugin.Manifest.Hooks : _plugin.Methods).Contains(_method, StringComparer.Ordinal) ? _method
        : "_other";

    /// <summary>The failure as a closed set of names (never an exception type a plugin could choose).</summary>
    internal static string ErrorType(Exception failure) => failure switch
    {
        PluginTimeoutException => "timeout",
        PluginPermissionDeniedException => "permission_denied",
        PluginKilledException => "killed",
        PluginNotFoundException => "not_found",
        PluginContractMismatchException => "contract_mismatch",
        PluginFailedException failed => failed.Kind switch
        {
            PluginFailureKind.Threw => "threw",
            PluginFailureKind.Crashed => "crashed",
            PluginFailureKind.ProtocolViolation => "protocol_violation",
            PluginFailureKind.StartFailed => "start_failed",
            PluginFailureKind.StoppedByHost => "stopped_by_host",
            _ => "failed",
        },
        OperationCanceledException => "cancelled",
        _ => "other",
    };

    private static string Level(string? level) => level switch
    {
        "trace" or "debug" => "debug",
        "warn" or "warning" => "warning",
        "error" or "critical" or "fatal" => "error",
        _ => "info",
    };
}
