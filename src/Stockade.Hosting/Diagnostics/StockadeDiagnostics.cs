using System.Diagnostics;
using Stockade.Hosting.Monitoring;

namespace Stockade.Hosting.Diagnostics;

/// <summary>
/// The names under which Stockade publishes its telemetry (docs/observability.md lists every instrument, its unit and
/// its tags). Subscribe with OpenTelemetry's <c>AddMeter(StockadeDiagnostics.MeterName)</c> and
/// <c>AddSource(StockadeDiagnostics.ActivitySourceName)</c>, or with a <see cref="System.Diagnostics.Metrics.MeterListener"/>
/// and an <see cref="ActivityListener"/>.
/// </summary>
public static class StockadeDiagnostics
{
    /// <summary>The meter of every Stockade instrument: calls, broker, audit, workers and the watchdog's.</summary>
    public const string MeterName = Watchdog.MeterName;

    /// <summary>The activity source of Stockade's spans: one per plugin call and hook, one per brokered request.</summary>
    public const string ActivitySourceName = "Stockade";

    /// <summary>The source every host starts its spans from (an activity source is cheap and safe to share).</summary>
    internal static ActivitySource Source { get; } = new(ActivitySourceName, StockadeRelease.Version);
}
