namespace Stockade.Analysis.Tests.Rules;

public class RuleFixtureTests
{
    [Theory]
    [InlineData("Fixture.ProcessStart", "STK0001", "subprocess:execute", "System.Diagnostics.Process.Start")]
    [InlineData("Fixture.FileSystem", "STK0002", "file:read", "System.IO.File.ReadAllText")]
    [InlineData("Fixture.Network", "STK0003", "network:request", "System.Net.Http.HttpClient..ctor")]
    [InlineData("Fixture.Environment", "STK0004", "env:read", "System.Environment.GetEnvironmentVariable")]
    [InlineData("Fixture.NativeCode", "STK0005", null, "pinvokeimpl libc!getpid")]
    [InlineData("Fixture.UnsafeCode", "STK0006", null, "System.Security.UnverifiableCodeAttribute")]
    [InlineData("Fixture.DynamicCode", "STK0007", null, "System.Type.GetType")]
    [InlineData("Fixture.NonPublicReflection", "STK0008", null, "System.Type.GetField")]
    [InlineData("Fixture.RuntimeConfiguration", "STK0009", null, "System.AppContext.SetSwitch")]
    [InlineData("Fixture.DiagnosticsHook", "STK0010", null, "System.Diagnostics.Tracing.EventListener")]
    public void AnalyzeDirectory_RuleFixture_ProducesExactlyItsFinding(string fixture, string ruleId, string? permission, string evidence)
    {
        var report = PluginAnalyzer.AnalyzeDirectory(Fixtures.Folder(fixture));

        var finding = report.Findings.ShouldHaveSingleItem();
        finding.RuleId.ShouldBe(ruleId);
        finding.RequiredPermission.ShouldBe(permission);
        finding.Evidence.ShouldBe(evidence);
        finding.Assembly.ShouldBe(fixture + ".dll");
        finding.Message.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void AnalyzeDirectory_CleanPlugin_ProducesNoFinding()
    {
        var report = PluginAnalyzer.AnalyzeDirectory(Fixtures.Folder("Fixture.Clean"));

        report.SkippedFiles.ShouldBeEmpty();
        report.Findings.ShouldBeEmpty();
        report.AnalyzedFiles.ShouldBe(["Fixture.Clean.dll"]);
    }

    [Fact]
    public void AnalyzeDirectory_FixtureShippingTheSdk_SkipsTheSdksFiles()
    {
        var folder = Fixtures.Folder("Fixture.FileSystem");
        File.Exists(Path.Combine(folder, "Stockade.Plugin.dll")).ShouldBeTrue();
        File.Exists(Path.Combine(folder, "Stockade.Protocol.dll")).ShouldBeTrue();

        var report = PluginAnalyzer.AnalyzeDirectory(folder);

        report.AnalyzedFiles.ShouldBe(["Fixture.FileSystem.dll"]);
    }

    [Fact]
    public void AnalyzeAssembly_CallInsideMethod_ReportsCallerAndOffset()
    {
        var report = PluginAnalyzer.AnalyzeAssembly(Fixtures.Assembly("Fixture.ProcessStart"));

        var finding = report.Findings.ShouldHaveSingleItem();
        finding.TypeName.ShouldBe("Fixture.ProcessStart.Runner");
        finding.MethodName.ShouldBe("Run");
        finding.ILOffset.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public void AnalyzeDirectory_DisabledRule_IsNotRun()
    {
        var options = new AnalysisOptions();
        options.DisabledRules.Add("STK0002");

        var report = PluginAnalyzer.AnalyzeDirectory(Fixtures.Folder("Fixture.FileSystem"), options);

        report.Findings.ShouldBeEmpty();
    }
}
