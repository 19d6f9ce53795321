using NuGet.Versioning;
using Stockade.Analysis.Conflicts;
using Stockade.Core.Manifest;

namespace Stockade.Analysis.Tests.Conflicts;

public class ConflictResolverTests
{
    [Fact]
    public void Analyze_IndependentPlugins_NoConflictAndLexicalOrder()
    {
        var report = ConflictResolver.Analyze([Plugin("zeta"), Plugin("alpha"), Plugin("mid")]);

        report.Conflicts.ShouldBeEmpty();
        report.LoadOrder.ShouldBe(["alpha", "mid", "zeta"]);
    }

    [Fact]
    public void Analyze_Requirements_DependenciesLoadFirst()
    {
        var report = ConflictResolver.Analyze([
            Plugin("app") with { Requires = [Needs("db", "[1.0,2.0)"), Needs("log", "^1.2")] },
            Plugin("db", "1.5.0") with { Requires = [Needs("log", ">=1.0.0 <2.0.0")] },
            Plugin("log", "1.3.0"),
        ]);

        report.Conflicts.ShouldBeEmpty();
        report.LoadOrder.ShouldBe(["log", "db", "app"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Analyze_ExplicitConflictDeclaredByEitherSide_IsOneError(bool declaredByFirst)
    {
        var a = Plugin("a");
        var b = Plugin("b");
        PluginDescriptor[] set = declaredByFirst
            ? [a with { Conflicts = [new("b")] }, b]
            : [a, b with { Conflicts = [new("a")] }];

        var conflict = ConflictResolver.Analyze(set).Conflicts.ShouldHaveSingleItem();

        conflict.Kind.ShouldBe(ConflictKind.ExplicitConflict);
        conflict.Severity.ShouldBe(AnalysisSeverity.Error);
        conflict.Plugins.ShouldBe(["a", "b"], ignoreOrder: true);
        conflict.Suggestions.ShouldContain("disable one of " + string.Join(", ", conflict.Plugins));
    }

    [Fact]
    public void Analyze_ExplicitConflictOutsideRange_IsNoConflict()
    {
        var report = ConflictResolver.Analyze([Plugin("a") with { Conflicts = [new("b", "<2.0.0")] }, Plugin("b", "2.1.0")]);

        report.Conflicts.ShouldBeEmpty();
    }

    [Fact]
    public void Analyze_SameApiTwice_WarnsThatHighestVersionWins()
    {
        var report = ConflictResolver.Analyze([
            Plugin("first") with { Provides = [new("clipboard", "1.0.0")] },
            Plugin("second") with { Provides = [new("clipboard", "1.2.0")] },
        ]);

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.DuplicateApi);
        conflict.Severity.ShouldBe(AnalysisSeverity.Warning);
        conflict.Plugins[0].ShouldBe("second");
        conflict.Message.ShouldContain("second wins because it provides the highest version (1.2.0 over 1.0.0)");
    }

    [Fact]
    public void Analyze_SameApiSameVersion_EarliestInstalledWins()
    {
        var report = ConflictResolver.Analyze([
            Plugin("zzz-early") with { Provides = [new("clipboard", "1.0.0")] },
            Plugin("aaa-late") with { Provides = [new("clipboard", "1.0.0")] },
        ]);

        report.Conflicts.ShouldHaveSingleItem().Message.ShouldContain("zzz-early wins because the versions are equal and it was installed first");
    }

    [Fact]
    public void Analyze_ExclusiveResourceClaimedTwice_IsError()
    {
        var report = ConflictResolver.Analyze([Plugin("a") with { Exclusive = ["port:8080"] }, Plugin("b") with { Exclusive = ["port:8080", "hotkey:f1"] }]);

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.ExclusiveResource);
        conflict.Message.ShouldContain("'port:8080'");
        conflict.Suggestions.ShouldBe(["disable one of a, b"]);
    }

    [Fact]
    public void Analyze_MissingRequirement_IsUnmetWithInstallSuggestion()
    {
        var report = ConflictResolver.Analyze([Plugin("a") with { Requires = [Needs("db", "[1.0,2.0)")] }]);

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.UnmetRequirement);
        conflict.Suggestions.ShouldContain("install db in [1.0.0, 2.0.0)");
    }

    [Fact]
    public void Analyze_RequirementMetByProvidedApi_IsSatisfiedAndOrdered()
    {
        var report = ConflictResolver.Analyze([
            Plugin("a") with { Requires = [Needs("storage", "~1.4")] },
            Plugin("sqlite-store") with { Provides = [new("storage", "1.4.2")] },
        ]);

        report.Conflicts.ShouldBeEmpty();
        report.LoadOrder.ShouldBe(["sqlite-store", "a"]);
    }

    [Fact]
    public void Analyze_RequiredVersionTooLow_IsIncompatibleWithUpgradeSuggestion()
    {
        var report = ConflictResolver.Analyze([Plugin("a") with { Requires = [Needs("db", "[1.0,2.0)")] }, Plugin("db", "0.9.0")]);

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.IncompatibleVersion);
        conflict.Plugins.ShouldBe(["a", "db"]);
        conflict.Suggestions.ShouldContain("upgrade db to a version in [1.0.0, 2.0.0)");
    }

    [Fact]
    public void Analyze_UnsatisfiableRange_IsIncompatibleVersion()
    {
        var report = ConflictResolver.Analyze([Plugin("a") with { Requires = [new PluginRequirement("db", new VersionRange(new NuGetVersion(3, 0, 0), true, new NuGetVersion(3, 0, 0), false))] }, Plugin("db", "3.0.0")]);

        report.Conflicts.ShouldHaveSingleItem().Kind.ShouldBe(ConflictKind.IncompatibleVersion);
    }

    [Fact]
    public void Analyze_InvalidPluginVersion_IsIncompatibleVersion()
    {
        var report = ConflictResolver.Analyze([Plugin("a", "one point oh")]);

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.IncompatibleVersion);
        conflict.Message.ShouldContain("not a SemVer version");
    }

    [Fact]
    public void Analyze_CycleOfThree_IsReportedAndLeftOutOfLoadOrder()
    {
        var report = ConflictResolver.Analyze([
            Plugin("a") with { Requires = [Needs("b", "1.0")] },
            Plugin("b") with { Requires = [Needs("c", "1.0")] },
            Plugin("c") with { Requires = [Needs("a", "1.0")] },
            Plugin("d") with { Requires = [Needs("a", "1.0")] },
            Plugin("e"),
        ]);

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.Cycle);
        conflict.Plugins.ShouldBe(["a", "b", "c"]);
        conflict.Message.ShouldContain("a → b → c → a");
        conflict.Suggestions.ShouldContain("remove the requirement of c on a");
        report.LoadOrder.ShouldBe(["e"]);
    }

    [Fact]
    public void Analyze_DuplicateId_IsErrorSuggestingUninstallOfOlder()
    {
        var report = ConflictResolver.Analyze([Plugin("a", "1.0.0"), Plugin("A", "2.0.0")]);

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.DuplicateId);
        conflict.Suggestions.ShouldBe(["uninstall a 1.0.0"]);
    }

    [Fact]
    public void Check_CandidateConflictingWithInstalled_ReportsOnlyCandidateProblems()
    {
        PluginDescriptor[] installed = [Plugin("x") with { Requires = [Needs("missing", "1.0")] }, Plugin("y") with { Conflicts = [new("new")] }];

        var report = ConflictResolver.Check(installed, Plugin("new"));

        var conflict = report.Conflicts.ShouldHaveSingleItem();
        conflict.Kind.ShouldBe(ConflictKind.ExplicitConflict);
        conflict.Plugins.ShouldBe(["y", "new"]);
        conflict.Suggestions.ShouldContain("uninstall new");
    }

    [Fact]
    public void Check_UpgradeBreakingDependent_WarnsReplaceAndReportsIncompatible()
    {
        PluginDescriptor[] installed = [Plugin("db", "1.5.0"), Plugin("app") with { Requires = [Needs("db", "^1.0")] }];

        var report = ConflictResolver.Check(installed, Plugin("db", "2.0.0"));

        report.Conflicts.Select(c => c.Kind).ShouldBe([ConflictKind.IncompatibleVersion, ConflictKind.DuplicateId]);
        report.Conflicts[0].Message.ShouldContain("app requires db in [1.0.0, 2.0.0), but db 2.0.0 is present");
        report.HasErrors.ShouldBeTrue();
    }

    private static PluginDescriptor Plugin(string id, string version = "1.0.0") => new() { Id = id, Version = version };

    // The resolver takes the manifest's requirement type: ranges are parsed once, by the one grammar, when the manifest
    // is read (an unparseable range is a manifest error there, see VersionRangeGrammarTests).
    private static PluginRequirement Needs(string id, string range) =>
        VersionRangeGrammar.TryParse(range, out var parsed, out var problem) ? new PluginRequirement(id, parsed) : throw new ArgumentException(problem, nameof(range));
}
