using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Handlers;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Broker.RateLimiting;
using Stockade.Hosting.Broker.Services;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Store;
using Stockade.Hosting.Tests.Broker.Http;
using Stockade.Hosting.Tests.Host;
using Stockade.Hosting.Workers;
using Stockade.Protocol;

namespace Stockade.Hosting.Tests.Broker;

/// <summary>
/// Issue 15, part 1: every <c>host.*</c> method goes through one pipeline, authorize → rate limit → audit → perform.
/// The enumeration test reads the methods from <see cref="ProtocolMethods"/> by reflection (a new one without a
/// handler and a scenario here fails it) and drives the broker of a real host (real store, real audit log, a real
/// HTTP server on 127.0.0.1, a real host service) through a probe that fails when anything is performed before its
/// record is sequenced, and when a refused call is performed or not recorded with its event. The end-to-end tests
/// use a real confined worker.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15PipelineTests : IAsyncLifetime
{
    private const string Id = "t.pipeline";
    private readonly HostWorld _world = new();
    private readonly Probe _probe = new();
    private readonly ProbeClock _clock;
    private LoopbackHttpServer _server = null!;
    private PluginHost _host = null!;
    private BrokerPorts? _ports;

    public Issue15PipelineTests() => _clock = new ProbeClock(_probe);

    public Task InitializeAsync()
    {
        _server = new LoopbackHttpServer(_ =>
        {
            _probe.Performed("http: the server received the request");
            return ServerResponse.Text(200, "ok");
        });
        _host = new PluginHost(new PluginHostOptions { Home = _world.Home }) { PermissionPrompt = new ProbePrompt(_probe) };
        _host.Services.Register("clock", _clock);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
        _world.Dispose();
    }

    /// <summary>Every <c>host.*</c> name in the protocol, by reflection: nothing can be added without being seen here.</summary>
    public static IReadOnlyList<string> HostMethods { get; } = [.. typeof(ProtocolMethods)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .Where(m => m.StartsWith("host.", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)];

    [Fact]
    public void EveryHostMethod_HasOneHandlerInThePipeline_AndAScenarioHere()
    {
        HostMethods.Count.ShouldBeGreaterThanOrEqualTo(11);
        foreach (var method in HostMethods)
        {
            BrokerPipeline.Default.Handlers.ShouldContainKey(method, $"{method} has no handler: add one to BrokerHandlers.All");
            Scenarios(0).ShouldContainKey(method, $"{method} has no scenario in {nameof(Issue15PipelineTests)}: add one");
        }

        string.Join(", ", BrokerPipeline.Default.Handlers.Keys.Order(StringComparer.Ordinal)).ShouldBe(string.Join(", ", HostMethods), "the pipeline serves exactly the protocol's host.* methods");
        foreach (var handler in BrokerHandlers.All.Where(h => h.Audit == BrokerAudit.NotAudited))
        {
            handler.NotAuditedBecause.ShouldNotBeNullOrWhiteSpace($"{handler.GetType().Name} is not audited and must say why");
        }

        // Only the host.log handler is declared not audited; KV, config and every other capability are.
        BrokerHandlers.All.Where(h => h.Audit == BrokerAudit.NotAudited).SelectMany(h => h.Methods).ShouldBe([ProtocolMethods.HostLog]);
    }

    [Fact]
    public void AuditTicket_IsIssuedOnlyByThePipelinesAuditStep()
    {
        // A handler performs only with a ticket; the one factory is called from BrokerPipeline alone (checked in IL).
        var issue = typeof(AuditTicket).GetMethod("Issue", BindingFlags.NonPublic | BindingFlags.Static).ShouldNotBeNull();
        var callers = typeof(PluginHost).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Concat<MethodBase>(t.GetConstructors(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)))
            .Where(m => Calls(m, issue))
            .Select(m => m.DeclaringType!.FullName!)
            .Distinct()
            .ToList();
        callers.ShouldNotBeEmpty();
        callers.ShouldAllBe(name => name.StartsWith(typeof(BrokerPipeline).FullName!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryHostMethod_AllowedDeniedAndRateLimited_RecordSequencedBeforePerform_RefusalsNeverPerformedAndAudited()
    {
        await InstallAndLoadAsync();
        var broker = new PluginBroker(_ports.ShouldNotBeNull());
        var scenarios = Scenarios(_server.Port);
        foreach (var method in HostMethods)
        {
            var scenario = scenarios[method];
            var handler = BrokerPipeline.Default.Handlers[method];

            // Allowed: performed once, after its record was sequenced (the probe fails otherwise).
            var allowed = await RunAsync(broker, method, handler, scenario.Allowed);
            allowed.Error.ShouldBeNull($"{method}: {allowed.Error?.Message}");
            allowed.Performed.ShouldNotBeEmpty($"{method} was allowed but nothing was performed");
            if (handler.Audit != BrokerAudit.NotAudited)
            {
                allowed.Records.ShouldNotBeEmpty($"{method} was performed without a record");
            }

            // Denied: never performed; recorded with the handler's refusal event.
            if (scenario.Denied is { } denied)
            {
                var refused = await RunAsync(broker, method, handler, denied);
                refused.Error.ShouldNotBeNull($"{method}: a call that is not granted succeeded").Code.ShouldBe(RpcErrorCode.PermissionDenied);
                refused.Performed.ShouldBeEmpty($"{method}: a denied call was performed");
                refused.Records.ShouldContain(r => r.Action == scenario.DenyAction && r.Decision == AuditDecision.Deny, $"{method}: the refusal was not recorded as {scenario.DenyAction}");
                refused.Records.ShouldNotContain(r => r.Decision == AuditDecision.Allow, $"{method}: a denied call has an allow record");
            }

            // Rate limited: a rule of one call an hour on its permission; the second call is never performed.
            if (scenario.Permission is { } permission)
            {
                _ports!.RateLimiter.SetPluginRules(Id, [new RateRule(permission, 1, TimeSpan.FromHours(1))]);
                try
                {
                    (await RunAsync(broker, method, handler, scenario.Allowed)).Error.ShouldBeNull($"{method}: the first call within its limit was refused");
                    var limited = await RunAsync(broker, method, handler, scenario.Allowed);
                    limited.Error.ShouldNotBeNull($"{method}: a call over its rate limit succeeded").Code.ShouldBe(RpcErrorCode.RateLimited);
                    limited.Performed.ShouldBeEmpty($"{method}: a rate-limited call was performed");
                    limited.Records.ShouldContain(r => r.Action == AuditActions.PermissionDenied && r.Details != null && r.Details.GetValueOrDefault("reason") == "rate_limited", $"{method}: the rate-limit refusal was not recorded");
                    limited.Records.ShouldNotContain(r => r.Decision == AuditDecision.Allow, $"{method}: a rate-limited call has an allow record");
                }
                finally
                {
                    _ports.RateLimiter.SetPluginRules(Id, []);
                }
            }
        }

        _probe.Violations.ShouldBeEmpty();
    }

    [Fact]
    public async Task HostService_OverItsOwnRateLimitAttribute_NotPerformedAndRefusalAudited()
    {
        await InstallAndLoadAsync();
        var broker = new PluginBroker(_ports.ShouldNotBeNull());
        var handler = BrokerPipeline.Default.Handlers[ProtocolMethods.HostServiceCall];
        var call = HostWorld.Json(new { service = "clock", method = "tick" });

        (await RunAsync(broker, ProtocolMethods.HostServiceCall, handler, call)).Error.ShouldBeNull();
        var limited = await RunAsync(broker, ProtocolMethods.HostServiceCall, handler, call);

        limited.Error.ShouldNotBeNull().Code.ShouldBe(RpcErrorCode.RateLimited);
        limited.Performed.ShouldBeEmpty();
        _clock.Ticks.ShouldBe(1);
        limited.Records.ShouldContain(r => r.Action == AuditActions.PermissionDenied && r.Details != null && r.Details.GetValueOrDefault("reason") == "rate_limited" && r.Resource == "clock.tick");
        _probe.Violations.ShouldBeEmpty();
    }

    private async Task InstallAndLoadAsync()
    {
        _host.BrokerPortsDecorator = ports =>
        {
            var probed = ports with
            {
                Audit = new ProbeAudit(ports.Audit, _probe),
                Data = new ProbeData(ports.Data, _probe),
                Events = new ProbeEvents(ports.Events, _probe),
            };
            _ports = probed;
            return probed;
        };
        var port = _server.Port;
        var required = new[]
        {
            "clock:read", "database:read=notes", "database:write=notes", "config:read=theme", "config:write=theme",
            $"network:request=127.0.0.1:{port}", "clock:tick",
        };
        var manifest = $"""
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: {"{"} init: 30s, call: 10s, hook: 2s {"}"}
            permissions:
              required:{string.Concat(required.Select(p => $"\n    - permission: {p}\n      reason: tests"))}
              optional:
                - permission: clock:admin
                  reason: tests
            """;
        var folder = _world.Plugin("capabilities-csharp", Id, manifest);
        new PluginInstaller(_host).Install(folder, new InstallOptions { Grants = required, Level = "sandboxed" });
        await _host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
        _host.Store.SetConfig(Id, "theme", "\"dark\"").ShouldBeTrue();
    }

    private async Task<Outcome> RunAsync(PluginBroker broker, string method, IBrokerHandler handler, JsonElement parameters)
    {
        _probe.Begin(method, handler.Audit);
        RpcException? error = null;
        try
        {
            if (method is ProtocolMethods.HostLog or ProtocolMethods.HostDenial)
            {
                await broker.HandleNotificationAsync(method, parameters, CancellationToken.None);
            }
            else
            {
                await broker.HandleRequestAsync(method, parameters, CancellationToken.None);
            }
        }
        catch (RpcException ex)
        {
            error = ex;
        }

        var (performed, records) = _probe.End();
        return new Outcome(error, performed, records);
    }

    private static Dictionary<string, Scenario> Scenarios(int port)
    {
        static JsonElement J(object o) => HostWorld.Json(o);
        return new Dictionary<string, Scenario>(StringComparer.Ordinal)
        {
            [ProtocolMethods.HostHttpRequest] = new(
                J(new { method = "GET", url = $"http://127.0.0.1:{port}/x" }),
                J(new { method = "GET", url = $"http://127.0.0.1:{port + 1}/x" }), AuditActions.NetworkBlocked, $"network:request=127.0.0.1:{port}"),
            [ProtocolMethods.HostServiceCall] = new(
                J(new { service = "clock", method = "now" }), J(new { service = "clock", method = "set", args = new { time = "12:00" } }), AuditActions.ServiceBlocked, "clock:read"),
            [ProtocolMethods.HostConfigGet] = new(J(new { key = "theme" }), J(new { key = "password" }), AuditActions.PermissionDenied, "config:read=theme"),
            [ProtocolMethods.HostConfigSet] = new(J(new { key = "theme", value = "light" }), J(new { key = "password", value = "x" }), AuditActions.PermissionDenied, "config:write=theme"),
            [ProtocolMethods.HostKvGet] = new(J(new { key = "notes/a" }), J(new { key = "secrets/a" }), AuditActions.PermissionDenied, "database:read=notes"),
            [ProtocolMethods.HostKvSet] = new(J(new { key = "notes/a", value = "alpha" }), J(new { key = "secrets/a", value = "x" }), AuditActions.PermissionDenied, "database:write=notes"),
            [ProtocolMethods.HostKvDelete] = new(J(new { key = "notes/a" }), J(new { key = "secrets/a" }), AuditActions.PermissionDenied, "database:write=notes"),
            [ProtocolMethods.HostKvList] = new(J(new { prefix = "notes/" }), J(new { prefix = "secrets/" }), AuditActions.PermissionDenied, "database:read=notes"),

            // Asking needs no permission (so no denied or rate-limited case); the prompt is what is performed.
            [ProtocolMethods.HostPermissionRequest] = new(J(new { permission = "clock:admin", reason = "tests" }), null, null, null),
            [ProtocolMethods.HostLog] = new(J(new { level = "info", message = "hello" }), null, null, null),
            [ProtocolMethods.HostDenial] = new(J(new { kind = "file", path = "/etc/shadow", operation = "read", errno = 13 }), null, null, null),
        };
    }

    private static bool Calls(MethodBase method, MethodInfo target)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return false;
        }

        // call / callvirt followed by a metadata token; a byte scan is enough for a guard (false positives only make it stricter).
        for (var i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] is 0x28 or 0x6F)
            {
                var token = BitConverter.ToInt32(il, i + 1);
                try
                {
                    if (method.Module.ResolveMethod(token, method.DeclaringType?.GetGenericArguments(), method.IsGenericMethod ? method.GetGenericArguments() : null) is { } called
                        && called.MetadataToken == target.MetadataToken && called.Module == target.Module)
                    {
                        return true;
                    }
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException)
                {
                }
            }
        }

        return false;
    }

    private sealed record Scenario(JsonElement Allowed, JsonElement? Denied, string? DenyAction, string? Permission);

    private sealed record Outcome(RpcException? Error, IReadOnlyList<string> Performed, IReadOnlyList<AuditEntry> Records);

    /// <summary>
    /// Watches one call at a time: what was sequenced into the audit log and what was performed, in order. A perform
    /// of an audited handler with no record sequenced before it in the same call is a violation.
    /// </summary>
    private sealed class Probe
    {
        private readonly Lock _gate = new();
        private readonly List<AuditEntry> _records = [];
        private readonly List<string> _performed = [];
        private string? _method;
        private BrokerAudit _audit;

        public ConcurrentQueue<string> Violations { get; } = new();

        public void Begin(string method, BrokerAudit audit)
        {
            lock (_gate)
            {
                (_method, _audit) = (method, audit);
                _records.Clear();
                _performed.Clear();
            }
        }

        public (IReadOnlyList<string> Performed, IReadOnlyList<AuditEntry> Records) End()
        {
            lock (_gate)
            {
                _method = null;
                return ([.. _performed], [.. _records]);
            }
        }

        public void Sequenced(AuditEntry entry)
        {
            lock (_gate)
            {
                if (_method is not null)
                {
                    _records.Add(entry);
                }
            }
        }

        public void Performed(string what)
        {
            lock (_gate)
            {
                if (_method is null)
                {
                    return;
                }

                _performed.Add(what);
                var recorded = _audit switch
                {
                    BrokerAudit.BeforePerform => _records.Any(r => r.Decision != AuditDecision.Deny),
                    BrokerAudit.Report => _records.Count > 0,
                    _ => true,
                };
                if (!recorded)
                {
                    Violations.Enqueue($"{_method}: '{what}' was performed before its record was sequenced");
                }
            }
        }
    }

    private sealed class ProbeAudit(IBrokerAuditSink inner, Probe probe) : IBrokerAuditSink
    {
        public string? Failure => inner.Failure;

        public async ValueTask<Task<AuditRecord>> QueueAsync(AuditEntry entry)
        {
            var written = await inner.QueueAsync(entry);
            probe.Sequenced(entry); // sequenced: it has its place in the writer's queue
            return written;
        }

        public async ValueTask<AuditRecord> AppendAsync(AuditEntry entry)
        {
            var record = await inner.AppendAsync(entry);
            probe.Sequenced(entry);
            return record;
        }

        public void Append(AuditEntry entry)
        {
            inner.Append(entry);
            probe.Sequenced(entry);
        }

        public void Lost(AuditWriteException failure) => inner.Lost(failure);
    }

    private sealed class ProbeData(IPluginData inner, Probe probe) : IPluginData
    {
        public bool IsInstalled => inner.IsInstalled;

        public long ConfigQuotaBytes => inner.ConfigQuotaBytes;

        public long KeyValueQuotaBytes => inner.KeyValueQuotaBytes;

        public string? GetConfig(string key) => Do("config read", () => inner.GetConfig(key));

        public KvWriteResult SetConfig(string key, string json) => Do("config write", () => inner.SetConfig(key, json));

        public byte[]? GetValue(string ns, string key) => Do("kv read", () => inner.GetValue(ns, key));

        public KvWriteResult SetValue(string ns, string key, byte[] value) => Do("kv write", () => inner.SetValue(ns, key, value));

        public bool DeleteValue(string ns, string key) => Do("kv delete", () => inner.DeleteValue(ns, key));

        public IReadOnlyList<string> ListKeys(string ns, string? prefix) => Do("kv list", () => inner.ListKeys(ns, prefix));

        private T Do<T>(string what, Func<T> action)
        {
            probe.Performed(what);
            return action();
        }
    }

    private sealed class ProbeEvents(IBrokerEvents inner, Probe probe) : IBrokerEvents
    {
        public ILogger Logger { get; } = new ProbeLogger(inner.Logger, probe);

        public TimeSpan PromptTimeout => inner.PromptTimeout;

        public ILogger PluginLogger(string? category) => new ProbeLogger(inner.PluginLogger(category), probe);

        public IDisposable PauseCallTimeouts() => inner.PauseCallTimeouts();

        public void Denied(string message)
        {
            // A refusal's event follows its record; for a kernel-denial report it is the report's effect.
            if (message.Contains("/etc/shadow", StringComparison.Ordinal))
            {
                probe.Performed("denial report: event raised");
            }

            inner.Denied(message);
        }

        public void EndWorker(PluginBroker broker, WorkerProcess? worker, string resource, string message, string reason, bool onlyIfCurrent) =>
            inner.EndWorker(broker, worker, resource, message, reason, onlyIfCurrent);
    }

    private sealed class ProbeLogger(ILogger inner, Probe probe) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (formatter(state, exception).Contains("hello", StringComparison.Ordinal))
            {
                probe.Performed("log line written");
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    private sealed class ProbePrompt(Probe probe) : IPermissionPrompt
    {
        public ValueTask<PermissionAnswer> AskAsync(string pluginId, string permission, string? reason, CancellationToken cancellationToken)
        {
            probe.Performed("a person was asked");
            return ValueTask.FromResult(PermissionAnswer.AllowOnce);
        }
    }

    /// <summary>An application's service: each call is a perform the probe sees.</summary>
    private sealed class ProbeClock
    {
        private readonly Probe _probe;

        public ProbeClock(Probe probe) => _probe = probe;

        public int Ticks { get; private set; }

        [RequiresPermission("clock:read")]
        [HostServiceMethod("now")]
        public string GetNow()
        {
            _probe.Performed("clock.now ran");
            return "2026-12-07T00:00:00Z";
        }

        [RequiresPermission("clock:set")]
        [HostServiceMethod("set")]
        public void Set(ProbeSetArgs args) => _probe.Performed($"clock.set ran ({args.Time})");

        [RequiresPermission("clock:tick")]
        [HostServiceMethod("tick")]
        [RateLimit(1, "1h")]
        public int Tick()
        {
            _probe.Performed("clock.tick ran");
            return ++Ticks;
        }

        [RequiresPermission("clock:admin")]
        [HostServiceMethod("admin")]
        public void Admin() => _probe.Performed("clock.admin ran");
    }
}

/// <summary>The argument of the probe clock's <c>set</c>.</summary>
public sealed record ProbeSetArgs(string Time);
