using System.Text.Json;

namespace Stockade.Protocol.Tests.Worker;

// The worker dispatches through the table the plugin was built with: the generated one when the assembly names it,
// reflection's when it does not (plugins built without the generator keep working).
[Trait("Issue", "19")]
public sealed class Issue19LoaderTests
{
    [Fact]
    public async Task Load_HelloSampleBuiltWithGenerator_UsesGeneratedTable()
    {
        var loaded = Load(WorkerProcess.HelloPluginDirectory, "bin/HelloPlugin.dll", "Samples.Hello.HelloPlugin");

        loaded.Error.ShouldBeNull();
        loaded.Generated.ShouldBeTrue();
        loaded.Table!.GetType().Name.ShouldBe("HelloPluginDispatchTable");
        loaded.Table.MethodNames.ShouldContain("greet");
        var answer = await loaded.Table.FindMethod("greet")!(loaded.Plugin!, JsonDocument.Parse("""{"name":"Ada"}""").RootElement, CancellationToken.None);
        answer!.Value.GetProperty("message").GetString().ShouldBe("Hello, Ada!");
    }

    [Fact]
    public void Load_HelloSampleWithoutEntryType_StillFindsItsTable()
    {
        var loaded = Load(WorkerProcess.HelloPluginDirectory, "bin/HelloPlugin.dll", typeName: null);

        loaded.Error.ShouldBeNull();
        loaded.Generated.ShouldBeTrue();
    }

    [Fact]
    public void Load_EntryTypeNotTheTablesClass_FallsBackToReflectionAndReportsTheType()
    {
        var loaded = Load(WorkerProcess.HelloPluginDirectory, "bin/HelloPlugin.dll", "Samples.Hello.GreetInput");

        loaded.Error.ShouldNotBeNull().ShouldContain("is not a public, non-abstract class implementing IPlugin");
    }

    private static Stockade.Worker.LoadedPlugin Load(string directory, string entry, string? typeName)
    {
        var args = new List<string> { "--plugin-dir", directory, "--entry", entry };
        if (typeName is not null)
        {
            args.AddRange(["--type", typeName]);
        }

        var arguments = Stockade.Worker.WorkerArguments.Parse(args);
        arguments.Error.ShouldBeNull();
        return Stockade.Worker.PluginLoader.Load(arguments);
    }
}

// Reflection dispatch (no generator) honours a contract's [PluginMethod] names declared on the interface.
[Trait("Issue", "19")]
public sealed class Issue19ReflectionContractTests
{
    [Fact]
    public async Task Create_ClassImplementsContract_ServesInterfaceNamesAndReportsVersion()
    {
        var table = Stockade.Worker.ReflectionDispatchTable.Create(typeof(ReflectedWeather), out var error);

        error.ShouldBeNull();
        table!.Contracts.ShouldBe(new Dictionary<string, int> { ["eco.weather"] = 2 });
        table.MethodNames.ShouldBe(["forecast", "own"], ignoreOrder: true);
        var answer = await table.FindMethod("forecast")!(table.CreatePlugin(), JsonDocument.Parse("\"Oslo\"").RootElement, CancellationToken.None);
        answer!.Value.GetString().ShouldBe("sunny in Oslo");
    }

    [Plugin.PluginContract("eco.weather", 2)]
    public interface IWeather
    {
        [Plugin.PluginMethod("forecast")]
        Task<string> ForecastAsync(string city, CancellationToken cancellationToken);
    }

    public sealed class ReflectedWeather : Plugin.IPlugin, IWeather
    {
        public ValueTask InitializeAsync(Plugin.IPluginContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        [Plugin.PluginMethod("own")]
        public int Own() => 1;

        Task<string> IWeather.ForecastAsync(string city, CancellationToken cancellationToken) => Task.FromResult($"sunny in {city}");
    }
}
