namespace Stockade.Plugin.Generators.Tests;

// What cannot be served is a build error whose message is the fix, at the attribute that declares it.
[Trait("Issue", "19")]
public sealed class Issue19DiagnosticTests
{
    private static string PluginWith(string members, string json = "[JsonSerializable(typeof(In))] [JsonSerializable(typeof(Out))] internal sealed partial class PJson : JsonSerializerContext { }") => $$"""
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Threading;
        using System.Threading.Tasks;
        using Stockade.Plugin;

        namespace Acme;

        public sealed record In(string Name);
        public sealed record Out(string Message);
        public sealed record Other(int Value);
        {{json}}

        public sealed class P : IPlugin
        {
            public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            {{members}}
        }
        """;

    [Theory]
    [InlineData("[PluginMethod(\"two\")] public Out Two(In a, In b) => null!;", "takes more than one input parameter", "take one record holding every value")]
    [InlineData("[PluginMethod(\"tokens\")] public Out Tokens(CancellationToken a, CancellationToken b) => null!;", "two CancellationTokens", "keep one")]
    [InlineData("[PluginMethod(\"byref\")] public Out ByRef(ref In a) => null!;", "passed by reference", "take it by value")]
    [InlineData("[PluginMethod(\"generic\")] public Out Generic<T>(In a) => null!;", "it is generic", "concrete")]
    [InlineData("[PluginMethod(\"static\")] public static Out Static(In a) => null!;", "it is static", "make it an instance method")]
    [InlineData("[PluginMethod(\"private\")] private Out Private(In a) => null!;", "it is not public", "make it public")]
    [InlineData("[PluginMethod(\"object\")] public object Untyped(In a) => null!;", "its result is object", "return a concrete type, or JsonElement")]
    [InlineData("[PluginMethod(\"dyn\")] public Out Dyn(dynamic a) => null!;", "its input is dynamic", "take a concrete type, or JsonElement")]
    public void Generate_UnsupportedSignature_ErrorWithFix(string member, string problem, string fix)
    {
        var run = GeneratorHarness.Run(PluginWith(member));

        var diagnostic = run.Single("STK2001");
        diagnostic.Severity.ShouldBe(Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        message.ShouldContain(problem);
        message.ShouldContain(fix);
        // At the attribute, where the author looks.
        diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, 12).ShouldStartWith("PluginMethod");
        run.GeneratedText.ShouldNotContain("PluginDispatchTableAttribute");
    }

    [Fact]
    public void Generate_DuplicateName_ErrorNamingBothMethods()
    {
        var run = GeneratorHarness.Run(PluginWith("""
            [PluginMethod("greet")] public Out Greet(In a) => null!;
            [PluginMethod("greet")] public Out Hello(In a) => null!;
            """));

        run.Single("STK2002").GetMessage(System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe("method name 'greet' is used by 'Greet' and 'Hello'; give each method its own name");
    }

    [Fact]
    public void Generate_SameNameForMethodAndHook_Allowed()
    {
        var run = GeneratorHarness.Run(PluginWith("""
            [PluginMethod("clip")] public Out Clip(In a) => null!;
            [PluginHook("clip")] public void OnClip(In a) { }
            """));

        run.Diagnostics.ShouldBeEmpty();
    }

    [Fact]
    public void Generate_EmptyName_ErrorSuggestingOne()
    {
        var run = GeneratorHarness.Run(PluginWith("[PluginMethod(\" \")] public Out GreetAsync(In a) => null!;"));

        run.Single("STK2007").GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("such as \"greet\"");
    }

    [Fact]
    public void Generate_TypeMissingFromContext_ErrorIsTheLineToAdd()
    {
        var run = GeneratorHarness.Run(PluginWith("[PluginMethod(\"other\")] public Out Take(Other input) => null!;"));

        run.Single("STK2003").GetMessage(System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe("'other' needs System.Text.Json metadata for Other; add [JsonSerializable(typeof(Other))] to PJson");
    }

    [Fact]
    public void Generate_NoContextInNativeAotPlugin_ErrorDeclaresOne()
    {
        var run = GeneratorHarness.Run(PluginWith("[PluginMethod(\"greet\")] public Out Greet(In input) => null!;", json: string.Empty), publishAot: true);

        var messages = run.Diagnostics.Where(d => d.Id == "STK2003").Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        messages.ShouldContain("'greet' needs System.Text.Json metadata for In; declare a JsonSerializerContext in the project: [JsonSerializable(typeof(In))] internal sealed partial class PJson : JsonSerializerContext { }");
        messages.Count.ShouldBe(2); // the input and the result
    }

    [Fact]
    public void Generate_NoContextInJitPlugin_ReflectionKeepsServingWithTheFixAsInformation()
    {
        // A plugin written before the generator existed builds as it did: no table, the worker's reflection serves it.
        var run = GeneratorHarness.Run(PluginWith("[PluginMethod(\"greet\")] public Out Greet(In input) => null!;", json: string.Empty));

        var diagnostic = run.Diagnostics.ShouldHaveSingleItem();
        diagnostic.Id.ShouldBe("STK2008");
        diagnostic.Severity.ShouldBe(Microsoft.CodeAnalysis.DiagnosticSeverity.Info);
        diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldBe(
            "'P' is dispatched by reflection because the project declares no JsonSerializerContext; for generated dispatch (a faster start, and required by NativeAOT) declare a JsonSerializerContext in the project: [JsonSerializable(typeof(In))] internal sealed partial class PJson : JsonSerializerContext { }");
        run.GeneratedText.ShouldNotContain("PluginDispatchTableAttribute");
        run.Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ShouldBeEmpty();
    }

    [Fact]
    public void Generate_NoContextButUnsupportedSignature_StillAnError()
    {
        var run = GeneratorHarness.Run(PluginWith("[PluginMethod(\"two\")] public Out Two(In a, In b) => null!;", json: string.Empty));

        run.Single("STK2001");
    }

    [Fact]
    public void Generate_PrimitivesAndJsonElement_NeedNoContext()
    {
        var run = GeneratorHarness.Run(PluginWith("""
            [PluginMethod("add")] public Task<long> AddAsync(int input, CancellationToken cancellationToken) => Task.FromResult((long)input + 1);
            [PluginMethod("echo")] public JsonElement Echo(JsonElement input) => input;
            [PluginMethod("name")] public ValueTask<string> NameAsync() => ValueTask.FromResult("x");
            """, json: string.Empty));

        run.Diagnostics.ShouldBeEmpty();
        run.GeneratedText.ShouldContain("JsonMetadataServices.Int64Converter");
    }

    [Fact]
    public void Generate_NoPublicParameterlessConstructor_Error()
    {
        var run = GeneratorHarness.Run(PluginWith("public P(int seed) { }"));

        run.Single("STK2006").GetMessage(System.Globalization.CultureInfo.InvariantCulture).ShouldContain("add 'public P() { }'");
    }

    [Fact]
    public void Generate_ContractNotPartial_ErrorSaysDeclareItPartial()
    {
        var run = GeneratorHarness.Run("""
            using System.Threading;
            using System.Threading.Tasks;
            using Stockade.Plugin;
            namespace Eco;
            [PluginContract("eco.weather", 1)]
            public interface IWeather
            {
                [PluginMethod("temperature")] Task<int> TemperatureAsync(CancellationToken cancellationToken);
            }
            """);

        run.Single("STK2004").GetMessage(System.Globalization.CultureInfo.InvariantCulture)
            .ShouldBe("contract interface 'IWeather' is not partial, so its proxy cannot be attached; declare it 'public partial interface IWeather'");
    }

    [Theory]
    [InlineData("[PluginMethod(\"now\")] int Now();", "cannot return synchronously", "return Task<int> or ValueTask<int>")]
    [InlineData("Task<int> NowAsync();", "every contract method needs its wire name", "add [PluginMethod(\"now\")]")]
    [InlineData("[PluginMethod(\"now\")] Task<int> NowAsync(int a, int b);", "more than one input parameter", "take one record")]
    public void Generate_ContractMethodUnsupported_ErrorWithFix(string member, string problem, string fix)
    {
        var run = GeneratorHarness.Run($$"""
            using System.Threading;
            using System.Threading.Tasks;
            using Stockade.Plugin;
            namespace Eco;
            [PluginContract("eco.clock", 1)]
            public partial interface IClock
            {
                {{member}}
            }
            """);

        var message = run.Single("STK2001").GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        message.ShouldContain(problem);
        message.ShouldContain(fix);
    }
}
