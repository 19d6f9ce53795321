namespace Stockade.Analysis.Tests.Rules;

public class PermissionComparisonTests
{
    private static readonly AnalysisReport FileReport = PluginAnalyzer.AnalyzeDirectory(Fixtures.Folder("Fixture.FileSystem"));

    [Fact]
    public void CompareWith_UsedButNotDeclared_IsWarning()
    {
        var comparison = FileReport.CompareWith([], strict: false);

        var mismatch = comparison.Mismatches.ShouldHaveSingleItem();
        mismatch.Kind.ShouldBe(PermissionMismatchKind.UsedButNotDeclared);
        mismatch.Severity.ShouldBe(AnalysisSeverity.Warning);
        mismatch.Permission.ShouldBe("file:read");
        mismatch.Evidence.ShouldHaveSingleItem().RuleId.ShouldBe("STK0002");
        comparison.IsCovered.ShouldBeFalse();
    }

    [Fact]
    public void CompareWith_UsedButNotDeclaredStrict_IsError()
    {
        FileReport.CompareWith(["env:read=HOME"], strict: true).HasErrors.ShouldBeTrue();
    }

    [Theory]
    [InlineData("file:read=$PLUGIN_DATA/**")]
    [InlineData("file:write=$TEMP")]
    [InlineData("file")]
    public void CompareWith_DeclaredWithScopeOrImplyingPermission_Covers(string declared)
    {
        var comparison = FileReport.CompareWith([declared], strict: true);

        comparison.Mismatches.ShouldBeEmpty();
        comparison.IsCovered.ShouldBeTrue();
    }

    [Fact]
    public void CompareWith_DeclaredButUnused_IsHintOnlyForObservableCategories()
    {
        var comparison = FileReport.CompareWith(["file:read", "env:read=HOME", "network:request=api.example.com", "hook:register=clip.*"], strict: false);

        var hint = comparison.Mismatches.ShouldHaveSingleItem();
        hint.Kind.ShouldBe(PermissionMismatchKind.DeclaredButNotUsed);
        hint.Severity.ShouldBe(AnalysisSeverity.Hint);
        hint.Permission.ShouldBe("env:read=HOME");
    }

    [Fact]
    public void AnalyzeDirectory_MissingFolder_ReportsSkippedInsteadOfThrowing()
    {
        var report = PluginAnalyzer.AnalyzeDirectory("/nonexistent/plugin");

        report.SkippedFiles.ShouldHaveSingleItem().Reason.ShouldContain("does not exist");
        report.Findings.ShouldBeEmpty();
    }

    [Fact]
    public void AnalyzeDirectory_NativeLibraryNamedDll_IsSkippedAsNotManaged()
    {
        using var dir = new TempDirectory();
        File.Copy("/bin/true", Path.Combine(dir.Path, "native.dll"));

        var report = PluginAnalyzer.AnalyzeDirectory(dir.Path);

        report.SkippedFiles.ShouldHaveSingleItem().Path.ShouldBe("native.dll");
    }
}
