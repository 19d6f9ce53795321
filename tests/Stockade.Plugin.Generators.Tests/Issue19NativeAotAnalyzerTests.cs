using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Stockade.Plugin.Generators.Tests;

// A plugin marked for NativeAOT is warned at each call that reaches code the AOT compiler cannot see.
[Trait("Issue", "19")]
public sealed class Issue19NativeAotAnalyzerTests
{
    private const string Source = """
        using System;
        using System.Reflection;
        using System.Threading;
        using System.Threading.Tasks;
        using Stockade.Plugin;

        namespace Acme;

        public sealed class P : IPlugin
        {
            public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
            {
                var assembly = Assembly.LoadFrom("extra.dll");
                var type = Type.GetType("Acme.Extra");
                var instance = Activator.CreateInstance(type!);
                typeof(P).GetMethod("Run")!.Invoke(this, null);
                var fine = Activator.CreateInstance<P>();
                var own = GetType();
                return ValueTask.CompletedTask;
            }

            public void Run() { }
        }
        """;

    [Fact]
    public async Task Analyze_PublishAot_WarnsAtEachDynamicCall()
    {
        var found = await AnalyzeAsync(publishAot: true);

        found.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split(':')[0]).ShouldBe(
            ["'Assembly.LoadFrom' does not work in a plugin published with NativeAOT (PublishAot)",
             "'Type.GetType' does not work in a plugin published with NativeAOT (PublishAot)",
             "'Activator.CreateInstance' does not work in a plugin published with NativeAOT (PublishAot)",
             "'MethodBase.Invoke' does not work in a plugin published with NativeAOT (PublishAot)"]);
        found.ShouldAllBe(d => d.Id == "STK2005" && d.Severity == DiagnosticSeverity.Warning);
        found[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("reference the code at build time");
    }

    [Fact]
    public async Task Analyze_JitPlugin_Silent()
    {
        (await AnalyzeAsync(publishAot: false)).ShouldBeEmpty();
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(bool publishAot)
    {
        var compilation = GeneratorHarness.Run(Source).Output;
        var options = new AnalyzerOptions([], new GeneratorHarness.BuildProperties(publishAot));
        var diagnostics = await compilation.WithAnalyzers([new NativeAotPluginAnalyzer()], options).GetAnalyzerDiagnosticsAsync();
        return [.. diagnostics.OrderBy(d => d.Location.SourceSpan.Start)];
    }
}
