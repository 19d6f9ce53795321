using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Core.Tests.Policy;

public class SandboxPolicyTests
{
    private static readonly PolicyContext Context = new()
    {
        AliasValues = PolicyContext.StandardAliases("/h", "p.x", "/h/plugins/p.x/1.0.0"),
    };

    private static SandboxPolicy Build(string permissions, params Grant[] grants)
    {
        var yaml = "id: p.x\nname: P\nversion: 1.0.0\nruntime: dotnet\nentry: P.dll\n" + permissions;
        var manifest = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml).Manifest.ShouldNotBeNull();
        return PolicyBuilder.Build(manifest, grants, Context);
    }

    private static Grant Allow(string permission) => new(Permission.Parse(permission), true, DateTimeOffset.UnixEpoch, "test");

    [Theory]
    [InlineData("file:read=$PLUGIN_DATA/notes.txt", DecisionKind.Granted)]
    [InlineData("file:write=/h/temp/p.x/x", DecisionKind.Granted)]
    [InlineData("file:write=$PLUGIN_DIR/P.dll", DecisionKind.NotDeclared)]
    [InlineData("file:read=$PLUGIN_DIR/P.dll", DecisionKind.Granted)]
    [InlineData("file:read=/h/data/p.x2/x", DecisionKind.NotDeclared)]
    public void Check_OwnFolders_AlwaysAllowedAndNoFurther(string asked, DecisionKind expected)
    {
        Build(string.Empty).Check(Permission.Parse(asked)).Kind.ShouldBe(expected);
    }

    [Fact]
    public void Check_WriteGrant_ImpliesRead()
    {
        var policy = Build("permissions:\n  required: [\"config:write=ui.*\"]\n", Allow("config:write=ui.*"));

        policy.Check(Permission.Parse("config:read=ui.theme")).Kind.ShouldBe(DecisionKind.Granted);
        policy.Check(Permission.Parse("config:read=net.proxy")).Kind.ShouldBe(DecisionKind.NotDeclared);
    }

    [Fact]
    public void Check_OptionalNotGranted_SaysAsk()
    {
        var policy = Build("permissions:\n  optional: [\"network:request=*.example.com:443\"]\n");

        var decision = policy.Check(Permission.Parse("network:request=api.example.com:443"));

        decision.Kind.ShouldBe(DecisionKind.OptionalAsk);
        decision.Reason.ShouldContain("optional");
    }

    [Fact]
    public void Check_PrefixGrant_NeverPassesSecretName()
    {
        var policy = Build("permissions:\n  required: [\"env:read=APP_*\"]\n", Allow("env:read=APP_*"));

        policy.Check(Permission.Parse("env:read=APP_COLOR")).Kind.ShouldBe(DecisionKind.Granted);
        policy.Check(Permission.Parse("env:read=APP_TOKEN")).Kind.ShouldBe(DecisionKind.NotDeclared);
        policy.EnvironmentNames.Single().Matches("APP_TOKEN").ShouldBeFalse();
    }

    [Fact]
    public void Check_HundredRules_DoesNotAllocate()
    {
        var declared = string.Concat(Enumerable.Range(0, 100).Select(i => $"    - \"database:read=ns{i}\"\n"));
        var grants = Enumerable.Range(0, 100).Select(i => Allow($"database:read=ns{i}")).ToArray();
        var policy = Build("permissions:\n  required:\n" + declared, grants);
        var asked = Permission.Parse("database:read=ns99");
        policy.Check(asked).Kind.ShouldBe(DecisionKind.Granted);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            policy.Check(asked);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0);
    }

    [Theory]
    [InlineData("network:request=api.example.com", "network:request=api.example.com:443", DecisionKind.Granted)]
    [InlineData("network:request=api.example.com:443", "network:request=API.example.com.:443", DecisionKind.Granted)]
    [InlineData("network:request=api.example.com:443", "network:request=api.example.com:80", DecisionKind.NotDeclared)]
    [InlineData("database:write=cache", "database:read=cache", DecisionKind.Granted)]
    [InlineData("database:read=cache", "database:write=cache", DecisionKind.NotDeclared)]
    [InlineData("subprocess:execute=/usr/bin/git", "subprocess:execute=/usr/bin//git", DecisionKind.Granted)]
    [InlineData("subprocess:execute=/usr/bin/git", "subprocess:execute=/usr/bin/gitk", DecisionKind.NotDeclared)]
    [InlineData("file:read=/srv/a/**", "file:read=/srv/a/b/c", DecisionKind.Granted)]
    [InlineData("hook:register", "hook:register=anything", DecisionKind.Granted)]
    public void Check_ExactAndPatternRules_AgreeWithImplies(string declaredAndGranted, string asked, DecisionKind expected)
    {
        var policy = Build($"permissions:\n  required: [\"{declaredAndGranted}\"]\n", Allow(declaredAndGranted));

        policy.Check(Permission.Parse(asked)).Kind.ShouldBe(expected);
    }
}
