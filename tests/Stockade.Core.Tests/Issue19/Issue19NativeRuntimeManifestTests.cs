using Stockade.Core.Manifest;

namespace Stockade.Core.Tests.Issue19;

/// <summary><c>runtime: native</c>: a .NET plugin published with NativeAOT, named by its executable.</summary>
[Trait("Issue", "19")]
public class Issue19NativeRuntimeManifestTests
{
    private const string Head = "id: com.example.native\nname: Native\nversion: 1.0.0\n";

    [Fact]
    public void Native_WithAnExecutableEntry_Binds()
    {
        var result = ManifestReader.Parse(Head + "runtime: native\nentry: bin/example\n", "plugin.yaml", ManifestFormat.Yaml);

        result.Diagnostics.ShouldBeEmpty();
        var manifest = result.Manifest.ShouldNotBeNull();
        manifest.Runtime.ShouldBe(PluginRuntime.Native);
        manifest.Entry.ShouldBe("bin/example");
    }

    [Fact]
    public void Native_WithADll_IsRefusedWithTheFix()
    {
        var result = ManifestReader.Parse(Head + "runtime: native\nentry: bin/Example.dll\n", "plugin.yaml", ManifestFormat.Yaml);

        result.IsValid.ShouldBeFalse();
        var error = result.Diagnostics.ShouldHaveSingleItem();
        error.Code.ShouldBe(ManifestDiagnosticCodes.BadEntry);
        error.Message.ShouldContain("runtime native");
        error.Hint.ShouldNotBeNull().ShouldContain("PublishAot");
    }

    [Fact]
    public void Native_WithAnInterpreterOrEntryType_WarnsThatTheyAreIgnored()
    {
        var result = ManifestReader.Parse(Head + "runtime: native\nentry: bin/example\ninterpreter: /usr/bin/python3\nentryType: A.B\n", "plugin.yaml", ManifestFormat.Yaml);

        result.IsValid.ShouldBeTrue();
        result.Diagnostics.Count.ShouldBe(2);
        result.Diagnostics.ShouldAllBe(d => d.Code == ManifestDiagnosticCodes.IgnoredForRuntime);
        result.Diagnostics.ShouldContain(d => d.Message.Contains("'interpreter' only applies to runtime 'process'"));
        result.Diagnostics.ShouldContain(d => d.Message.Contains("'entryType' only applies to runtime 'dotnet'"));
    }

    [Fact]
    public void Native_WithAnInterpreterOrEntryType_BindsNeither()
    {
        var result = ManifestReader.Parse(Head + "runtime: native\nentry: bin/example\ninterpreter: /usr/bin/bash\nentryType: A.B\n", "plugin.yaml", ManifestFormat.Yaml);

        var manifest = result.Manifest.ShouldNotBeNull();
        manifest.Interpreter.ShouldBeNull("ignored, as the warning says: a native entry is the executable itself");
        manifest.EntryType.ShouldBeNull();
    }

    [Fact]
    public void UnknownRuntime_SuggestsNative()
    {
        var result = ManifestReader.Parse(Head + "runtime: nativ\nentry: bin/example\n", "plugin.yaml", ManifestFormat.Yaml);

        result.Diagnostics.ShouldContain(d => d.Code == ManifestDiagnosticCodes.UnknownRuntime && d.Message.Contains("native"));
    }

    [Fact]
    public void Schema_OffersNative()
    {
        var schema = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Stockade.Core", "Manifest", "plugin.schema.json"));

        schema.ShouldContain("\"enum\": [\"dotnet\", \"process\", \"native\"]");
    }
}
