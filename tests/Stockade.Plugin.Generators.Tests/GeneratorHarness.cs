using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Stockade.Plugin;

namespace Stockade.Plugin.Generators.Tests;

// Compiles plugin source the way a plugin project builds: this SDK's generator plus the SDK's own System.Text.Json
// generator (so the JsonSerializerContext is real), then emits and loads the assembly so generated code can be run.
internal static class GeneratorHarness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var framework = RuntimeEnvironment.GetRuntimeDirectory();
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.StartsWith(framework, StringComparison.Ordinal))
            .Append(typeof(IPlugin).Assembly.Location);
        return [.. paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    });

    private static readonly Lazy<ISourceGenerator?> JsonGenerator = new(() =>
    {
        // The SDK's generator, from the targeting pack of the runtime the tests run on.
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var version = Path.GetFileName(runtime);
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var path = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref", version, "analyzers", "dotnet", "cs", "System.Text.Json.SourceGeneration.dll");
        if (!File.Exists(path))
        {
            return null;
        }

        var reference = new AnalyzerFileReference(path, new Loader());
        return reference.GetGenerators(LanguageNames.CSharp).FirstOrDefault();
    });

    public static string? JsonGeneratorMissing => JsonGenerator.Value is null
        ? "the System.Text.Json source generator of this runtime's targeting pack was not found"
        : null;

    public static GeneratorRun Run(string source, bool publishAot = false)
    {
        var compilation = CSharpCompilation.Create(
            "Plugin" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Plugin.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var generators = new List<ISourceGenerator> { new PluginGenerator().AsSourceGenerator() };
        if (JsonGenerator.Value is { } json)
        {
            generators.Add(json);
        }

        GeneratorDriver driver = CSharpGeneratorDriver.Create(generators, parseOptions: ParseOptions, optionsProvider: new BuildProperties(publishAot));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var ours = driver.GetRunResult().Results
            .Where(result => result.Generator.GetGeneratorType() == typeof(PluginGenerator))
            .SelectMany(result => result.Diagnostics)
            .ToImmutableArray();
        return new GeneratorRun(output, ours, generatorDiagnostics);
    }

    // The build properties the SDK's props make visible to the compiler (CompilerVisibleProperty PublishAot).
    internal sealed class BuildProperties(bool publishAot) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(publishAot);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

        private sealed class Options(bool publishAot) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
            {
                value = key == "build_property.PublishAot" ? (publishAot ? "true" : "false") : null;
                return value is not null;
            }
        }
    }

    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}

internal sealed record GeneratorRun(Compilation Output, ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<Diagnostic> AllGeneratorDiagnostics)
{
    public string GeneratedText => string.Join("\n", Output.SyntaxTrees.Skip(1).Select(tree => tree.ToString()));

    public Diagnostic Single(string id)
    {
        var found = Diagnostics.Where(d => d.Id == id).ToList();
        found.Count.ShouldBe(1, $"diagnostics: {string.Join("; ", Diagnostics)}");
        return found[0];
    }

    /// <summary>Emits the compilation (failing with every compile error) and loads it beside the test's Stockade.Plugin.</summary>
    public Assembly Load()
    {
        using var image = new MemoryStream();
        var emitted = Output.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        errors.ShouldBeEmpty(string.Join("\n", errors) + "\n" + GeneratedText);
        image.Position = 0;
        return new AssemblyLoadContext(Output.AssemblyName, isCollectible: true).LoadFromStream(image);
    }
}
