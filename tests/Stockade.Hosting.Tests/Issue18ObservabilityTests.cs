using System.Diagnostics;
using System.Text.Json;
using Stockade.Hosting.Diagnostics;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests;

/// <summary>
/// Issue 18, item 6: what a host publishes about its plugins, collected the way an application would (a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/> and an <see cref="ActivityListener"/>), from real confined
/// workers: calls, failures by kind, broker denials, audit, worker starts, kills and restarts, spans with the trace
/// context handed to the worker, and a plugin's own reports kept bounded and untrusted.
/// </summary>
[Trait("Issue", "18")]
[Collection(Issue18ObservabilityCollection.Name)]
public sealed class Issue18ObservabilityTests : IAsyncLifetime
{
    private static readonly ActivitySource App = new("Issue18.App");
    private readonly HostWorld _world = new();
    private readonly TelemetryCollector _collector = new();
    private PluginHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new PluginHost(new PluginHostOptions { Home = _world.Home });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _collector.Dispose();
        _world.Dispose();
    }

    [Fact]
    public async Task Call_IsCountedTimedAndTraced_AndTheWorkerGetsTheCallSpanAsItsParent()
    {
        const string id = "t.obs-trace";
        await _host.LoadAsync(ObservabilityPlugin.Write(_world, id), new PluginLoadOptions { Level = "sandboxed", Grants = ["hook:register=obs.ping"] });

        JsonElement answer;
        Activity request;
        using (request = App.StartActivity("GET /forecast")!)
        {
            request.TraceStateString = "app=1";
            answer = await _host.InvokeAsync(id, "trace");
        }

        // One span per call, a child of the application's span; the worker is handed that span as its parent.
        var invoke = _collector.SpansOf(id).Single(a => a.OperationName == "stockade.plugin.invoke");
        invoke.ParentSpanId.ShouldBe(request.SpanId);
        invoke.TraceId.ShouldBe(request.TraceId);
        invoke.Kind.ShouldBe(ActivityKind.Client);
        invoke.DisplayName.ShouldBe($"invoke {id} trace");
        invoke.GetTagItem("stockade.plugin.method").ShouldBe("trace");
        invoke.GetTagItem("stockade.plugin.version").ShouldBe("1.2.3");
        invoke.Status.ShouldNotBe(ActivityStatusCode.Error);
        answer.GetProperty("traceparent").GetString().ShouldBe(invoke.Id);
        answer.GetProperty("tracestate").GetString().ShouldBe("app=1");

        // The load started the worker (outside any span here: a root span of its own), and timed it.
        var start = _collector.SpansOf(id).Single(a => a.OperationName == "stockade.worker.start");
        start.ParentSpanId.ShouldBe(default);
        start.GetTagItem("stockade.worker.pid").ShouldBeOfType<int>().ShouldBeGreaterThan(0);
        var coldStart = _collector.Of("stockade.worker.start.duration", id).ShouldHaveSingleItem();
        coldStart.Unit.ShouldBe("s");
        coldStart.Value.ShouldBeGreaterThan(0);
        coldStart.Value.ShouldBeLessThan(60);
        coldStart.Tag("spare").ShouldBe("False");
        _collector.Of("stockade.worker.starts", id).Sum(m => m.Value).ShouldBe(1);

        var calls = _collector.Of("stockade.plugin.calls", id).ShouldHaveSingleItem();
        calls.Tag("method").ShouldBe("trace");
        calls.Tag("operation").ShouldBe("invoke");
        calls.Tag("outcome").ShouldBe("ok");
        calls.Tags.ContainsKey("error.type").ShouldBeFalse();
        var duration = _collector.Of("stockade.plugin.call.duration", id).ShouldHaveSingleItem();
        duration.Unit.ShouldBe("s");
        duration.Value.ShouldBeGreaterThan(0);
        _collector.Of("stockade.plugin.calls.active", id).Sum(m => m.Value).ShouldBe(0);

        // A hook is a span and a count of its own, with the trace context too.
        var hooks = await _host.FireHookAsync("obs.ping");
        hooks.ShouldHaveSingleItem().Succeeded.ShouldBeTrue(hooks[0].Error);
        var hook = _collector.SpansOf(id).Single(a => a.OperationName == "stockade.plugin.hook");
        hooks[0].Result!.Value.GetProperty("traceparent").GetString().ShouldBe(hook.Id);
        _collector.Of("stockade.plugin.calls", id).ShouldContain(m => m.Tag("operation") == "hook" && m.Tag("method") == "obs.ping" && m.Tag("outcome") == "ok");

        // The audit records of the start were counted and their writes timed; the queue depth is observable.
        await _host.Audit.FlushAsync();
        _collector.Measurements.ShouldContain(m => m.Instrument == "stockade.audit.records" && m.Tag("action") == "plugin.started");
        _collector.Measurements.ShouldContain(m => m.Instrument == "stockade.audit.write.duration" && m.Unit == "s");
        _collector.Observe();
        _collector.Measurements.ShouldContain(m => m.Instrument == "stockade.audit.queue.depth" && m.Value >= 0);
        _collector.Measurements.ShouldContain(m => m.Instrument == "stockade.workers.running" && m.Value >= 1);
    }

    [Fact]
    public async Task CSharpPlugin_SeesTheHostCallSpanAsTheParentOfActivityCurrent()
    {
        const string id = "t.obs-csharp";
        var plugin = _world.Plugin("hello-csharp", id, """
            runtime: dotnet
            entry: bin/HelloPlugin.dll
            entryType: Samples.Hello.HelloPlugin
            timeouts: { init: 30s, call: 10s, hook: 5s }
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: keeps its counter there
            resources: { memoryMb: 256, openFiles: 128 }
            """);
        await _host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" });

        JsonElement answer;
        Activity request;
        using (request = App.StartActivity("POST /work")!)
        {
            request.TraceStateString = "vendor=x";
            answer = await _host.InvokeAsync(id, "trace");
        }

        var invoke = _collector.SpansOf(id).Single(a => a.OperationName == "stockade.plugin.invoke");
        answer.GetProperty("traceId").GetString().ShouldBe(request.TraceId.ToHexString());
        answer.GetProperty("parentSpanId").GetString().ShouldBe(invoke.SpanId.ToHexString());
        answer.GetProperty("traceState").GetString().ShouldBe("vendor=x");

        // With no application span, the host's call span is the root of the plugin's trace.
        var alone = await _host.InvokeAsync(id, "trace");
        var root = _collector.SpansOf(id).Last(a => a.OperationName == "stockade.plugin.invoke");
        root.ParentSpanId.ShouldBe(default);
        alone.GetProperty("traceId").GetString().ShouldBe(root.TraceId.ToHexString());
        alone.GetProperty("parentSpanId").GetString().ShouldBe(root.SpanId.ToHexString());
    }

    [Fact]
    public async Task PluginReports_AreBoundedUntrustedData_AndBrokerDenialsAreCountedByCapability()
    {
        const string id = "t.obs-chatty";
        await _host.LoadAsync(ObservabilityPlugin.Write(_world, id), new PluginLoadOptions { Level = "sandboxed", Grants = ["hook:register=obs.ping"] });

        var answer = await _host.InvokeAsync(id, "chatty");
        answer.GetProperty("refused").GetBoolean().ShouldBeTrue();

        var invoke = _collector.SpansOf(id).Single(a => a.OperationName == "stockade.plugin.invoke");
        var logs = invoke.Events.Where(e => e.Name == "plugin.log").ToArray();
        logs.Length.ShouldBeInRange(1, 32); // 100 lines sent: a plugin cannot grow a span without bound
        foreach (var log in logs)
        {
            var tags = log.Tags.ToDictionary(t => t.Key, t => t.Value);
            tags["stockade.untrusted"].ShouldBe(true);
            ((string)tags["level"]!).ShouldBeOneOf("debug", "info", "warning", "error"); // never the plugin's own word
            var message = (string)tags["message"]!;
            message.Length.ShouldBeLessThanOrEqualTo(2 * UntrustedText.MaxLength + 1);
            message.ShouldNotContain('\u001b');
            message.ShouldNotContain('\u0007');
            message.ShouldContain("\\x1b]0;owned"); // shown, not obeyed
        }

        ((int)invoke.GetTagItem("stockade.plugin.log.dropped")!).ShouldBeGreaterThan(0);

        // The refused brokered call: a span under the call, a denial by capability and layer, a request by outcome.
        var broker = _collector.SpansOf(id).Single(a => a.OperationName == "stockade.broker.request" && (string?)a.GetTagItem("stockade.broker.method") == "host.config.get");
        broker.ParentSpanId.ShouldBe(invoke.SpanId);
        broker.Status.ShouldBe(ActivityStatusCode.Error);
        broker.GetTagItem("stockade.broker.outcome").ShouldBe("denied");
        var denial = _collector.Of("stockade.broker.denials", id).ShouldHaveSingleItem();
        denial.Tag("capability").ShouldBe("config");
        denial.Tag("layer").ShouldBe("broker");
        _collector.Of("stockade.broker.requests", id).ShouldContain(m => m.Tag("capability") == "config" && m.Tag("outcome") == "denied");
        _collector.Of("stockade.broker.requests", id).ShouldContain(m => m.Tag("capability") == "log");
        _collector.Of("stockade.broker.request.duration", id).ShouldNotBeEmpty();

        // A huge error message with escapes: the span's status is bounded and shown, the kind is the host's word.
        await Should.ThrowAsync<PluginFailedException>(() => _host.InvokeAsync(id, "fail"));
        var failed = _collector.SpansOf(id).Last(a => a.OperationName == "stockade.plugin.invoke");
        failed.Status.ShouldBe(ActivityStatusCode.Error);
        failed.StatusDescription!.Length.ShouldBeLessThanOrEqualTo(2 * UntrustedText.MaxLength + 1);
        failed.StatusDescription.ShouldNotContain('\u001b');
        failed.StatusDescription.ShouldNotContain('\u202e');
        failed.GetTagItem("error.type").ShouldBe("threw");
        _collector.Of("stockade.plugin.call.failures", id).ShouldHaveSingleItem().Tag("error.type").ShouldBe("threw");
    }

    [Fact]
    public async Task Timeout_Crash_AndRestart_AreCountedAsKillsCrashesRestartsAndFailureKinds()
    {
        const string id = "t.obs-kills";
        await _host.LoadAsync(ObservabilityPlugin.Write(_world, id), new PluginLoadOptions { Level = "sandboxed", Grants = ["hook:register=obs.ping"] });

        await Should.ThrowAsync<PluginTimeoutException>(() => _host.InvokeAsync(id, "slow"));
        await WorkerGoneAsync(id); // (a call racing the killed worker's exit is item 1's, not this test's)
        await _host.InvokeAsync(id, "trace"); // a fresh worker
        await Should.ThrowAsync<PluginFailedException>(() => _host.InvokeAsync(id, "crash"));
        await WorkerGoneAsync(id);
        await _host.InvokeAsync(id, "trace");
        await Should.ThrowAsync<PluginNotFoundException>(() => _host.InvokeAsync("t.obs-not-loaded", "trace"));
        await Should.ThrowAsync<PluginNotFoundException>(() => _host.InvokeAsync(id, "no-such-method"));

        var failures = _collector.Of("stockade.plugin.call.failures", id).Select(m => m.Tag("error.type") + "/" + m.Tag("method")).ToArray();
        failures.ShouldBe(["timeout/slow", "crashed/crash", "not_found/_other"], ignoreOrder: true);
        _collector.Of("stockade.worker.kills", id).ShouldHaveSingleItem().Tag("reason").ShouldBe("timeout");
        _collector.Of("stockade.worker.crashes", id).Sum(m => m.Value).ShouldBeGreaterThanOrEqualTo(1);
        _collector.Of("stockade.worker.restarts", id).Sum(m => m.Value).ShouldBe(2);
        _collector.Of("stockade.worker.starts", id).Sum(m => m.Value).ShouldBe(3);
        _collector.Of("stockade.plugin.calls", id).Count(m => m.Tag("outcome") == "ok").ShouldBe(2);

        // A plugin that is not loaded: counted, under no id of the application's choosing.
        _collector.Of("stockade.plugin.call.failures", "_unknown").ShouldContain(m => m.Tag("error.type") == "not_found" && m.Tag("method") == "_other");
        _collector.Measurements.ShouldNotContain(m => m.Tag("plugin") == "t.obs-not-loaded");

        var invokes = _collector.SpansOf(id).Where(a => a.OperationName == "stockade.plugin.invoke").ToArray();
        invokes.Length.ShouldBe(5);
        invokes[0].GetTagItem("error.type").ShouldBe("timeout");
        invokes[0].Status.ShouldBe(ActivityStatusCode.Error);

        // The call after the timeout waited for a fresh worker: its cold start is a child span of that call.
        var starts = _collector.SpansOf(id).Where(a => a.OperationName == "stockade.worker.start").ToArray();
        starts.ShouldContain(s => s.ParentSpanId == invokes[1].SpanId);
        starts.ShouldContain(s => s.ParentSpanId == invokes[3].SpanId);
    }

    private async Task WorkerGoneAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_host.Plugins.Single(p => p.Id == id).ProcessId is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    [Fact]
    public void EveryInstrument_IsDocumentedWithItsUnit()
    {
        var doc = File.ReadAllText(Path.Combine(Installation.PluginFixtures.RepoRoot, "docs", "observability.md"));
        using var meter = new System.Diagnostics.Metrics.MeterListener();
        var found = new List<(string Name, string? Unit)>();
        meter.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == StockadeDiagnostics.MeterName)
            {
                lock (found)
                {
                    found.Add((instrument.Name, instrument.Unit));
                }
            }
        };
        meter.Start();

        var names = found.Select(f => f.Name).Distinct().ToArray();
        names.ShouldContain("stockade.plugin.calls");
        names.ShouldContain("stockade.watchdog.kills");
        foreach (var (name, unit) in found.Distinct())
        {
            doc.ShouldContain($"| `{name}` | `{unit}` |", customMessage: $"docs/observability.md must list {name} with its unit {unit}");
        }
    }
}

/// <summary>The observability tests start hosts whose plugins claim worker uids: one after another, not racing each other.</summary>
[CollectionDefinition(Name)]
public sealed class Issue18ObservabilityCollection
{
    public const string Name = "Issue18Observability";
}
