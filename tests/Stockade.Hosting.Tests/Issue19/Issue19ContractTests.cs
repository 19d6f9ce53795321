using System.Diagnostics.Metrics;
using System.Text.Json;
using Eco.Weather;
using Stockade.Hosting.Diagnostics;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue19;

/// <summary>
/// Issue 19, item 1, the host's half: <c>host.GetPlugin&lt;IWeather&gt;(id)</c> returns the contract's proxy, whose calls take
/// the invoke path (timeout, cancellation, typed exceptions) to real confined workers (sandboxed, as root and as uid 65534):
/// a C# plugin implementing the contract interface, and script plugins declaring it through the Python and Node helpers.
/// A host and plugin of different contract versions get a clear error naming both versions and which side to update,
/// before anything is sent; a plugin without the contract is said to lack it; a plugin's malformed contract list is
/// ignored, never shown.
/// </summary>
[Trait("Issue", "19")]
public abstract class Issue19ContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private static readonly PluginLoadOptions Sandboxed = new() { Level = "sandboxed" };

    private PluginHost Host => fixture.Host;

    private string Who => fixture.WorkerUid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "root";

    [Fact]
    public async Task GetPlugin_CSharpPluginImplementingTheContract_TypedCallsRoundTrip()
    {
        var id = await LoadCSharpAsync("typed");

        var weather = Host.GetPlugin<IWeather>(id);
        var forecast = await weather.ForecastAsync(new ForecastInput("Lisbon", 3));
        var stations = await weather.StationsAsync();

        Host.Plugins.Single(p => p.Id == id).Contracts.ShouldBe(new Dictionary<string, int> { ["eco.weather"] = 2 });
        forecast.City.ShouldBe("Lisbon");
        forecast.Days.Count.ShouldBe(3);
        forecast.Days.Select(d => d.Day).ShouldBe([0, 1, 2]);
        forecast.Days.ShouldAllBe(d => d.HighC >= 10 && d.Summary.Length > 0);
        stations.ShouldBe(["lisbon", "oslo", "quito"]);
        // The same answer as the call by name: one path.
        var byName = await Host.InvokeAsync(id, "forecast", JsonSerializer.SerializeToElement(new { city = "Lisbon", days = 3 }));
        byName.GetProperty("days")[2].GetProperty("highC").GetDouble().ShouldBe(forecast.Days[2].HighC);
    }

    [Fact]
    public async Task GetPlugin_HostBuiltAgainstAnOlderVersion_IsRefused_NamingBothVersions_UpdateTheHost()
    {
        var id = await LoadCSharpAsync("older-host");

        var ex = Should.Throw<PluginContractMismatchException>(() => Host.GetPlugin<IWeatherV1>(id));

        ex.ContractName.ShouldBe("eco.weather");
        ex.HostVersion.ShouldBe(1);
        ex.PluginVersion.ShouldBe(2);
        ex.Message.ShouldContain("implements contract 'eco.weather' version 2, but this host was built against version 1");
        ex.NextStep.ShouldNotBeNull().ShouldStartWith("update the host: build it against version 2 of 'eco.weather'");
        // Nothing was wrong with the plugin: it keeps serving.
        (await Host.GetPlugin<IWeather>(id).StationsAsync()).Count.ShouldBe(3);
    }

    [Fact]
    public async Task GetPlugin_HostBuiltAgainstANewerVersion_IsRefused_UpdateThePlugin()
    {
        var id = await LoadCSharpAsync("newer-host");

        var ex = Should.Throw<PluginContractMismatchException>(() => Host.GetPlugin<IWeatherV3>(id));

        ex.HostVersion.ShouldBe(3);
        ex.PluginVersion.ShouldBe(2);
        ex.Message.ShouldContain("version 2, but this host was built against version 3");
        ex.NextStep.ShouldNotBeNull().ShouldStartWith($"update the plugin: install a build of '{id}' that implements 'eco.weather' version 3");
    }

    [Fact]
    public async Task GetPlugin_ContractThePluginDoesNotImplement_SaysSo_AndWhatItImplements()
    {
        var id = await LoadCSharpAsync("no-clock");

        var ex = Should.Throw<PluginContractMismatchException>(() => Host.GetPlugin<IClock>(id));

        ex.PluginVersion.ShouldBeNull();
        ex.Message.ShouldBe($"plugin '{id}' does not implement contract 'eco.clock' ({typeof(IClock).FullName}, version 1); it implements: 'eco.weather' v2; the call was not sent");
        ex.NextStep.ShouldNotBeNull().ShouldContain("implements " + typeof(IClock).FullName);
    }

    [Fact]
    public async Task Proxy_CallPastTheManifestTimeout_IsPluginTimeout_AndTheNextCallWorks()
    {
        var id = await LoadCSharpAsync("timeout", callTimeout: "2s");
        var weather = Host.GetPlugin<IWeather>(id);

        var ex = await Should.ThrowAsync<PluginTimeoutException>(() => weather.WaitAsync(new WaitInput(60_000)));

        ex.PluginId.ShouldBe(id);
        (await weather.ForecastAsync(new ForecastInput("Oslo", 1))).City.ShouldBe("Oslo");
    }

    [Fact]
    public async Task Proxy_CancelledCall_IsCancelled_AndThePluginKeepsServing()
    {
        var id = await LoadCSharpAsync("cancel");
        var weather = Host.GetPlugin<IWeather>(id);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var ex = await Should.ThrowAsync<Exception>(() => weather.WaitAsync(new WaitInput(60_000), cancel.Token));

        ex.ShouldBeAssignableTo<OperationCanceledException>();
        (await weather.StationsAsync()).ShouldContain("oslo");
    }

    [Fact]
    public async Task Proxy_PluginThrows_IsPluginFailedThrew_WithThePluginsMessage()
    {
        var id = await LoadCSharpAsync("throws");

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.GetPlugin<IWeather>(id).ForecastAsync(new ForecastInput("Quito", 99)));

        ex.Kind.ShouldBe(PluginFailureKind.Threw);
        ex.Message.ShouldContain("days must be 1 to 14");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task GetPlugin_ScriptHelperDeclaringTheContract_TypedCallsRoundTrip(string lang)
    {
        var id = await LoadScriptAsync(lang, "typed");

        var forecast = await Host.GetPlugin<IWeather>(id).ForecastAsync(new ForecastInput("Bergen", 2));

        Host.Plugins.Single(p => p.Id == id).Contracts.ShouldBe(new Dictionary<string, int> { ["eco.weather"] = 2 });
        forecast.Days.Count.ShouldBe(2);
        forecast.Days[1].Summary.ShouldBe(lang);
        (await Host.GetPlugin<IWeather>(id).StationsAsync()).ShouldBe([$"{lang}-station"]);
    }

    [Fact]
    public async Task Proxy_PluginReloadedAtAnotherVersion_NextCallIsRefusedBeforeItIsSent()
    {
        var id = await LoadScriptAsync("python", "reload");
        var weather = Host.GetPlugin<IWeather>(id);
        (await weather.ForecastAsync(new ForecastInput("Bergen", 1))).City.ShouldBe("Bergen");

        File.WriteAllText(Path.Combine(fixture.World.Plugins, id, "contract-version.txt"), "3\n");
        await Host.ReloadAsync(id);
        var failures = new List<string?>();
        using var meter = new MeterListener();
        meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StockadeDiagnostics.MeterName && instrument.Name == "stockade.plugin.call.failures")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meter.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var all = tags.ToArray();
            if (all.Any(t => t.Key == "plugin" && Equals(t.Value, id)))
            {
                lock (failures)
                {
                    failures.Add(all.FirstOrDefault(t => t.Key == "error.type").Value as string);
                }
            }
        });
        meter.Start();
        var ex = await Should.ThrowAsync<PluginContractMismatchException>(() => weather.ForecastAsync(new ForecastInput("Bergen", 1)));

        ex.HostVersion.ShouldBe(2);
        ex.PluginVersion.ShouldBe(3);
        ex.NextStep.ShouldNotBeNull().ShouldStartWith("update the host");
        // Not a wrong call: the new worker never saw it. The call's failure is counted under its own error type.
        (await Host.InvokeAsync(id, "sent")).GetInt32().ShouldBe(0);
        lock (failures)
        {
            failures.ShouldBe(["contract_mismatch"]);
        }
    }

    [Fact]
    public async Task Proxy_ResultOfAnotherShape_IsInvalidResult_NamingTheContract()
    {
        var id = await LoadScriptAsync("python", "shape");

        var ex = await Should.ThrowAsync<PluginFailedException>(() => Host.GetPlugin<IWeather>(id).ForecastAsync(new ForecastInput("bad-shape", 1)));

        ex.Kind.ShouldBe(PluginFailureKind.InvalidResult);
        ex.Message.ShouldContain("does not fit Forecast");
        ex.NextStep.ShouldNotBeNull().ShouldContain("contract 'eco.weather' v2");
    }

    [Fact]
    public async Task MalformedContractList_EntriesAreIgnored_NeverShown()
    {
        var id = await LoadScriptAsync("python", "hostile", hostile: true);

        var contracts = Host.Plugins.Single(p => p.Id == id).Contracts;
        var ex = Should.Throw<PluginContractMismatchException>(() => Host.GetPlugin<IClock>(id));

        contracts["eco.weather"].ShouldBe(2);
        contracts.Count.ShouldBeLessThanOrEqualTo(64);
        contracts.Keys.ShouldAllBe(k => k.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '.' || c == '-' || c == '_'));
        contracts.Keys.ShouldNotContain("eco.text");
        ex.Message.ShouldNotContain("\u001b");
        ex.Message.ShouldNotContain("xxxxxxxx");
        ex.Message.ShouldNotContain("eco.text");
        // The well-formed contract still works.
        (await Host.GetPlugin<IWeather>(id).StationsAsync()).ShouldBe(["python-station"]);
    }

    private async Task<string> LoadCSharpAsync(string name, string callTimeout = "20s")
    {
        var id = $"t19.cs-{name}-{Who}";
        var dir = fixture.World.Plugin("weather-csharp", id, $$"""
            runtime: dotnet
            entry: bin/WeatherPlugin.dll
            entryType: Samples.WeatherPlugin.WeatherPlugin
            timeouts: { init: 30s, call: {{callTimeout}}, hook: 5s }
            resources: { memoryMb: 256, openFiles: 128 }
            """);
        await Host.LoadAsync(dir, Sandboxed);
        return id;
    }

    private async Task<string> LoadScriptAsync(string lang, string name, bool hostile = false)
    {
        var id = $"t19.{lang}-{name}-{Who}";
        var folder = Path.Combine(fixture.World.Plugins, id);
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        var (helper, entry, interpreter) = lang == "python"
            ? ("stockade-plugin-python/stockade.py", "plugin.py", "/usr/bin/python3")
            : ("stockade-plugin-node/stockade.js", "plugin.js", "/usr/bin/node");
        Copy(Path.Combine(Templates, helper), Path.Combine(folder, Path.GetFileName(helper)));
        Copy(Path.Combine(Probes, lang == "python" ? "weather.py" : "weather.js"), Path.Combine(folder, entry));
        Write(Path.Combine(folder, "contract-version.txt"), "2\n");
        if (hostile)
        {
            Write(Path.Combine(folder, "hostile.txt"), "yes\n");
        }

        Write(Path.Combine(folder, "plugin.yaml"), $"""
            id: {id}
            name: {id}
            version: 1.0.0
            publisher: tests
            runtime: process
            entry: {entry}
            interpreter: {interpreter}
            timeouts: {"{"} init: 30s, call: 20s, hook: 5s {"}"}
            resources: {"{"} memoryMb: 256, openFiles: 64 {"}"}
            """);
        await Host.LoadAsync(folder, Sandboxed);
        return id;
    }

    private static string Templates => Path.Combine(HostWorld.SamplesDirectory, "..", "..", "templates", "content");

    private static string Probes => Path.Combine(HostWorld.SamplesDirectory, "..", "..", "tests", "Stockade.Hosting.Tests", "Issue19", "Plugins");

    private static void Copy(string source, string target)
    {
        File.Copy(source, target, overwrite: true);
        File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
    }

    private static void Write(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
    }
}

/// <summary>Workers run as root.</summary>
public sealed class Issue19ContractAsRootTests(RootHostFixture fixture) : Issue19ContractTests<RootHostFixture>(fixture);

/// <summary>Workers run as nobody (65534).</summary>
public sealed class Issue19ContractAsNobodyTests(NobodyHostFixture fixture) : Issue19ContractTests<NobodyHostFixture>(fixture);
