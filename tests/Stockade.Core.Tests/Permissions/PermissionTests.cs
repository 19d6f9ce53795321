using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Permissions;

public class PermissionTests
{
    [Theory]
    [InlineData("file:read=$PLUGIN_DATA/**", "file", "read", "$PLUGIN_DATA/**")]
    [InlineData("file:write=$TEMP", "file", "write", "$TEMP")]
    [InlineData("network:request=*.Example.COM.:443", "network", "request", "*.example.com:443")]
    [InlineData("env:read=LANG", "env", "read", "LANG")]
    [InlineData("subprocess:execute=/usr/bin/convert", "subprocess", "execute", "/usr/bin/convert")]
    [InlineData("hook:register=clip.*", "hook", "register", "clip.*")]
    [InlineData("config:read", "config", "read", null)]
    [InlineData("database:write=cache", "database", "write", "cache")]
    [InlineData("file:read=/srv//data/./x/../y/**", "file", "read", "/srv/data/y/**")]
    public void TryParse_ValidText_GivesCanonicalParts(string text, string category, string action, string? scope)
    {
        Permission.TryParse(text, out var permission, out var error).ShouldBeTrue(error);
        permission!.Category.ShouldBe(category);
        permission.Action.ShouldBe(action);
        permission.Scope.ShouldBe(scope);
        permission.ToString().ShouldBe(scope is null ? $"{category}:{action}" : $"{category}:{action}={scope}");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("file", "no ':'")]
    [InlineData(":read=/x", "empty category")]
    [InlineData("file:=/x", "empty action")]
    [InlineData(" file:read=/x", "whitespace")]
    [InlineData("file :read=/x", "whitespace")]
    [InlineData("file:read=/x\0y", "NUL")]
    [InlineData("file:read=/x\u001by", "control character")]
    [InlineData("fiel:read=/x", "Did you mean 'file'?")]
    [InlineData("file:raed=/x", "Did you mean 'read'?")]
    [InlineData("file:read", "needs a scope")]
    [InlineData("file:read=", "empty scope")]
    [InlineData("file:read=relative/path", "neither an absolute path nor an alias")]
    [InlineData("file:read=$PLUGIN_DATA/../x", "climbs out of $PLUGIN_DATA")]
    [InlineData("file:read=/../etc", "climbs above '/'")]
    [InlineData("file:read=$PLUGN_DATA/x", "Did you mean '$PLUGIN_DATA'?")]
    [InlineData("file:read=/srv/*/x", "glob may only end the path")]
    [InlineData("subprocess:execute=/usr/bin/*", "not a glob")]
    [InlineData("env:read=MY*VAR", "only a final '*'")]
    [InlineData("network:request=exаmple.com", "non-ASCII")]
    public void TryParse_HostileOrBrokenText_RefusesWithReason(string text, string expected)
    {
        Permission.TryParse(text, out var permission, out var error).ShouldBeFalse();
        permission.ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(expected);
    }

    [Fact]
    public void TryParse_ScopeLongerThanPathMax_Refuses()
    {
        var text = "file:read=/" + new string('a', 4200);

        Permission.TryParse(text, out _, out var error).ShouldBeFalse();

        error.ShouldNotBeNull().ShouldContain("at most 4096");
    }

    [Fact]
    public void TryParse_HostCategoryInCatalog_Accepts()
    {
        var catalog = PermissionCatalog.Default.WithCategory(new PermissionCategory("clipboard", ["read", "write"]));

        Permission.TryParse("clipboard:read", catalog, out var permission, out var error).ShouldBeTrue(error);
        Permission.TryParse("clipboard:read", out _, out var defaultError).ShouldBeFalse();

        permission!.ToString().ShouldBe("clipboard:read");
        defaultError.ShouldNotBeNull().ShouldContain("unknown permission category 'clipboard'");
    }

    [Fact]
    public void Parse_InvalidText_ThrowsFormatException()
    {
        Should.Throw<FormatException>(() => Permission.Parse("nope"));
    }

    [Fact]
    public void Equals_SameCanonicalText_AreEqual()
    {
        var a = Permission.Parse("file:read=$PLUGIN_DATA//a/./b/**");
        var b = Permission.Parse("file:read=$PLUGIN_DATA/a/b/**");

        a.ShouldBe(b);
        a.GetHashCode().ShouldBe(b.GetHashCode());
    }

    [Theory]
    [InlineData("file:read=$PLUGIN_DATA/**", "file:read=$PLUGIN_DATA/a/b", true)]
    [InlineData("file:write=$PLUGIN_DATA/**", "file:read=$PLUGIN_DATA/a", true)]
    [InlineData("file:read=$PLUGIN_DATA/**", "file:write=$PLUGIN_DATA/a", false)]
    [InlineData("file:delete=$PLUGIN_DATA/**", "file:write=$PLUGIN_DATA/a", false)]
    [InlineData("file:read=/data/**", "file:read=/database", false)]
    [InlineData("file:read=/data", "file:read=/data/x", false)]
    [InlineData("file:read=/data/*", "file:read=/data/x", true)]
    [InlineData("file:read=/data/*", "file:read=/data/x/y", false)]
    [InlineData("file:read=$PLUGIN_DATA/**", "file:read=$TEMP/x", false)]
    [InlineData("config:write=ui.*", "config:read=ui.theme", true)]
    [InlineData("database:write", "database:read=cache", true)]
    [InlineData("database:read=cache", "database:read", false)]
    [InlineData("network:request=*.example.com", "network:request=api.example.com:443", true)]
    [InlineData("network:request=*.example.com:443", "network:request=api.example.com:80", false)]
    [InlineData("env:read=MYAPP_*", "env:read=MYAPP_LANG", true)]
    [InlineData("env:read=MYAPP_*", "env:read=MYAPP_TOKEN", false)]
    [InlineData("env:read=MYAPP_TOKEN", "env:read=MYAPP_TOKEN", true)]
    [InlineData("hook:register=clip.*", "config:read=clip.x", false)]
    public void Implies_Pairs_FollowDesignRules(string held, string asked, bool expected)
    {
        Permission.Parse(held).Implies(Permission.Parse(asked)).ShouldBe(expected);
    }
}
