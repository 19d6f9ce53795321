using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Stockade.Plugin.Generated;

namespace Stockade.Plugin.Generators.Tests;

// The host side of a contract: the generated proxy turns each typed call into one IPluginInvoker call with the wire
// name, the caller's token and the contract's JSON metadata (the host's invoker, over its invoke path, is Stockade.Hosting's).
[Trait("Issue", "19")]
public sealed class Issue19ContractProxyTests
{
    private const string Contract = """
        using System.Text.Json.Serialization;
        using System.Threading;
        using System.Threading.Tasks;
        using Stockade.Plugin;

        namespace Eco;

        public sealed record ForecastInput(string City, int Days);
        public sealed record Forecast(string City, int Celsius);

        [JsonSerializable(typeof(ForecastInput))]
        [JsonSerializable(typeof(Forecast))]
        internal sealed partial class WeatherJson : JsonSerializerContext { }

        [PluginContract("eco.weather", 3)]
        public partial interface IWeather
        {
            [PluginMethod("forecast")] Task<Forecast> ForecastAsync(ForecastInput input, CancellationToken cancellationToken = default);
            [PluginMethod("stations")] ValueTask<int> StationsAsync(CancellationToken cancellationToken);
            [PluginMethod("reset")] Task ResetAsync();
        }
        """;

    [JsonGeneratorFact]
    public async Task Proxy_TypedCall_OneInvokerCallWithWireNameTokenAndPayloadConventions()
    {
        var assembly = GeneratorHarness.Run(Contract).Load();
        var contract = assembly.GetType("Eco.IWeather")!;
        var proxyType = contract.GetCustomAttribute<PluginContractProxyAttribute>().ShouldNotBeNull().ProxyType;
        proxyType.Name.ShouldBe("WeatherProxy");
        proxyType.GetField("ContractName")!.GetValue(null).ShouldBe("eco.weather");
        proxyType.GetField("ContractVersion")!.GetValue(null).ShouldBe(3);
        var invoker = new RecordingInvoker("""{"city":"Oslo","celsius":-4}""");
        var proxy = Activator.CreateInstance(proxyType, invoker)!;
        using var cancellation = new CancellationTokenSource();

        var input = Activator.CreateInstance(assembly.GetType("Eco.ForecastInput")!, "Oslo", 3)!;
        var task = (Task)contract.GetMethod("ForecastAsync")!.Invoke(proxy, [input, cancellation.Token])!;
        await task;
        var forecast = task.GetType().GetProperty("Result")!.GetValue(task)!;

        invoker.Method.ShouldBe("forecast");
        invoker.Token.ShouldBe(cancellation.Token);
        invoker.InputJson.ShouldBe("""{"city":"Oslo","days":3}""");
        forecast.ToString().ShouldBe("Forecast { City = Oslo, Celsius = -4 }");
    }

    [JsonGeneratorFact]
    public async Task Proxy_NoInputAndNoResult_CallsWithoutInputAndDiscardsResult()
    {
        var assembly = GeneratorHarness.Run(Contract).Load();
        var contract = assembly.GetType("Eco.IWeather")!;
        var invoker = new RecordingInvoker("7");
        var proxy = Activator.CreateInstance(contract.GetCustomAttribute<PluginContractProxyAttribute>()!.ProxyType, invoker)!;

        var stations = await (ValueTask<int>)contract.GetMethod("StationsAsync")!.Invoke(proxy, [CancellationToken.None])!;
        stations.ShouldBe(7);
        invoker.Method.ShouldBe("stations");
        invoker.InputJson.ShouldBeNull();

        await (Task)contract.GetMethod("ResetAsync")!.Invoke(proxy, [])!;
        invoker.Method.ShouldBe("reset");
    }

    [JsonGeneratorFact]
    public async Task Proxy_PluginAnswersNullForNonNullableResult_RefusedNamingTheFix()
    {
        var assembly = GeneratorHarness.Run(Contract).Load();
        var contract = assembly.GetType("Eco.IWeather")!;
        var proxy = Activator.CreateInstance(contract.GetCustomAttribute<PluginContractProxyAttribute>()!.ProxyType, new RecordingInvoker("null"))!;
        var input = Activator.CreateInstance(assembly.GetType("Eco.ForecastInput")!, "Oslo", 3)!;

        var error = await Should.ThrowAsync<InvalidOperationException>(() => (Task)contract.GetMethod("ForecastAsync")!.Invoke(proxy, [input, CancellationToken.None])!);

        error.Message.ShouldContain("plugin 'eco.test' answered 'forecast' with no result");
    }

    // Stands in for the host's invoker: records the call and answers with fixed JSON read through the given metadata.
    private sealed class RecordingInvoker(string answer) : IPluginInvoker
    {
        public string PluginId => "eco.test";

        public string? Method { get; private set; }

        public string? InputJson { get; private set; }

        public CancellationToken Token { get; private set; }

        public ValueTask<TResult?> InvokeAsync<TInput, TResult>(string method, TInput input, JsonTypeInfo<TInput> inputInfo, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken)
        {
            InputJson = JsonSerializer.Serialize(input, inputInfo);
            return InvokeAsync(method, resultInfo, cancellationToken);
        }

        public ValueTask<TResult?> InvokeAsync<TResult>(string method, JsonTypeInfo<TResult> resultInfo, CancellationToken cancellationToken)
        {
            Method = method;
            Token = cancellationToken;
            return ValueTask.FromResult(JsonSerializer.Deserialize(answer, resultInfo));
        }
    }
}
