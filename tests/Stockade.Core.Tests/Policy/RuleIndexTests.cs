using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;

namespace Stockade.Core.Tests.Policy;

/// <summary>
/// Property-style checks: the index must answer exactly what a plain scan of the rules in order answers (the
/// first rule that implies the request), for many generated rules and requests.
/// </summary>
public class RuleIndexTests
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["$PLUGIN_DATA"] = "/h/data/p.x",
        ["$TEMP"] = "/h/temp/p.x",
        ["$CONFIG"] = "/h/config",
        ["$PLUGIN_DIR"] = "/h/plugins/p.x/1.0.0",
    };

    // Mixed case and look-alike names so that prefix and case mistakes show up.
    private static readonly string[] Segments = ["a", "A", "ab", "b", "data", "Data", "database", "h", "data/p.x", "..", ".", "x.txt"];
    private static readonly string[] Roots = ["/", "/h", "/h/data", "$PLUGIN_DATA", "$TEMP", "$CONFIG", "/h/data/p.x"];
    private static readonly string[] Globs = ["", "/", "/*", "/**", "//"];

    // A host category without scopes ("service:call") next to the built-ins.
    private static readonly PermissionCatalog Catalog = PermissionCatalog.Default.WithCategory(new PermissionCategory("service", ["call", "read", "write"], ScopeKind.Name));

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Find_GeneratedFileRules_SameRuleAsPlainScan(int seed)
    {
        var random = new Random(seed);
        var rules = Enumerable.Range(0, random.Next(1, 60))
            .Select(i => RandomPermission(random, allowGlob: true))
            .OfType<Permission>()
            .Select((p, i) => new SandboxPolicy.Rule(p.WithResolvedPath(Aliases), (DecisionKind)(i % 5), $"rule {i}"))
            .ToArray();
        var index = new RuleIndex(rules);

        var compared = 0;
        for (var i = 0; i < 400; i++)
        {
            if (RandomPermission(random, allowGlob: random.Next(4) == 0) is not { } requested)
            {
                continue;
            }

            requested = requested.WithResolvedPath(Aliases);
            var expected = rules.FirstOrDefault(r => r.Permission.Implies(requested));
            index.Find(requested).ShouldBeSameAs(expected, $"seed {seed}: {requested} against [{string.Join(", ", rules.Select(r => r.Permission))}]");
            compared++;
        }

        compared.ShouldBeGreaterThan(100);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Find_GeneratedMixedRules_SameRuleAsPlainScan(int seed)
    {
        var random = new Random(seed);
        string[] texts =
        [
            "network:request=api.example.com:443", "network:request=*.example.com", "network:request=api.example.com",
            "env:read=HOME", "env:read=APP_*", "config:read=ui.*", "config:write=ui.theme",
            "config:read=ui.theme", "config:write", "database:read=cache", "database:write=cache", "service:call", "service:write", "service:read=x", "subprocess:execute=/usr/bin/convert",
            "subprocess:execute=/usr/bin/env", "file:write=$PLUGIN_DATA/**", "file:read=/h/data/p.x/a", "file:delete=/h/**",
        ];
        var rules = Enumerable.Range(0, random.Next(1, 40))
            .Select(i => new SandboxPolicy.Rule(Permission.Parse(texts[random.Next(texts.Length)], Catalog).WithResolvedPath(Aliases), DecisionKind.Granted, $"rule {i}"))
            .ToArray();
        var index = new RuleIndex(rules);
        string[] asked =
        [
            "network:request=api.example.com:443", "network:request=api.example.com:80", "network:request=x.example.com:443",
            "network:request=example.org:443", "env:read=HOME", "env:read=APP_KEY", "env:read=PATH", "config:read=ui.theme",
            "config:read=ui.font", "config:write=ui.theme", "config:read=net.proxy", "database:read=cache", "database:write=cache",
            "database:read=other", "service:call", "service:read", "service:read=x", "service:read=y", "subprocess:execute=/usr/bin/convert", "subprocess:execute=/usr/bin/x/y", "subprocess:execute=/bin/sh",
            "file:read=/h/data/p.x/a", "file:read=$PLUGIN_DATA/a/b", "file:write=/h/data/p.x", "file:delete=/h/temp/p.x/z", "file:read=/etc/shadow",
            
        ];
        foreach (var text in asked)
        {
            var requested = Permission.Parse(text, Catalog).WithResolvedPath(Aliases);
            var expected = rules.FirstOrDefault(r => r.Permission.Implies(requested));
            index.Find(requested).ShouldBeSameAs(expected, $"seed {seed}: {requested} against [{string.Join(", ", rules.Select(r => r.Permission))}]");
        }
    }

    [Fact]
    public void Find_EarlierWiderRuleAndLaterExactRule_ReturnsTheEarlierAsTheScanDoes()
    {
        var wide = new SandboxPolicy.Rule(Permission.Parse("file:read=/srv/**"), DecisionKind.DeclaredNotGranted, "wide");
        var exact = new SandboxPolicy.Rule(Permission.Parse("file:read=/srv/a"), DecisionKind.OptionalAsk, "exact");

        new RuleIndex([wide, exact]).Find(Permission.Parse("file:read=/srv/a")).ShouldBeSameAs(wide);
        new RuleIndex([exact, wide]).Find(Permission.Parse("file:read=/srv/a")).ShouldBeSameAs(exact);
    }

    [Theory]
    [InlineData("file:read=/data/**", "file:read=/database/x", false)]
    [InlineData("file:read=/data/**", "file:read=/data", true)]
    [InlineData("file:read=/data/*", "file:read=/data/x/y", false)]
    [InlineData("file:read=/data/*", "file:read=/data/x", true)]
    [InlineData("file:read=/Data/**", "file:read=/data/x", false)]
    [InlineData("file:read=/**", "file:read=/etc/shadow", true)]
    [InlineData("file:read=/data/x", "file:read=/data/x/", true)]
    [InlineData("file:read=/data/x", "file:read=/data/y/../x", true)]
    [InlineData("file:write=/data/**", "file:read=/data/x", true)]
    [InlineData("file:delete=/data/**", "file:write=/data/x", false)]
    public void Find_PathEdgeCases_MatchesImplies(string rule, string asked, bool matches)
    {
        var index = new RuleIndex([new SandboxPolicy.Rule(Permission.Parse(rule), DecisionKind.Granted, "r")]);

        (index.Find(Permission.Parse(asked)) is not null).ShouldBe(matches);
    }

    [Fact]
    public void Find_CategoryWithoutRules_ReturnsNull()
    {
        var index = new RuleIndex([new SandboxPolicy.Rule(Permission.Parse("file:read=/srv/**"), DecisionKind.Granted, "r")]);

        index.Find(Permission.Parse("network:request=api.example.com:443")).ShouldBeNull();
        index.Find(Permission.Parse("env:read=HOME")).ShouldBeNull();
    }

    [Fact]
    public void Check_GeneratedPolicyWithAliases_SameDecisionAsPlainScan()
    {
        var random = new Random(7);
        var declared = Enumerable.Range(0, 30).Select(_ => RandomPermission(random, allowGlob: true)).OfType<Permission>().Distinct().ToArray();
        var yaml = "id: p.x\nname: P\nversion: 1.0.0\nruntime: dotnet\nentry: P.dll\npermissions:\n  required:\n"
            + string.Concat(declared.Select(d => $"    - \"{d}\"\n"));
        var manifest = ManifestReader.Parse(yaml, "plugin.yaml", ManifestFormat.Yaml).Manifest.ShouldNotBeNull();
        var grants = declared.Where((_, i) => i % 2 == 0).Select(d => new Grant(d, true, DateTimeOffset.UnixEpoch, "test"))
            .Append(new Grant(declared[1], false, DateTimeOffset.UnixEpoch, "test"))
            .ToArray();
        var policy = PolicyBuilder.Build(manifest, grants, new PolicyContext { AliasValues = Aliases });

        for (var i = 0; i < 500; i++)
        {
            if (RandomPermission(random, allowGlob: false) is not { } requested)
            {
                continue;
            }

            var decision = policy.Check(requested);
            var resolved = requested.WithResolvedPath(Aliases);
            var expected = ScanCheck(policy, resolved, declared, grants);
            decision.Kind.ShouldBe(expected, $"{requested}");
        }
    }

    // The meaning of Check written as plain scans over the inputs: denial wins, then a grant (or the plugin's own
    // folders), then a declaration that covers it.
    private static DecisionKind ScanCheck(SandboxPolicy policy, Permission requested, Permission[] declared, Grant[] grants)
    {
        var resolvedDeclared = declared.Select(d => d.WithResolvedPath(Aliases)).ToArray();
        if (grants.Any(g => !g.Allowed && g.Permission.WithResolvedPath(Aliases).Implies(requested)
            && declared.Any(d => d.Implies(g.Permission) || g.Permission.Implies(d))))
        {
            return DecisionKind.Denied;
        }

        if (policy.Granted.Any(p => p.Implies(requested))
            || new[] { "file:write=$PLUGIN_DATA/**", "file:delete=$PLUGIN_DATA/**", "file:write=$TEMP/**", "file:delete=$TEMP/**", "file:read=$PLUGIN_DIR/**" }
                .Any(t => Permission.Parse(t).WithResolvedPath(Aliases).Implies(requested)))
        {
            return DecisionKind.Granted;
        }

        return resolvedDeclared.Any(d => d.Implies(requested)) ? DecisionKind.DeclaredNotGranted : DecisionKind.NotDeclared;
    }

    private static Permission? RandomPermission(Random random, bool allowGlob)
    {
        var action = random.Next(3) switch { 0 => "read", 1 => "write", _ => "delete" };
        var path = Roots[random.Next(Roots.Length)];
        var depth = random.Next(0, 4);
        for (var i = 0; i < depth; i++)
        {
            path = path.TrimEnd('/') + "/" + Segments[random.Next(Segments.Length)];
        }

        if (allowGlob)
        {
            path = path.TrimEnd('/') + Globs[random.Next(Globs.Length)];
        }
        else if (random.Next(5) == 0)
        {
            path += "/";
        }

        if (path.Length == 0)
        {
            path = "/";
        }

        // Some generated paths climb out of their alias or above '/': those are refused by the parser, as in real use.
        return Permission.TryParse($"file:{action}={path}", out var permission, out _) ? permission : null;
    }
}
