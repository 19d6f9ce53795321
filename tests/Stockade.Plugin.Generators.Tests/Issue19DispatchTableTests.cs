using System.Reflection;
using System.Text.Json;
using Stockade.Plugin.Generated;

namespace Stockade.Plugin.Generators.Tests;

[Trait("Issue", "19")]
public sealed class Issue19DispatchTableTests
{
    private const string Plugin = """
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Threading;
        using System.Threading.Tasks;
        using Stockade.Plugin;

        namespace Acme;

        public sealed record GreetInput(string Name);
        public sealed record GreetOutput(string Message);
        public sealed record Clip(string Text);

        [JsonSerializable(typeof(GreetInput))]
        [JsonSerializable(typeof(GreetOutput))]
        [JsonSerializable(typeof(Clip))]
        internal sealed partial class AcmeJson : JsonSerializerContext { }

        public sealed class AcmePlugin : IPlugin
        {
            public int Clips;
            public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            [PluginMethod("greet")] public GreetOutput Greet(GreetInput input) => new($"Hello, {input.Name}!");
            [PluginMethod("maybe")] public string Maybe(GreetInput? input = null) => input?.Name ?? "nobody";
            [PluginMethod("count")] public async Task<int> CountAsync(CancellationToken cancellationToken) { await Task.Yield(); return 42; }
            [PluginMethod("echo")] public JsonElement Echo(JsonElement input) => input;
            [PluginMethod("wait")] public Task WaitAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
            [PluginHook("clip.copied")] public void OnClip(Clip clip) => Clips++;
        }
        """;

    [JsonGeneratorFact]
    public void Generate_PluginClass_TableNamedByAssemblyAttribute()
    {
        var run = GeneratorHarness.Run(Plugin);
        run.Diagnostics.ShouldBeEmpty();
        var table = TableOf(run);

        table.PluginType.FullName.ShouldBe("Acme.AcmePlugin");
        table.MethodNames.ShouldBe(["greet", "maybe", "count", "echo", "wait"]);
        table.HookNames.ShouldBe(["clip.copied"]);
        table.Contracts.ShouldBeEmpty();
        table.FindMethod("nope").ShouldBeNull();
        table.FindHook("greet").ShouldBeNull();
    }

    [JsonGeneratorFact]
    public async Task Invoke_GeneratedEntryPoints_BindCallAndWriteWithPayloadConventions()
    {
        var table = TableOf(GeneratorHarness.Run(Plugin));
        var plugin = table.CreatePlugin();

        var greeting = await table.FindMethod("greet")!(plugin, Json("""{"name":"Ada"}"""), CancellationToken.None);
        var count = await table.FindMethod("count")!(plugin, null, CancellationToken.None);
        var echo = await table.FindMethod("echo")!(plugin, Json("""{"a":[1,2]}"""), CancellationToken.None);
        var defaulted = await table.FindMethod("maybe")!(plugin, null, CancellationToken.None);
        await table.FindHook("clip.copied")!(plugin, Json("""{"text":"x"}"""), CancellationToken.None);

        // camelCase written, as the reflection path and the host's typed reads expect (PayloadJson).
        greeting!.Value.GetRawText().ShouldBe("""{"message":"Hello, Ada!"}""");
        count!.Value.GetInt32().ShouldBe(42);
        echo!.Value.GetRawText().ShouldBe("""{"a":[1,2]}""");
        defaulted!.Value.GetString().ShouldBe("nobody");
        plugin.GetType().GetField("Clips")!.GetValue(plugin).ShouldBe(1);
    }

    [JsonGeneratorTheory]
    [InlineData(null, "'greet' needs an input of type GreetInput")]
    [InlineData("null", "'greet' needs an input of type GreetInput")]
    [InlineData("""{"name":5}""", "the input of 'greet' does not fit GreetInput")]
    [InlineData("""{}""", "the input of 'greet' does not fit GreetInput")]
    [InlineData("""{"name":null}""", "the input of 'greet' does not fit GreetInput")]
    public async Task Invoke_InputDoesNotFit_PluginInputExceptionNamingMethodAndType(string? input, string message)
    {
        var table = TableOf(GeneratorHarness.Run(Plugin));
        var plugin = table.CreatePlugin();

        var error = await Should.ThrowAsync<PluginInputException>(async () =>
            await table.FindMethod("greet")!(plugin, input is null ? null : Json(input), CancellationToken.None));

        error.Message.ShouldStartWith(message);
    }

    [JsonGeneratorFact]
    public async Task Invoke_CallerCancels_TokenReachesThePlugin()
    {
        var table = TableOf(GeneratorHarness.Run(Plugin));
        using var cancellation = new CancellationTokenSource();

        var call = table.FindMethod("wait")!(table.CreatePlugin(), null, cancellation.Token).AsTask();
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(call);
    }

    [JsonGeneratorFact]
    public void Generate_ContractImplemented_ServedThroughInterfaceAndReported()
    {
        var run = GeneratorHarness.Run("""
            using System.Text.Json.Serialization;
            using System.Threading;
            using System.Threading.Tasks;
            using Stockade.Plugin;

            namespace Eco;

            public sealed record Forecast(string City, int Celsius);

            [JsonSerializable(typeof(Forecast))]
            internal sealed partial class EcoJson : JsonSerializerContext { }

            [PluginContract("eco.weather", 2)]
            public partial interface IWeather
            {
                [PluginMethod("forecast")] Task<Forecast> ForecastAsync(string city, CancellationToken cancellationToken);
            }

            public sealed class WeatherPlugin : IPlugin, IWeather
            {
                public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
                Task<Forecast> IWeather.ForecastAsync(string city, CancellationToken cancellationToken) => Task.FromResult(new Forecast(city, 21));
            }
            """);
        run.Diagnostics.ShouldBeEmpty();
        var table = TableOf(run);

        table.Contracts.ShouldBe(new Dictionary<string, int> { ["eco.weather"] = 2 });
        table.MethodNames.ShouldBe(["forecast"]);
        var result = table.FindMethod("forecast")!(table.CreatePlugin(), Json("\"Oslo\""), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        result!.Value.GetRawText().ShouldBe("""{"city":"Oslo","celsius":21}""");
    }

    internal static IPluginDispatchTable TableOf(GeneratorRun run)
    {
        var assembly = run.Load();
        var attribute = assembly.GetCustomAttribute<PluginDispatchTableAttribute>().ShouldNotBeNull();
        return (IPluginDispatchTable)Activator.CreateInstance(attribute.TableType)!;
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
