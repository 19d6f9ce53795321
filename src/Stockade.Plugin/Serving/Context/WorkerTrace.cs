using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Stockade.Plugin.Serving;

/// <summary>
/// The host's trace context inside the worker: while a plugin method or hook runs, <see cref="Activity.Current"/> is an
/// activity whose parent is the host's span for the call (W3C <c>traceparent</c>/<c>tracestate</c> from the
/// <c>invoke</c> or <c>hook</c> parameters), so a plugin that logs or correlates by trace id joins the application's
/// trace with no API of Stockade's. A missing or malformed context changes nothing and never fails the call. A worker
/// cannot export spans (it has no network), so nothing listens here; what the plugin reports back reaches the host only
/// through the broker, as bounded, untrusted data (docs/observability.md).
/// </summary>
internal static class WorkerTrace
{
    /// <summary>Makes the host's call the parent of <see cref="Activity.Current"/> until disposed; null when there is no context.</summary>
    public static IDisposable? Continue(string? traceParent, string? traceState) =>
        traceParent is null ? null : Start(traceParent, traceState);

    // Apart, so a call without a trace context never loads System.Diagnostics.DiagnosticSource (worker start-up is measured).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Activity? Start(string traceParent, string? traceState)
    {
        if (traceParent.Length > 128 || (traceState?.Length ?? 0) > 512 || !ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context))
        {
            return null;
        }

        var activity = new Activity("stockade.plugin.call");
        activity.SetParentId(context.TraceId, context.SpanId, context.TraceFlags);
        activity.TraceStateString = context.TraceState;
        return activity.Start();
    }
}
