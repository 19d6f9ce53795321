using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Permissions;

public class PathScopeTests
{
    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["$PLUGIN_DATA"] = "/home/u/.stockade/data/p",
        ["$TEMP"] = "/home/u/.stockade/temp/p",
        ["$CONFIG"] = "/home/u/.stockade/config",
        ["$PLUGIN_DIR"] = "/opt/plugins/p",
    };

    [Theory]
    [InlineData("/", "/", PathGlob.None)]
    [InlineData("/**", "/", PathGlob.Recursive)]
    [InlineData("//srv///data/./", "/srv/data", PathGlob.None)]
    [InlineData("$PLUGIN_DATA/a/../b/*", "$PLUGIN_DATA/b", PathGlob.Children)]
    [InlineData("$TEMP", "$TEMP", PathGlob.None)]
    public void TryParse_ValidScope_Normalises(string text, string path, PathGlob glob)
    {
        PathScope.TryParse(text, null, out var scope, out var error).ShouldBeTrue(error);
        scope!.Path.ShouldBe(path);
        scope.Glob.ShouldBe(glob);
    }

    [Fact]
    public void Resolve_Alias_GivesAbsolutePathKeepingGlob()
    {
        var resolved = PathScope.Parse("$PLUGIN_DATA/cache/**").Resolve(Aliases);

        resolved.IsResolved.ShouldBeTrue();
        resolved.ToString().ShouldBe("/home/u/.stockade/data/p/cache/**");
    }

    [Fact]
    public void Resolve_HostAlias_UsesHostValue()
    {
        var catalog = PermissionCatalog.Default.WithAlias("$SHARED");
        var values = new Dictionary<string, string>(Aliases) { ["$SHARED"] = "/srv/shared/" };

        PathScope.Parse("$SHARED/x", catalog).Resolve(values).Path.ShouldBe("/srv/shared/x");
    }

    [Fact]
    public void Resolve_AliasWithoutValue_ThrowsWithWhatToSet()
    {
        var ex = Should.Throw<InvalidOperationException>(() => PathScope.Parse("$CONFIG/x").Resolve(new Dictionary<string, string>()));

        ex.Message.ShouldContain("$CONFIG");
    }

    [Theory]
    [InlineData("/data/**", "/data", true)]
    [InlineData("/data/**", "/data/a/b/c", true)]
    [InlineData("/data/**", "/database", false)]
    [InlineData("/data/**", "/data/../etc/passwd", false)]
    [InlineData("/data/**", "/data/./x//y", true)]
    [InlineData("/data", "/data", true)]
    [InlineData("/data", "/data/x", false)]
    [InlineData("/data/*", "/data/x", true)]
    [InlineData("/data/*", "/data/x/y", false)]
    [InlineData("/data/**", "relative/data", false)]
    [InlineData("/data/**", "/data/\0x", false)]
    public void Matches_AbsolutePath_ComparesWholeSegments(string scope, string path, bool expected)
    {
        PathScope.Parse(scope).Matches(path).ShouldBe(expected);
    }

    [Fact]
    public void Matches_UnresolvedAlias_IsFalse()
    {
        PathScope.Parse("$PLUGIN_DATA/**").Matches("/home/u/.stockade/data/p/x").ShouldBeFalse();
    }

    [Fact]
    public void Contains_GrantCoversSubPathOfSameAlias()
    {
        PathScope.Parse("$PLUGIN_DATA/**").Contains(PathScope.Parse("$PLUGIN_DATA/a/b")).ShouldBeTrue();
        PathScope.Parse("$PLUGIN_DATA/a/**").Contains(PathScope.Parse("$PLUGIN_DATA/**")).ShouldBeFalse();
    }
}
