using NuGet.Versioning;

namespace Stockade.Analysis.Tests.Conflicts;

public class VersionRangesTests
{
    [Theory]
    [InlineData("[1.0,2.0)", "1.0.0", true)]
    [InlineData("[1.0,2.0)", "2.0.0", false)]
    [InlineData("1.0", "7.0.0", true)]
    [InlineData("1.0", "0.9.0", false)]
    [InlineData("^1.2", "1.9.9", true)]
    [InlineData("^1.2", "2.0.0", false)]
    [InlineData("^1.2", "1.1.0", false)]
    [InlineData("^0.2.3", "0.2.9", true)]
    [InlineData("^0.2.3", "0.3.0", false)]
    [InlineData("~1.2", "1.2.9", true)]
    [InlineData("~1.2", "1.3.0", false)]
    [InlineData("~1", "1.9.0", true)]
    [InlineData(">=1.0.0 <2.0.0", "1.5.0", true)]
    [InlineData(">=1.0.0 <2.0.0", "2.0.0", false)]
    [InlineData(">1.0", "1.0.0", false)]
    [InlineData("<=2.0", "2.0.0", true)]
    [InlineData("=1.2.3", "1.2.3", true)]
    [InlineData("=1.2.3", "1.2.4", false)]
    [InlineData("*", "0.0.1", true)]
    public void TryParse_AcceptedForm_MatchesExpectedVersions(string text, string version, bool satisfied)
    {
        Stockade.Core.Manifest.VersionRangeGrammar.TryParse(text, out var range, out var problem).ShouldBeTrue(problem);

        range.Satisfies(NuGetVersion.Parse(version)).ShouldBe(satisfied);
    }

    [Theory]
    [InlineData("latest")]
    [InlineData(">=1.0 >=2.0")]
    [InlineData("^")]
    [InlineData(null)]
    public void TryParse_Garbage_ReturnsFalseWithAcceptedForms(string? text)
    {
        Stockade.Core.Manifest.VersionRangeGrammar.TryParse(text, out _, out var problem).ShouldBeFalse();

        problem.ShouldContain("accepted forms");
    }
}
