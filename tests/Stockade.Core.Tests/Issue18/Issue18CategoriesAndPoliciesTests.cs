using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Core.Tests.Issue18;

/// <summary>
/// Issue 18 items 2 and 3, the pure half: an application's categories carry its words and its implications (and only
/// the application can declare them), and named policies carry limits, allowed and forbidden permissions.
/// </summary>
[Trait("Issue", "18")]
public sealed class Issue18CategoriesAndPoliciesTests
{
    private const string Base = "id: com.example.shop\nname: Shop\nversion: 1.0.0\nruntime: process\nentry: plugin.py\n";

    private static readonly PermissionCategory Inventory = new(
        "inventory", ["read", "write", "admin"], description: "the shop's stock",
        actionDescriptions: new Dictionary<string, string> { ["read"] = "see stock levels", ["write"] = "change stock levels", ["admin"] = "manage the inventory" },
        implies: new Dictionary<string, IReadOnlyList<string>> { ["admin"] = ["*"] });

    private static readonly PermissionCatalog Catalog = PermissionCatalog.Default.WithCategory(Inventory);

    private static readonly Dictionary<string, string> Aliases = new(PolicyContext.StandardAliases("/srv/home", "com.example.shop", "/srv/home/plugins/shop"), StringComparer.Ordinal);

    private static PluginManifest Manifest(string permissions, PermissionCatalog? catalog = null)
    {
        var read = ManifestReader.Parse(Base + permissions, "plugin.yaml", ManifestFormat.Yaml, catalog ?? Catalog);
        read.IsValid.ShouldBeTrue(string.Join("\n", read.Diagnostics));
        return read.Manifest!;
    }

    private static Grant Granted(string permission) => new(Permission.Parse(permission, Catalog), true, DateTimeOffset.UnixEpoch, "test", false);

    [Fact]
    public void AppImplication_AdminGivesEveryOtherAction_OnlyInItsCategory()
    {
        var admin = Permission.Parse("inventory:admin", Catalog);

        admin.ImpliedActions.ShouldBe(["read", "write"]);
        admin.Implies(Permission.Parse("inventory:read", Catalog)).ShouldBeTrue();
        admin.Implies(Permission.Parse("inventory:write=bolts", Catalog)).ShouldBeTrue();
        Permission.Parse("inventory:read", Catalog).Implies(admin).ShouldBeFalse();
        Permission.Parse("inventory:write", Catalog).Implies(Permission.Parse("inventory:read", Catalog)).ShouldBeTrue(); // the built-in write ⇒ read still holds
    }

    [Fact]
    public void AppImplication_OutsideItsCategory_IsRefusedAtDefinition()
    {
        // An implication into another category (a built-in one above all) would let one grant give what nobody granted.
        Should.Throw<ArgumentException>(() => new PermissionCategory("inventory", ["admin"], implies: new Dictionary<string, IReadOnlyList<string>> { ["admin"] = ["file:read"] }))
            .Message.ShouldContain("may imply only actions of 'inventory'");
        Should.Throw<ArgumentException>(() => new PermissionCategory("inventory", ["read"], actionDescriptions: new Dictionary<string, string> { ["read"] = "see \u001b[2J stock" }))
            .Message.ShouldContain("no control");
    }

    [Fact]
    public void BuiltInCategory_CannotBeRedefined_WithImplications()
    {
        var file = new PermissionCategory("file", ["read", "write", "delete", "admin"], implies: new Dictionary<string, IReadOnlyList<string>> { ["admin"] = ["*"] });

        Should.Throw<ArgumentException>(() => PermissionCatalog.Default.WithCategory(file));
        Should.Throw<ArgumentException>(() => PermissionCatalog.Default.WithCategoryReplaced(file)).Message.ShouldContain("built in");
    }

    [Theory]
    [InlineData("permissions:\n  required:\n    - permission: inventory:read\n      implies: [inventory:admin]\n")]
    [InlineData("implies:\n  inventory:read: [inventory:admin]\npermissions:\n  required:\n    - inventory:read\n")]
    [InlineData("categories:\n  - name: file\n    actions: [read, admin]\npermissions:\n  required:\n    - inventory:read\n")]
    public void Manifest_CannotDeclareImplicationsOrCategories(string yaml)
    {
        var read = ManifestReader.Parse(Base + yaml, "plugin.yaml", ManifestFormat.Yaml, Catalog);

        read.IsValid.ShouldBeFalse();
        read.Diagnostics.ShouldContain(d => d.Code == ManifestDiagnosticCodes.UnknownKey);
    }

    [Fact]
    public void Policy_GrantOfAdmin_AllowsWhatTheAppImplies_AndADenialStillWins()
    {
        var manifest = Manifest("permissions:\n  required:\n    - inventory:admin\n");
        var context = new PolicyContext { AliasValues = Aliases, Catalog = Catalog };

        var policy = PolicyBuilder.Build(manifest, [Granted("inventory:admin")], context);
        policy.Check(Permission.Parse("inventory:read=bolts", Catalog)).IsGranted.ShouldBeTrue();
        policy.Check(Permission.Parse("inventory:write", Catalog)).IsGranted.ShouldBeTrue();

        var denied = PolicyBuilder.Build(manifest, [Granted("inventory:admin"), Granted("inventory:read") with { Allowed = false }], context);
        denied.Check(Permission.Parse("inventory:read", Catalog)).Kind.ShouldBe(DecisionKind.Denied);
        denied.Check(Permission.Parse("inventory:write", Catalog)).IsGranted.ShouldBeTrue();
    }

    [Fact]
    public void Policy_ReadOnlyDeclaration_CannotBeWidenedToAdmin()
    {
        var manifest = Manifest("permissions:\n  required:\n    - inventory:read\n");

        PolicyBuilder.ValidateGrant(manifest, Permission.Parse("inventory:admin", Catalog), Catalog).Ok.ShouldBeFalse();
        var policy = PolicyBuilder.Build(manifest, [Granted("inventory:read")], new PolicyContext { AliasValues = Aliases, Catalog = Catalog });
        policy.Check(Permission.Parse("inventory:admin", Catalog)).IsGranted.ShouldBeFalse();
        policy.Check(Permission.Parse("inventory:write", Catalog)).IsGranted.ShouldBeFalse();
    }

    [Fact]
    public void NamedPolicy_ReadsLimitsAllowedAndForbidden()
    {
        var read = LevelPresets.FromJson("""
            {
              "name": "web-plugin",
              "basedOn": "sandboxed",
              "description": "Plugins that call the shop's web APIs.",
              "limits": { "memoryMb": 256, "cpuPercent": 50 },
              "timeouts": { "call": "10s" },
              "allowed": ["network:request=*.example.com:443", "inventory:read", "file:read=$PLUGIN_DATA/**"],
              "forbidden": ["subprocess:execute", "inventory:write"]
            }
            """, "web-plugin.json", Catalog);

        read.IsValid.ShouldBeTrue(string.Join("\n", read.Diagnostics));
        var preset = read.Preset!;
        preset.Name.ShouldBe("web-plugin");
        preset.Level.ShouldBe(SecurityLevel.Sandboxed);
        preset.IsBuiltIn.ShouldBeFalse();
        preset.RequiresLandlock.ShouldBeTrue();
        preset.ResourceCaps!.MemoryMb.ShouldBe(256);
        preset.ResourceCaps.CpuPercent.ShouldBe(50);
        preset.TimeoutCaps!.Call.ShouldBe(TimeSpan.FromSeconds(10));
        preset.AllowedPermissions!.Select(p => p.ToString()).ShouldBe(["network:request=*.example.com:443", "inventory:read", "file:read=$PLUGIN_DATA/**"]);
        preset.ForbiddenPermissions.Select(p => p.ToString()).ShouldBe(["subprocess:execute", "inventory:write"]);
        preset.ForbiddenPermissions[0].Implies(Permission.Parse("subprocess:execute=/usr/bin/convert")).ShouldBeTrue(); // no scope: any program
    }

    [Theory]
    [InlineData("{\n  \"name\": \"web-plugin\",\n  \"basedOn\": \"sandboxed\",\n  \"limits\": { \"memoryMb\": 64 }\n}", 4, "limits.memoryMb", "below the minimum of 128")]
    [InlineData("{\n  \"name\": \"web-plugin\",\n  \"basedOn\": \"sandboxed\",\n  \"limits\": { \"memory\": 256 }\n}", 4, "limits.memory", "unknown limit")]
    [InlineData("{\n  \"name\": \"web-plugin\",\n  \"basedOn\": \"sandboxd\"\n}", 3, "basedOn", "did you mean")]
    [InlineData("{\n  \"name\": \"web-plugin\",\n  \"basedOn\": \"sandboxed\",\n  \"forbidden\": [\"clipboard:read\"]\n}", 4, "forbidden[0]", "unknown permission category 'clipboard'")]
    [InlineData("{\n  \"name\": \"web-plugin\",\n  \"basedOn\": \"sandboxed\",\n  \"timeouts\": { \"call\": \"soon\" }\n}", 4, "timeouts.call", "duration")]
    [InlineData("{\n  \"name\": \"web-plugin\",\n  \"basedOn\": \"sandboxed\",\n  \"limits\": { \"memoryMb\": 256 },\n}", 5, null, "")]
    [InlineData("{\n  \"name\": \"web-plugin\",\n  \"basedOn\": \"sandboxed\",\n  \"requiresNamespaces\": true\n}", 4, "requiresNamespaces", "set 'basedOn' to strict")]
    public void NamedPolicy_BadJson_NamesTheLineAndField(string json, int line, string? field, string message)
    {
        var read = LevelPresets.FromJson(json, "web-plugin.json", Catalog);

        read.IsValid.ShouldBeFalse();
        var error = read.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error);
        error.Line.ShouldBe(line, error.ToString());
        error.ToString().ShouldStartWith($"web-plugin.json:{line}:");
        if (field is not null)
        {
            error.Path.ShouldBe(field);
            (error.Message + " " + error.Hint).ShouldContain(message, Case.Insensitive);
        }
    }

    [Fact]
    public void NamedPolicy_ForbiddenAndCeiling_ComeBeforeAnyGrant_AndLimitsCap()
    {
        var preset = LevelPresets.FromJson("""
            {"name": "web-plugin", "basedOn": "sandboxed", "limits": {"memoryMb": 256}, "timeouts": {"call": "10s"},
             "allowed": ["network:request=*.example.com:443", "inventory:read"], "forbidden": ["network:request=evil.example.com"]}
            """, "web-plugin.json", Catalog).Preset.ShouldNotBeNull();
        var manifest = Manifest("""
            permissions:
              required:
                - network:request=api.example.com:443
                - network:request=*.example.com
                - inventory:write
            resources: { memoryMb: 512 }
            timeouts: { call: 60s }
            """);
        var grants = new[] { Granted("network:request=api.example.com:443"), Granted("network:request=*.example.com"), Granted("inventory:write") };

        var policy = PolicyBuilder.Build(manifest, grants, new PolicyContext { AliasValues = Aliases, Catalog = Catalog, Preset = preset });

        policy.Preset.Name.ShouldBe("web-plugin");
        policy.Decisions[0].Kind.ShouldBe(DecisionKind.Granted);
        policy.Decisions[1].Kind.ShouldBe(DecisionKind.Denied); // overlaps the forbidden host: denied as a whole
        policy.Decisions[1].Reason.ShouldContain("forbidden by the policy 'web-plugin'");
        policy.Decisions[2].Kind.ShouldBe(DecisionKind.Denied); // granted by a person, but outside the ceiling
        policy.Decisions[2].Reason.ShouldContain("outside what the policy 'web-plugin' allows");
        policy.Check(Permission.Parse("network:request=evil.example.com:443", Catalog)).Kind.ShouldBe(DecisionKind.Denied);
        policy.Check(Permission.Parse("inventory:write", Catalog)).IsGranted.ShouldBeFalse();
        policy.Resources.MemoryMb.ShouldBe(256);

        // Forbidding admin does not touch read (read does not give admin); it does deny admin, which gives read.
        var adminBanned = LevelPresets.FromJson("""{"name": "no-admin", "basedOn": "sandboxed", "forbidden": ["inventory:admin"]}""", "no-admin.json", Catalog).Preset!;
        var both = PolicyBuilder.Build(Manifest("permissions:\n  required:\n    - inventory:read\n    - inventory:admin\n"),
            [Granted("inventory:read"), Granted("inventory:admin")], new PolicyContext { AliasValues = Aliases, Catalog = Catalog, Preset = adminBanned });
        both.Decisions.Select(d => d.Kind).ShouldBe([DecisionKind.Granted, DecisionKind.Denied]);
        both.Check(Permission.Parse("inventory:read", Catalog)).IsGranted.ShouldBeTrue();
        both.Check(Permission.Parse("inventory:admin", Catalog)).IsGranted.ShouldBeFalse();
        policy.Timeouts.Call.ShouldBe(TimeSpan.FromSeconds(10));
    }
}
