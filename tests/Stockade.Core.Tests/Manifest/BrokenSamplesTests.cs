using Stockade.Core.Manifest;

namespace Stockade.Core.Tests.Manifest;

public class BrokenSamplesTests
{
    private static readonly string SamplesDir = FindSamples();

    [Theory]
    [InlineData("unknown-key", "STKM002", 8, 3)]
    [InlineData("missing-key", "STKM003", 2, 1)]
    [InlineData("bad-id", "STKM007", 2, 5)]
    [InlineData("bad-version", "STKM008", 4, 10)]
    [InlineData("unknown-runtime", "STKM009", 5, 10)]
    [InlineData("escaping-entry", "STKM010", 6, 8)]
    [InlineData("bad-duration", "STKM011", 8, 9)]
    [InlineData("bad-permission", "STKM004", 9, 7)]
    [InlineData("escaping-scope", "STKM012", 9, 7)]
    [InlineData("nul-scope", "STKM012", 9, 7)]
    [InlineData("lookalike-host", "STKM012", 10, 19)]
    [InlineData("memory-too-low", "STKM013", 8, 13)]
    [InlineData("max-file-too-low", "STKM013", 8, 14)]
    [InlineData("above-maximum", "STKM014", 8, 14)]
    [InlineData("bad-rate-limit", "STKM015", 8, 22)]
    [InlineData("bad-version-range", "STKM016", 9, 12)]
    [InlineData("interpreter-relative", "STKM018", 7, 14)]
    [InlineData("yaml-syntax", "STKM001", 6, 9)]
    [InlineData("duplicate-key", "STKM006", 5, 1)]
    [InlineData("wrong-type", "STKM005", 7, 8)]
    [InlineData("alias-not-allowed", "STKM021", 10, 5)]
    public void ReadDirectory_BrokenSample_ReportsExactCodeAndPosition(string sample, string code, int line, int column)
    {
        var result = ManifestReader.ReadDirectory(Path.Combine(SamplesDir, sample));

        result.IsValid.ShouldBeFalse();
        var d = result.Diagnostics.ShouldHaveSingleItem(string.Join("\n", result.Diagnostics));
        (d.Code, d.Line, d.Column).ShouldBe((code, line, column), d.ToString());
        d.File.ShouldEndWith(Path.Combine(sample, "plugin.yaml"));
    }

    [Fact]
    public void ReadDirectory_RequiredAndOptionalSample_WarnsOnly()
    {
        var result = ManifestReader.ReadDirectory(Path.Combine(SamplesDir, "required-and-optional"));

        result.IsValid.ShouldBeTrue();
        var d = result.Diagnostics.ShouldHaveSingleItem();
        (d.Code, d.Severity, d.Line, d.Column).ShouldBe(("STKM017", DiagnosticSeverity.Warning, 11, 7));
    }

    [Fact]
    public void Samples_EachStartsWithReadmeComment()
    {
        foreach (var file in Directory.GetFiles(SamplesDir, "plugin.yaml", SearchOption.AllDirectories))
        {
            File.ReadLines(file).First().ShouldStartWith("# README: ", customMessage: file);
        }
    }

    private static string FindSamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "manifests-broken");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("samples/manifests-broken was not found above the test output folder.");
    }
}
