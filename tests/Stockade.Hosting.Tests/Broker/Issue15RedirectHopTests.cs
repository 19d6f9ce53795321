using System.Collections.Concurrent;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Broker.Http;
using Stockade.Hosting.Tests.Host;
using Stockade.Protocol;

namespace Stockade.Hosting.Tests.Broker;

/// <summary>
/// Issue 15, attacker pass: an HTTP redirect the broker followed to another granted host had no record of its own — the
/// audit log showed a request to the first host only, while the plugin's data went to the second. Each hop is now
/// checked against the grants and recorded before it is fetched; a hop to a host that is not granted is refused and
/// recorded under its own URL. Real HTTP servers on 127.0.0.1, a real host, a real worker, the real audit log.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15RedirectHopTests : IAsyncLifetime
{
    private const string Id = "t.redirects";
    private readonly HostWorld _world = new();
    private readonly ConcurrentQueue<AuditEntry> _sequenced = new();
    private readonly ConcurrentQueue<string> _fetchedBeforeRecorded = new();
    private LoopbackHttpServer _first = null!;
    private LoopbackHttpServer _second = null!;
    private LoopbackHttpServer _ungranted = null!;
    private PluginHost _host = null!;
    private BrokerPorts? _ports;

    public Task InitializeAsync()
    {
        _ungranted = new LoopbackHttpServer(_ => ServerResponse.Text(200, "the ungranted host was reached"));
        _second = new LoopbackHttpServer(request =>
        {
            // When the hop arrives, its record must already have its place in the audit queue.
            var url = $"http://127.0.0.1:{_second.Port}{request.Target}";
            if (!_sequenced.Any(e => e.Action == AuditActions.NetworkRequest && e.Resource == url))
            {
                _fetchedBeforeRecorded.Enqueue(url);
            }

            return request.Target == "/onwards"
                ? ServerResponse.Text(302, string.Empty, ("Location", $"http://127.0.0.1:{_ungranted.Port}/stolen"))
                : ServerResponse.Text(200, "landed");
        });
        _first = new LoopbackHttpServer(request => request.Target switch
        {
            "/start" => ServerResponse.Text(302, string.Empty, ("Location", $"http://127.0.0.1:{_second.Port}/landing")),
            "/see-other" => ServerResponse.Text(303, string.Empty, ("Location", $"http://127.0.0.1:{_second.Port}/landing")),
            "/away" => ServerResponse.Text(302, string.Empty, ("Location", $"http://127.0.0.1:{_ungranted.Port}/stolen")),
            "/twice" => ServerResponse.Text(307, string.Empty, ("Location", $"http://127.0.0.1:{_second.Port}/onwards")),
            _ => ServerResponse.Text(404, "not here"),
        });
        _host = new PluginHost(new PluginHostOptions { Home = _world.Home });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _ungranted.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task RedirectToAnotherGrantedHost_TheHopHasItsOwnRecord_SequencedBeforeItIsFetched()
    {
        var broker = await LoadAsync();

        var answer = await broker.HandleRequestAsync(ProtocolMethods.HostHttpRequest, HostWorld.Json(new { method = "GET", url = $"http://127.0.0.1:{_first.Port}/start" }), CancellationToken.None);

        answer!.Value.GetProperty("status").GetInt32().ShouldBe(200);
        _fetchedBeforeRecorded.ShouldBeEmpty("a redirect hop was fetched before its record was sequenced");
        var records = await RecordsAsync();
        records.ShouldContain(r => r.Action == AuditActions.NetworkRequest && r.Resource == $"http://127.0.0.1:{_first.Port}/start");
        var hop = records.Where(r => r.Action == AuditActions.NetworkRequest && r.Resource == $"http://127.0.0.1:{_second.Port}/landing").ShouldHaveSingleItem("the redirect hop has no record of its own");
        hop.Decision.ShouldBe(AuditDecision.Allow);
        hop.Permission.ShouldBe($"network:request=127.0.0.1:{_second.Port}");
        hop.Details!["redirect"].ShouldBe("1");
        hop.Details["from"].ShouldBe($"http://127.0.0.1:{_first.Port}/start");
        hop.Details["method"].ShouldBe("GET");
    }

    [Fact]
    public async Task SeeOther_TheHopIsRecordedWithTheMethodItIsFetchedWith()
    {
        var broker = await LoadAsync();

        await broker.HandleRequestAsync(ProtocolMethods.HostHttpRequest, HostWorld.Json(new { method = "POST", url = $"http://127.0.0.1:{_first.Port}/see-other", body = "eA==" }), CancellationToken.None);

        var hop = (await RecordsAsync()).Where(r => r.Resource == $"http://127.0.0.1:{_second.Port}/landing").ShouldHaveSingleItem();
        hop.Details!["method"].ShouldBe("GET");
        _fetchedBeforeRecorded.ShouldBeEmpty();
    }

    [Fact]
    public async Task RedirectToAHostThatIsNotGranted_IsRefusedAndRecordedUnderTheHopsOwnUrl_NothingReachesIt()
    {
        var broker = await LoadAsync();

        var refused = await Should.ThrowAsync<RpcException>(() => broker.HandleRequestAsync(ProtocolMethods.HostHttpRequest, HostWorld.Json(new { method = "GET", url = $"http://127.0.0.1:{_first.Port}/away" }), CancellationToken.None).AsTask());

        refused.Code.ShouldBe(RpcErrorCode.PermissionDenied);
        _ungranted.Requests.ShouldBeEmpty();
        var records = await RecordsAsync();
        var blocked = records.Where(r => r.Action == AuditActions.NetworkBlocked).ShouldHaveSingleItem();
        blocked.Resource.ShouldBe($"http://127.0.0.1:{_ungranted.Port}/stolen");
        blocked.Permission.ShouldBe($"network:request=127.0.0.1:{_ungranted.Port}");
        blocked.Decision.ShouldBe(AuditDecision.Deny);
        records.ShouldNotContain(r => r.Action == AuditActions.NetworkRequest && r.Resource!.Contains($":{_ungranted.Port}/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoHops_GrantedThenNot_EachHopRecorded_TheSecondRefused()
    {
        var broker = await LoadAsync();

        await Should.ThrowAsync<RpcException>(() => broker.HandleRequestAsync(ProtocolMethods.HostHttpRequest, HostWorld.Json(new { method = "GET", url = $"http://127.0.0.1:{_first.Port}/twice" }), CancellationToken.None).AsTask());

        var records = await RecordsAsync();
        records.ShouldContain(r => r.Action == AuditActions.NetworkRequest && r.Resource == $"http://127.0.0.1:{_second.Port}/onwards" && r.Details!["redirect"] == "1");
        records.ShouldContain(r => r.Action == AuditActions.NetworkBlocked && r.Resource == $"http://127.0.0.1:{_ungranted.Port}/stolen");
        _ungranted.Requests.ShouldBeEmpty();
        _fetchedBeforeRecorded.ShouldBeEmpty();
    }

    private async Task<List<AuditRecord>> RecordsAsync()
    {
        await _host.Audit.FlushAsync();
        return new AuditReader(_host.Audit.Directory).Query(new AuditQuery { Plugin = Id }).ToList();
    }

    private async Task<PluginBroker> LoadAsync()
    {
        _host.BrokerPortsDecorator = ports =>
        {
            var recorded = ports with { Audit = new RecordingAudit(ports.Audit, _sequenced) };
            _ports = recorded;
            return recorded;
        };
        var required = new[] { $"network:request=127.0.0.1:{_first.Port}", $"network:request=127.0.0.1:{_second.Port}" };
        var manifest = $"""
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: {"{"} init: 30s, call: 10s, hook: 2s {"}"}
            permissions:
              required:{string.Concat(required.Select(p => $"\n    - permission: {p}\n      reason: tests"))}
            """;
        var folder = _world.Plugin("capabilities-csharp", Id, manifest);
        new PluginInstaller(_host).Install(folder, new InstallOptions { Grants = required, Level = "sandboxed" });
        await _host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
        return new PluginBroker(_ports.ShouldNotBeNull());
    }

    private sealed class RecordingAudit(IBrokerAuditSink inner, ConcurrentQueue<AuditEntry> sequenced) : IBrokerAuditSink
    {
        public string? Failure => inner.Failure;

        public async ValueTask<Task<AuditRecord>> QueueAsync(AuditEntry entry)
        {
            var written = await inner.QueueAsync(entry);
            sequenced.Enqueue(entry);
            return written;
        }

        public async ValueTask<AuditRecord> AppendAsync(AuditEntry entry)
        {
            var record = await inner.AppendAsync(entry);
            sequenced.Enqueue(entry);
            return record;
        }

        public void Append(AuditEntry entry)
        {
            inner.Append(entry);
            sequenced.Enqueue(entry);
        }

        public void Lost(AuditWriteException failure) => inner.Lost(failure);
    }
}
