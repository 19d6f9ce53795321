using Stockade.Core.Manifest;
using Stockade.Core.Policy;

namespace Stockade.Core.Tests.Policy;

public class LevelPresetsTests
{
    [Theory]
    [InlineData("unrestricted", SecurityLevel.Unrestricted)]
    [InlineData("limited", SecurityLevel.Limited)]
    [InlineData("sandboxed", SecurityLevel.Sandboxed)]
    [InlineData("strict", SecurityLevel.Strict)]
    public void TryParse_LowercaseName_RoundTrips(string name, SecurityLevel level)
    {
        SecurityLevelNames.TryParse(name, out var parsed).ShouldBeTrue();
        parsed.ShouldBe(level);
        level.ToName().ShouldBe(name);
        LevelPresets.Get(level).Name.ShouldBe(name);
    }

    [Theory]
    [InlineData("Strict")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_OtherText_Refuses(string? text) => SecurityLevelNames.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void All_OnlyUnrestrictedGrantsAllOrAllowsDirectNetwork()
    {
        LevelPresets.All.Where(p => p.GrantAll || p.AllowDirectNetwork).ShouldHaveSingleItem().Level.ShouldBe(SecurityLevel.Unrestricted);
    }

    [Fact]
    public void All_ConfinementGrowsWithLevel()
    {
        LevelPresets.Limited.RequiresLandlock.ShouldBeFalse();
        LevelPresets.Sandboxed.RequiresLandlock.ShouldBeTrue();
        LevelPresets.Sandboxed.RequiresSeccomp.ShouldBeTrue();
        LevelPresets.Sandboxed.RequiresNamespaces.ShouldBeFalse();
        LevelPresets.Strict.RequiresNamespaces.ShouldBeTrue();
        LevelPresets.Strict.RequiresSignature.ShouldBeTrue();
        LevelPresets.Strict.AnalysisMustMatchDeclarations.ShouldBeTrue();
    }

    [Fact]
    public void FromJson_NamedPolicy_InheritsUnsetFlags()
    {
        var result = LevelPresets.FromJson("""{ "name": "corp-sandbox", "basedOn": "sandboxed", "requiresSignature": true }""");

        result.Diagnostics.ShouldBeEmpty();
        var preset = result.Preset.ShouldNotBeNull();
        preset.Name.ShouldBe("corp-sandbox");
        preset.Level.ShouldBe(SecurityLevel.Sandboxed);
        preset.RequiresSignature.ShouldBeTrue();
        preset.RequiresLandlock.ShouldBeTrue();
        preset.GrantAll.ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{ "name": "x1", "basedOn": "sandbox" }""", ManifestDiagnosticCodes.BadValue, 1, 28)]
    [InlineData("""{ "name": "strict", "basedOn": "strict" }""", ManifestDiagnosticCodes.BadValue, 1, 11)]
    [InlineData("""{ "name": "x1", "basedOn": "limited", "grantAll": true }""", ManifestDiagnosticCodes.BadValue, 1, 51)]
    [InlineData("""{ "name": "x1", "basedOn": "limited", "requiresLandlok": true }""", ManifestDiagnosticCodes.UnknownKey, 1, 39)]
    [InlineData("""{ "name": "x1", "basedOn": "limited", "requiresLandlock": "yes" }""", ManifestDiagnosticCodes.WrongType, 1, 59)]
    [InlineData("""{ "name": "x1" }""", ManifestDiagnosticCodes.MissingKey, 1, 1)]
    [InlineData("""{ "name": "x1", }""", ManifestDiagnosticCodes.Syntax, 1, 17)]
    public void FromJson_BadPolicy_ReportsPosition(string json, string code, int line, int column)
    {
        var result = LevelPresets.FromJson(json);

        result.IsValid.ShouldBeFalse();
        result.Preset.ShouldBeNull();
        var d = result.Diagnostics[0];
        (d.Code, d.Line, d.Column).ShouldBe((code, line, column), d.ToString());
    }
}
