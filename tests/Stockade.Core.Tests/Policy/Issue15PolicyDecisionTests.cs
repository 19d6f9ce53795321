using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Core.Tests.Policy;

/// <summary>
/// Issue 15: the builder's decisions say exactly what the broker allows. A declared permission covered only by
/// narrower grants is <see cref="DecisionKind.PartlyGranted"/>, as the grant review says (<c>partly-granted</c>), never
/// <see cref="DecisionKind.Granted"/>, which would claim all of it.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15PolicyDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly PolicyContext Context = new()
    {
        AliasValues = PolicyContext.StandardAliases("/home/u/.stockade", "com.example.p", "/home/u/.stockade/plugins/com.example.p/1.0.0"),
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Build_OnlyNarrowerGrants_DecisionIsPartlyGranted_NotGranted(bool required)
    {
        var policy = PolicyBuilder.Build(Manifest("network:request=*.example.com", required), [Allow("network:request=api.example.com:443")], Context);

        var decision = policy.Decisions.Single();
        decision.Kind.ShouldBe(DecisionKind.PartlyGranted);
        decision.IsGranted.ShouldBeFalse("only part of the declared scope is allowed");
        decision.Reason.ShouldStartWith("partly-granted: only network:request=api.example.com:443 was granted");
        decision.Reason.ShouldContain("stockade grant com.example.p network:request=*.example.com");

        // What the broker enforces is unchanged: the narrower part is allowed, the rest of the declared scope is not.
        policy.Check(Permission.Parse("network:request=api.example.com:443")).Kind.ShouldBe(DecisionKind.Granted);
        policy.Check(Permission.Parse("network:request=www.example.com:443")).Kind.ShouldBe(required ? DecisionKind.DeclaredNotGranted : DecisionKind.OptionalAsk);
        policy.Check(Permission.Parse("network:request=*.example.com")).IsGranted.ShouldBeFalse();
    }

    [Fact]
    public void Build_FullGrantBesideNarrowerOne_DecisionIsGranted()
    {
        var policy = PolicyBuilder.Build(Manifest("network:request=*.example.com", required: true),
            [Allow("network:request=api.example.com:443"), Allow("network:request=*.example.com")], Context);

        policy.Decisions.Single().Kind.ShouldBe(DecisionKind.Granted);
        policy.Check(Permission.Parse("network:request=www.example.com:443")).Kind.ShouldBe(DecisionKind.Granted);
    }

    private static PluginManifest Manifest(string permission, bool required)
    {
        var list = $"    - \"{permission}\"\n";
        var yaml = "id: com.example.p\nname: P\nversion: 1.0.0\nruntime: dotnet\nentry: P.dll\npermissions:\n"
            + (required ? "  required:\n" + list : "  optional:\n" + list);
        var result = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml);
        return result.Manifest.ShouldNotBeNull(string.Join("\n", result.Diagnostics));
    }

    private static Grant Allow(string permission) => new(Permission.Parse(permission), true, Now, "alice");
}
