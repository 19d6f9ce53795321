using Stockade.Analysis.EntryPoints;

namespace Stockade.Analysis.Tests.EntryPoints;

public class EntryValidatorTests
{
    private static readonly string EntryPoints = Fixtures.Folder("Fixture.EntryPoints");

    [Fact]
    public void Validate_CleanPluginWithoutTypeName_FindsTheOnlyPluginType()
    {
        var result = EntryValidator.Validate(Fixtures.Folder("Fixture.Clean"), "Fixture.Clean.dll");

        result.IsValid.ShouldBeTrue(string.Join("; ", result.Problems));
        result.EntryTypeName.ShouldBe("Fixture.Clean.CleanPlugin");
        result.Problems.ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ImplementedThroughBaseClass_IsValid()
    {
        var result = EntryValidator.Validate(EntryPoints, "Fixture.EntryPoints.dll", "Fixture.EntryPoints.DerivedPlugin");

        result.IsValid.ShouldBeTrue(string.Join("; ", result.Problems));
    }

    [Theory]
    [InlineData("Fixture.EntryPoints.AbstractPlugin", "is abstract")]
    [InlineData("Fixture.EntryPoints.HiddenPlugin", "is not public")]
    [InlineData("Fixture.EntryPoints.NeedsArgumentsPlugin", "no public parameterless constructor")]
    [InlineData("Fixture.EntryPoints.NotAPlugin", "does not implement Stockade.Plugin.IPlugin")]
    [InlineData("Fixture.EntryPoints.Missing", "has no type")]
    public void Validate_BadEntryType_FailsWithReason(string typeName, string reason)
    {
        var result = EntryValidator.Validate(EntryPoints, "Fixture.EntryPoints.dll", typeName);

        result.IsValid.ShouldBeFalse();
        result.Problems.ShouldHaveSingleItem().ShouldContain(reason);
    }

    [Fact]
    public void Validate_SeveralCandidatesWithoutTypeName_AsksToNameOne()
    {
        var result = EntryValidator.Validate(EntryPoints, "Fixture.EntryPoints.dll");

        result.IsValid.ShouldBeFalse();
        result.Problems.ShouldHaveSingleItem().ShouldContain("name one as 'entryType'");
    }

    [Fact]
    public void Validate_AssemblyWithoutPlugin_SaysToImplementIPlugin()
    {
        var result = EntryValidator.Validate(Fixtures.Folder("Fixture.FileSystem"), "Fixture.FileSystem.dll");

        result.Problems.ShouldHaveSingleItem().ShouldContain("no class implementing Stockade.Plugin.IPlugin");
    }

    [Fact]
    public void Validate_MissingFile_FailsWithoutThrowing()
    {
        EntryValidator.Validate(EntryPoints, "nope.dll").Problems.ShouldHaveSingleItem().ShouldContain("does not exist");
    }

    [Fact]
    public void Validate_PathEscapingPluginFolder_IsRefused()
    {
        EntryValidator.Validate(EntryPoints, "../Fixture.Clean/Fixture.Clean.dll").Problems.ShouldHaveSingleItem().ShouldContain("inside the plugin folder");
    }

    [Fact]
    public void Validate_NotAnAssembly_FailsWithoutThrowing()
    {
        using var dir = new TempDirectory();
        dir.Write("plugin.dll", "this is text");

        EntryValidator.Validate(dir.Path, "plugin.dll").IsValid.ShouldBeFalse();
    }
}
