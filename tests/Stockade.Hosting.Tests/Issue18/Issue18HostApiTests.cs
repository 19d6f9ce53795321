using System.Text.Json;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// Issue 18 item 1, as an application meets the host API: typed calls read what the worker writes, an ASP.NET request
/// without a body is "no input", and the call after a timeout gets a fresh worker. Real hosts, real confined workers
/// (the hello sample).
/// </summary>
[Trait("Issue", "18")]
[Collection(Issue18Host.Collection)]
public sealed class Issue18HostApiTests
{
    public sealed record Forecast(string City, int TempC);

    public sealed record Greeting(string Name);

    public sealed record GreetOutput(string Message);

    [Fact]
    public async Task InvokeAsyncOfT_ReadsTheWorkersCamelCase_NotAnEmptyObject()
    {
        await using var h = Issue18Host.Create();
        await h.Host.LoadAsync(h.Hello("t.json"), new PluginLoadOptions { Level = "sandboxed" });

        // The issue's report, word for word: the worker answers {"city":"tokyo","tempC":21}.
        var raw = await h.Host.InvokeAsync("t.json", "echo", JsonDocument.Parse("""{"city":"tokyo","tempC":21}""").RootElement);
        raw.GetRawText().ShouldContain("\"tempC\":21");
        raw.Deserialize<Forecast>().ShouldBe(new Forecast(null!, 0), "the serializer's own defaults (PascalCase) read nothing: the issue's report");
        var forecast = await h.Host.InvokeAsync<Forecast>("t.json", "echo", new Forecast("tokyo", 21));
        forecast.ShouldBe(new Forecast("tokyo", 21));

        // No input at all, and a cancellation token without JSON options, read as an application writes them.
        (await h.Host.InvokeAsync<int>("t.json", "count")).ShouldBe(1);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        (await h.Host.InvokeAsync<int>("t.json", "count", null, cts.Token)).ShouldBe(2);

        // A typed input is written as the worker reads it, and a typed result read as the worker writes it.
        var greeting = await h.Host.InvokeAsync<GreetOutput>("t.json", "greet", new Greeting("Ada"));
        greeting.ShouldNotBeNull().Message.ShouldBe("Hello, Ada!");

        // What crosses the wire for a typed input is camelCase, as the worker's own results are.
        var echoed = await h.Host.InvokeAsync("t.json", "echo", JsonSerializer.SerializeToElement(new Forecast("oslo", -3), StockadeJson.Options));
        echoed.GetRawText().ShouldBe("""{"city":"oslo","tempC":-3}""");
    }

    [Fact]
    public void StockadeJson_Options_AreTheWebConventions_ReadOnly_AndShared()
    {
        var options = StockadeJson.Options;
        options.IsReadOnly.ShouldBeTrue("one shared object: a caller must not change what every call uses");
        options.PropertyNamingPolicy.ShouldBe(JsonNamingPolicy.CamelCase);
        options.PropertyNameCaseInsensitive.ShouldBeTrue();
        JsonSerializer.Serialize(new Forecast("tokyo", 21), options).ShouldBe("""{"city":"tokyo","tempC":21}""");
        JsonSerializer.Deserialize<Forecast>("""{"City":"tokyo","TEMPC":21}""", options).ShouldBe(new Forecast("tokyo", 21));
        StockadeJson.Options.ShouldBeSameAs(options);
    }

    [Fact]
    public async Task InvokeAsyncOfT_AResultThatDoesNotFitTheType_IsAPluginFailure_NamingTheType_NotAJsonException()
    {
        await using var h = Issue18Host.Create();
        await h.Host.LoadAsync(h.Hello("t.misfit"), new PluginLoadOptions { Level = "sandboxed" });

        var ex = await Should.ThrowAsync<PluginFailedException>(() => h.Host.InvokeAsync<Forecast>("t.misfit", "echo", new[] { 1, 2 }));
        ex.Message.ShouldContain(nameof(Forecast));
        ex.Message.ShouldContain("'echo'");
        ex.NextStep.ShouldNotBeNull();
        ex.InnerException.ShouldBeOfType<JsonException>();
    }

    [Fact]
    public async Task EmptyJsonElement_AsAspNetGivesForNoBody_IsNoInput_NotASerializerStackTrace()
    {
        await using var h = Issue18Host.Create();
        await h.Host.LoadAsync(h.Hello("t.empty"), new PluginLoadOptions { Level = "sandboxed" });

        var none = default(JsonElement);
        none.ValueKind.ShouldBe(JsonValueKind.Undefined);

        // "count" takes no input: an undefined element is no input, and it answers.
        (await h.Host.InvokeAsync("t.empty", "count", none)).GetInt32().ShouldBe(1);
        (await h.Host.InvokeAsync<int>("t.empty", "count", none)).ShouldBe(2);
        (await h.Host.InvokeAsync<int>("t.empty", "count", (object)none)).ShouldBe(3);
        JsonElement? boxed = none;
        (await h.Host.InvokeAsync("t.empty", "count", boxed)).GetInt32().ShouldBe(4);

        // "greet" needs one: the plugin's own binding says so, as for a call with no input at all.
        var withNull = await Should.ThrowAsync<PluginFailedException>(() => h.Host.InvokeAsync("t.empty", "greet", null));
        var withNone = await Should.ThrowAsync<PluginFailedException>(() => h.Host.InvokeAsync("t.empty", "greet", none));
        withNone.Message.ShouldBe(withNull.Message);
        withNone.Message.ShouldNotContain("Operation is not valid");

        // A hook with an undefined payload is delivered too.
        var hook = await h.Host.FireHookAsync("nobody.listens", none);
        hook.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null)] // a uid of its own (root host)
    [InlineData(65534)] // nobody
    public async Task CallAfterATimeout_GetsAFreshWorker_IsNotACrash_AndNeverDisablesThePlugin(int? workerUid)
    {
        await using var h = Issue18Host.Create(o => (o.WorkerUserId, o.WorkerGroupId) = (workerUid, workerUid)); // MaxRestarts = 2: three crashes would disable it
        await h.Host.LoadAsync(h.Hello("t.timeout", callTimeout: "3s"), new PluginLoadOptions { Level = "sandboxed" });

        for (var round = 1; round <= 4; round++)
        {
            var before = h.Host.Plugins.Single().ProcessId;
            var timeout = await Should.ThrowAsync<PluginTimeoutException>(() => h.Host.InvokeAsync("t.timeout", "hang"));
            timeout.Message.ShouldNotContain("crash");

            // Right after: a fresh worker answers; nothing is reported as crashed.
            var answer = await h.Host.InvokeAsync<GreetOutput>("t.timeout", "greet", new Greeting($"round {round}"));
            answer.ShouldNotBeNull().Message.ShouldBe($"Hello, round {round}!");
            h.Host.Plugins.Single().ProcessId.ShouldNotBe(before);
        }

        h.Events.Count(e => e.Kind == PluginEventKind.TimedOut).ShouldBe(4);
        h.Events.ShouldNotContain(e => e.Kind == PluginEventKind.Crashed, "a timeout is not a crash");
        h.Events.ShouldNotContain(e => e.Kind == PluginEventKind.Disabled, "timeouts do not spend the restart budget");
        h.Host.Plugins.Single().Id.ShouldBe("t.timeout");
    }
}
