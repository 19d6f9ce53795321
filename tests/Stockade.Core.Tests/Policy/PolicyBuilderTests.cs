using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Core.Tests.Policy;

public class PolicyBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly PolicyContext Context = new()
    {
        AliasValues = PolicyContext.StandardAliases("/home/u/.stockade", "com.example.p", "/home/u/.stockade/plugins/com.example.p/1.0.0"),
    };

    private static PluginManifest Manifest(string[] required, string[]? optional = null, string extra = "")
    {
        var yaml = "id: com.example.p\nname: P\nversion: 1.0.0\nruntime: dotnet\nentry: P.dll\n" + extra + "permissions:\n  required:\n"
            + string.Concat(required.Select(r => $"    - \"{r}\"\n"))
            + "  optional:\n" + string.Concat((optional ?? []).Select(o => $"    - \"{o}\"\n"));
        var result = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml);
        return result.Manifest.ShouldNotBeNull(string.Join("\n", result.Diagnostics));
    }

    private static Grant Allow(string permission) => new(Permission.Parse(permission), true, Now, "alice");

    private static Grant Deny(string permission) => new(Permission.Parse(permission), false, Now, "bob");

    [Fact]
    public void Build_NoGrants_RequiredNotGrantedOptionalAsk()
    {
        var policy = PolicyBuilder.Build(Manifest(["file:read=$PLUGIN_DATA/**"], ["env:read=LANG"]), [], Context);

        policy.Decisions.Select(d => d.Kind).ShouldBe([DecisionKind.DeclaredNotGranted, DecisionKind.OptionalAsk]);
        policy.Decisions[0].Reason.ShouldContain("stockade grant com.example.p file:read=$PLUGIN_DATA/**");
        policy.Granted.ShouldBeEmpty();
        policy.Level.ShouldBe(SecurityLevel.Sandboxed);
    }

    [Fact]
    public void Build_GrantEqualToDeclared_GrantsResolvedPermission()
    {
        var policy = PolicyBuilder.Build(Manifest(["file:read=$CONFIG/app/**"]), [Allow("file:read=$CONFIG/app/**")], Context);

        policy.Decisions.Single().Kind.ShouldBe(DecisionKind.Granted);
        policy.Granted.Single().ToString().ShouldBe("file:read=/home/u/.stockade/config/app/**");
    }

    [Fact]
    public void Build_GrantWiderThanDeclared_IsIgnored()
    {
        var wide = Allow("file:read=/etc/**");

        var policy = PolicyBuilder.Build(Manifest(["file:read=$PLUGIN_DATA/**"]), [wide], Context);

        policy.IgnoredGrants.ShouldBe([wide]);
        policy.Decisions.Single().Kind.ShouldBe(DecisionKind.DeclaredNotGranted);
        policy.Check(Permission.Parse("file:read=/etc/passwd")).Kind.ShouldBe(DecisionKind.NotDeclared);
    }

    [Fact]
    public void Build_NarrowerGrant_GrantsOnlyThatPart()
    {
        var policy = PolicyBuilder.Build(Manifest(["network:request=*.example.com"]), [Allow("network:request=api.example.com:443")], Context);

        policy.Decisions.Single().Reason.ShouldContain("partly-granted: only");
        policy.NetworkPatterns.ShouldBe([HostPattern.Parse("api.example.com:443")]);
        policy.Check(Permission.Parse("network:request=api.example.com:443")).Kind.ShouldBe(DecisionKind.Granted);
        policy.Check(Permission.Parse("network:request=www.example.com:443")).Kind.ShouldBe(DecisionKind.DeclaredNotGranted);
    }

    [Fact]
    public void Build_ExplicitDenial_WinsOverGrant()
    {
        var policy = PolicyBuilder.Build(Manifest(["env:read=LANG"]), [Allow("env:read=LANG"), Deny("env:read=LANG")], Context);

        policy.Decisions.Single().Kind.ShouldBe(DecisionKind.Denied);
        policy.Check(Permission.Parse("env:read=LANG")).Kind.ShouldBe(DecisionKind.Denied);
        policy.EnvironmentNames.ShouldBeEmpty();
    }

    [Fact]
    public void Build_Unrestricted_GrantsEverythingDeclaredOnly()
    {
        var context = Context with { Level = SecurityLevel.Unrestricted };

        var policy = PolicyBuilder.Build(Manifest(["env:read=LANG"], ["subprocess:execute=/usr/bin/git"]), [], context);

        policy.Decisions.ShouldAllBe(d => d.Kind == DecisionKind.Granted);
        policy.Granted.Count.ShouldBe(2);
        policy.AllowExec.ShouldBeTrue();
        policy.Check(Permission.Parse("env:read=HOME")).Kind.ShouldBe(DecisionKind.NotDeclared);
    }

    [Fact]
    public void Build_FileRules_IncludeOwnFoldersAndGrantedPaths()
    {
        var policy = PolicyBuilder.Build(
            Manifest(["file:write=/srv/shared/**", "subprocess:execute=/usr/bin/convert", "file:read=/etc/hosts"]),
            [Allow("file:write=/srv/shared/**"), Allow("subprocess:execute=/usr/bin/convert"), Allow("file:read=/etc/hosts")],
            Context);

        policy.FileRules.ShouldBe([
            new FileRule("/etc/hosts", FileRights.Read, false),
            new FileRule("/home/u/.stockade/data/com.example.p", FileRights.Read | FileRights.Write | FileRights.Delete, true),
            new FileRule("/home/u/.stockade/plugins/com.example.p/1.0.0", FileRights.Read, true),
            new FileRule("/home/u/.stockade/temp/com.example.p", FileRights.Read | FileRights.Write | FileRights.Delete, true),
            new FileRule("/srv/shared", FileRights.Read | FileRights.Write, true),
            new FileRule("/usr/bin/convert", FileRights.Execute | FileRights.Read, false),
        ]);
        policy.AllowExec.ShouldBeTrue();
    }

    [Fact]
    public void Build_HostCaps_LowerButNeverRaiseLimits()
    {
        var manifest = Manifest(["env:read=LANG"], extra: "resources:\n  memoryMb: 1024\n  threads: 32\ntimeouts:\n  call: 10m\n");
        var context = Context with
        {
            ResourceCaps = new ResourceLimits { MemoryMb = 256, Threads = 128, CpuTimeSeconds = 60 },
            TimeoutCaps = new PluginTimeouts(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(5)),
        };

        var policy = PolicyBuilder.Build(manifest, [], context);

        policy.Resources.MemoryMb.ShouldBe(256);
        policy.Resources.Threads.ShouldBe(32);
        policy.Resources.CpuTimeSeconds.ShouldBe(60);
        policy.Timeouts.Call.ShouldBe(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void Build_MissingAlias_ThrowsWithWhatToSet()
    {
        var context = new PolicyContext { AliasValues = new Dictionary<string, string> { ["$PLUGIN_DATA"] = "/d" } };

        Should.Throw<InvalidOperationException>(() => PolicyBuilder.Build(Manifest(["env:read=LANG"]), [], context)).Message.ShouldContain("$TEMP");
    }

    [Fact]
    public void Build_NamedPreset_OverridesLevel()
    {
        var preset = LevelPresets.FromJson("""{ "name": "corp", "basedOn": "strict" }""").Preset.ShouldNotBeNull();

        var policy = PolicyBuilder.Build(Manifest(["env:read=LANG"]), [], Context with { Preset = preset });

        policy.Preset.Name.ShouldBe("corp");
        policy.Level.ShouldBe(SecurityLevel.Strict);
    }

    [Fact]
    public void ValidateGrant_WiderThanDeclared_ExplainsWhatIsDeclared()
    {
        var manifest = Manifest(["file:read=$PLUGIN_DATA/**"]);

        var result = PolicyBuilder.ValidateGrant(manifest, Permission.Parse("file:read=/etc/**"), PermissionCatalog.Default);

        result.Ok.ShouldBeFalse();
        result.Message.ShouldBe("'file:read=/etc/**' is wider than anything plugin com.example.p declares (it declares file:read=$PLUGIN_DATA/**)");
    }

    [Fact]
    public void ValidateGrant_CoveredOrUndeclaredCategory_Answers()
    {
        var manifest = Manifest(["file:write=$PLUGIN_DATA/**"], ["env:read=LANG"]);

        PolicyBuilder.ValidateGrant(manifest, Permission.Parse("file:read=$PLUGIN_DATA/x"), PermissionCatalog.Default).Ok.ShouldBeTrue();
        PolicyBuilder.ValidateGrant(manifest, Permission.Parse("env:read=LANG"), PermissionCatalog.Default).Ok.ShouldBeTrue();
        var none = PolicyBuilder.ValidateGrant(manifest, Permission.Parse("network:request=a.com"), PermissionCatalog.Default);
        none.Ok.ShouldBeFalse();
        none.Message.ShouldContain("declares no 'network' permission");
    }
}
