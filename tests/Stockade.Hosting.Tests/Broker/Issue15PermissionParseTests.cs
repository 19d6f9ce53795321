using Stockade.Core.Audit;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.Pipeline;

namespace Stockade.Hosting.Tests.Broker;

/// <summary>
/// Issue 15's overhead figure: the broker remembers the permissions its worker's calls needed, parsed, instead of
/// parsing one on every call. Only the parse is remembered: every decision is made against the policy in force at the
/// call (a revoke holds at the next call), a text the catalog refuses is refused every time, and a worker that varies
/// its text (one URL host after another) gets each one decided on its own.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15PermissionParseTests
{
    private const string Api = "network:request=api.example.com:443";

    [Fact]
    public void IsGranted_SameTextAgain_DecidedAgainstThePolicyInForce_RevokeHoldsAtTheNextCall()
    {
        var grants = new SwappableGrants(Policy(Api));
        var broker = Broker(grants);
        for (var i = 0; i < 20; i++)
        {
            broker.IsGranted(Api).ShouldBeTrue();
        }

        grants.Policy = Policy("network:request=other.example.com:443"); // the revoke: a new policy in force
        broker.IsGranted(Api).ShouldBeFalse("a decision was remembered past a change of policy");
        broker.IsGranted(new string(Api.AsSpan())).ShouldBeFalse("an equal text (another string) was allowed after the revoke");

        grants.Policy = Policy(Api);
        broker.IsGranted(Api).ShouldBeTrue();
    }

    [Fact]
    public void IsGranted_ManyTexts_EachDecidedOnItsOwn_RefusedTextRefusedEveryTime()
    {
        var broker = Broker(new SwappableGrants(Policy(Api)));
        for (var round = 0; round < 3; round++)
        {
            for (var host = 0; host < 50; host++)
            {
                broker.IsGranted($"network:request=h{host}.example.com:443").ShouldBeFalse($"h{host} was allowed by a slot another text filled");
                broker.IsGranted(Api).ShouldBeTrue("the granted text was refused after other texts filled the slots");
            }

            broker.IsGranted("network:teleport=api.example.com:443").ShouldBeFalse("a text the catalog refuses");
            broker.IsGranted("not a permission").ShouldBeFalse();
        }
    }

    private static PluginBroker Broker(IPluginGrants grants) => new(new BrokerPorts(
        "com.example.parse", grants, null!, null!, null!, null!, null!, null!, static () => null, new BudgetOptions(), TimeProvider.System));

    private static SandboxPolicy Policy(string granted)
    {
        var yaml = $"id: com.example.parse\nname: Parse\nversion: 1.0.0\nruntime: dotnet\nentry: P.dll\npermissions:\n  required:\n    - \"{granted}\"\n";
        var parsed = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml);
        var manifest = parsed.Manifest.ShouldNotBeNull(string.Join("; ", parsed.Diagnostics));
        var context = new PolicyContext { AliasValues = PolicyContext.StandardAliases("/home/u/.stockade", "com.example.parse", "/home/u/.stockade/plugins/com.example.parse/1.0.0") };
        return PolicyBuilder.Build(manifest, [new Grant(Permission.Parse(granted), true, DateTimeOffset.UtcNow, "test")], context);
    }

    private sealed class SwappableGrants(SandboxPolicy policy) : IPluginGrants
    {
        public SandboxPolicy Policy { get; set; } = policy;

        public PermissionCatalog Catalog => PermissionCatalog.Default;

        public PolicyGate Gate { get; } = new();

        public SandboxPolicy CurrentPolicy() => Policy;

        public ValueTask RememberAsync(Permission permission, AuditEntry record) => default;
    }
}
