using Stockade.Core.Permissions;

namespace Stockade.Core.Tests.Permissions;

public class PermissionCatalogTests
{
    [Fact]
    public void Default_HasDesignCategories()
    {
        PermissionCatalog.Default.Categories.Select(c => c.Name).Order().ShouldBe(["config", "database", "env", "file", "hook", "network", "subprocess"]);
    }

    [Fact]
    public void WithCategory_Duplicate_Throws()
    {
        Should.Throw<ArgumentException>(() => PermissionCatalog.Default.WithCategory(new PermissionCategory("file", ["read"])));
    }

    [Theory]
    [InlineData("SHARED")]
    [InlineData("$shared")]
    [InlineData("$TEMP")]
    public void WithAlias_BadOrDuplicate_Throws(string alias)
    {
        Should.Throw<ArgumentException>(() => PermissionCatalog.Default.WithAlias(alias));
    }

    [Fact]
    public void WithAlias_New_LeavesDefaultUntouched()
    {
        var catalog = PermissionCatalog.Default.WithAlias("$SHARED");

        catalog.HasAlias("$SHARED").ShouldBeTrue();
        PermissionCatalog.Default.HasAlias("$SHARED").ShouldBeFalse();
    }
}
