using NuGet.Versioning;
using Stockade.Core.Manifest;

namespace Stockade.Core.Tests.Manifest;

/// <summary>
/// Issue 15: one version-range grammar for the manifest and the conflict resolver. Every form the manifest accepted
/// before still reads the same range; the richer forms of the resolver (<c>*</c>, <c>1.*</c>, caret on 0.x) now work
/// in a manifest too.
/// </summary>
[Trait("Issue", "15")]
public sealed class VersionRangeGrammarTests
{
    private const string Base = "id: com.example.sample\nname: Sample\nversion: 1.0.0\nruntime: dotnet\nentry: Sample.dll\n";

    [Theory]
    // Forms manifests used before the grammars were merged: the same range as before.
    [InlineData("[1.0,2.0)", "1.0.0", true)]
    [InlineData("[1.0,2.0)", "2.0.0", false)]
    [InlineData("1.0", "7.0.0", true)]
    [InlineData(">=1.0 <2.0", "1.9.9", true)]
    [InlineData(">=1.0 <2.0", "2.0.0", false)]
    [InlineData("^1.2", "1.9.0", true)]
    [InlineData("^1.2", "2.0.0", false)]
    [InlineData("~1.2.3", "1.2.9", true)]
    [InlineData("~1.2.3", "1.3.0", false)]
    [InlineData("=1.4.0", "1.4.0", true)]
    [InlineData("=1.4.0", "1.4.1", false)]
    // Forms only the resolver knew.
    [InlineData("*", "0.0.1", true)]
    [InlineData("1.*", "1.7.0", true)]
    [InlineData("1.*", "2.0.0", false)]
    [InlineData("^0.0.3", "0.0.3", true)]
    [InlineData("^0.0.3", "0.0.4", false)]
    public void Manifest_Requires_ReadsTheOneGrammar(string range, string version, bool satisfied)
    {
        var read = ManifestReader.Parse(Base + $"requires:\n  - id: com.example.base\n    range: \"{range}\"\n", "plugin.yaml", ManifestFormat.Yaml);

        read.IsValid.ShouldBeTrue(string.Join("; ", read.Diagnostics));
        read.Manifest!.Requires.Single().Range.Satisfies(NuGetVersion.Parse(version)).ShouldBe(satisfied);
        VersionRangeGrammar.TryParse(range, out var direct, out _).ShouldBeTrue();
        direct.ShouldBe(read.Manifest.Requires.Single().Range);
    }

    [Theory]
    [InlineData(">=x")]
    [InlineData(">=2.0 <1.0")]
    [InlineData("latest")]
    public void Manifest_BadRange_IsADiagnosticNamingTheAcceptedForms(string range)
    {
        var read = ManifestReader.Parse(Base + $"requires:\n  - id: com.example.base\n    range: \"{range}\"\n", "plugin.yaml", ManifestFormat.Yaml);

        read.IsValid.ShouldBeFalse();
        read.Diagnostics.ShouldContain(d => d.Code == ManifestDiagnosticCodes.BadVersionRange && d.Message.Contains("accepted forms", StringComparison.Ordinal));
    }
}
