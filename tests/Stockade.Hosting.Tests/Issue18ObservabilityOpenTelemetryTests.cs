using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Stockade.Hosting.Diagnostics;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests;

/// <summary>
/// Issue 18, item 6, as an application wires it: the OpenTelemetry SDK with its in-memory exporter collects Stockade's
/// metrics and spans (the example of docs/observability.md), and the health checks of the host and of a plugin answer
/// through <see cref="HealthCheckService"/>. Real confined workers.
/// </summary>
[Trait("Issue", "18")]
[Collection(Issue18ObservabilityCollection.Name)]
public sealed class Issue18ObservabilityOpenTelemetryTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task OpenTelemetry_CollectsStockadeMetricsAndSpans_FromARealCall()
    {
        const string id = "t.otel";
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(StockadeDiagnostics.ActivitySourceName).AddInMemoryExporter(spans).Build();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(StockadeDiagnostics.MeterName).AddInMemoryExporter(metrics).Build();
        await using (var host = new PluginHost(new PluginHostOptions { Home = _world.Home }))
        {
            await host.LoadAsync(ObservabilityPlugin.Write(_world, id), new PluginLoadOptions { Level = "sandboxed", Grants = ["hook:register=obs.ping"] });
            var answer = await host.InvokeAsync(id, "trace");
            await Should.ThrowAsync<PluginFailedException>(() => host.InvokeAsync(id, "fail"));

            tracing.ForceFlush();
            meters.ForceFlush();
            var invoke = spans.First(a => a.OperationName == "stockade.plugin.invoke" && (string?)a.GetTagItem("stockade.plugin.id") == id);
            answer.GetProperty("traceparent").GetString().ShouldBe(invoke.Id);
            spans.ShouldContain(a => a.OperationName == "stockade.worker.start" && (string?)a.GetTagItem("stockade.plugin.id") == id);
            spans.ShouldContain(a => a.OperationName == "stockade.plugin.invoke" && a.Status == ActivityStatusCode.Error && (string?)a.GetTagItem("error.type") == "threw");
        }

        var points = Points(metrics, "stockade.plugin.calls").Where(p => Tag(p, "plugin") == id).ToArray();
        points.Sum(p => p.GetSumLong()).ShouldBe(2);
        points.ShouldContain(p => Tag(p, "outcome") == "failed" && Tag(p, "error.type") == "threw" && p.GetSumLong() == 1);
        Points(metrics, "stockade.plugin.call.duration").Where(p => Tag(p, "plugin") == id).Sum(p => p.GetHistogramCount()).ShouldBe(2);
        Points(metrics, "stockade.worker.start.duration").Where(p => Tag(p, "plugin") == id).ShouldHaveSingleItem().GetHistogramSum().ShouldBeGreaterThan(0);
        metrics.ShouldContain(m => m.Name == "stockade.audit.records");
        metrics.Single(m => m.Name == "stockade.plugin.call.duration").Unit.ShouldBe("s");
    }

    [Fact]
    public async Task HealthChecks_ReportTheHostAndEachPlugin_ThroughHealthCheckService()
    {
        const string id = "t.health";
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStockade(o => o.Home = _world.Home);
        services.AddHealthChecks().AddStockade().AddStockadePlugin(id).AddStockadePlugin("t.never-loaded", tags: ["optional"]);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        var host = provider.GetRequiredService<PluginHost>();

        await host.LoadAsync(ObservabilityPlugin.Write(_world, id), new PluginLoadOptions { Level = "sandboxed", Grants = ["hook:register=obs.ping"] });
        var report = await health.CheckHealthAsync();
        report.Entries["stockade"].Status.ShouldBe(HealthStatus.Healthy);
        report.Entries["stockade"].Data["plugin:" + id].ShouldBe("ready"); // loading starts its worker
        report.Entries["stockade:" + id].Status.ShouldBe(HealthStatus.Healthy);
        report.Entries["stockade:" + id].Description!.ShouldContain("ready");
        report.Entries["stockade:t.never-loaded"].Status.ShouldBe(HealthStatus.Unhealthy);
        report.Entries["stockade:t.never-loaded"].Description!.ShouldContain("is not loaded");

        await host.InvokeAsync(id, "trace");
        report = await health.CheckHealthAsync(r => r.Name == "stockade:" + id);
        report.Status.ShouldBe(HealthStatus.Healthy);
        report.Entries["stockade:" + id].Data["state"].ShouldBe("ready");
        ((int)report.Entries["stockade:" + id].Data["pid"]).ShouldBeGreaterThan(0);

        // A crash and its restart: degraded until the restart window forgets it.
        await Should.ThrowAsync<PluginFailedException>(() => host.InvokeAsync(id, "crash"));
        await host.InvokeAsync(id, "trace");
        report = await health.CheckHealthAsync(r => r.Name == "stockade:" + id);
        report.Status.ShouldBe(HealthStatus.Degraded);
        report.Entries["stockade:" + id].Description!.ShouldContain("restarted 1 time(s)");

        // The audit log lost records: brokered calls are refused (fail secure), and the host says so.
        report = await health.CheckHealthAsync(r => r.Name == "stockade");
        report.Status.ShouldBe(HealthStatus.Healthy);
        host.RefuseBrokeredCalls(new Stockade.Hosting.Audit.AuditWriteException("no space left on device"));
        report = await health.CheckHealthAsync(r => r.Name == "stockade");
        report.Status.ShouldBe(HealthStatus.Unhealthy);
        report.Entries["stockade"].Description!.ShouldContain("brokered calls are refused");

        await host.DisposeAsync();
        report = await health.CheckHealthAsync(r => r.Name == "stockade");
        report.Status.ShouldBe(HealthStatus.Unhealthy);
        report.Entries["stockade"].Description!.ShouldContain("disposed");
    }

    private static List<MetricPoint> Points(List<Metric> metrics, string name)
    {
        var points = new List<MetricPoint>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                points.Add(point);
            }
        }

        return points;
    }

    private static string? Tag(MetricPoint point, string name)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == name)
            {
                return Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
