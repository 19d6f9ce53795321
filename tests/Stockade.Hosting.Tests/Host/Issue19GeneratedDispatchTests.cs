using System.Text.Json;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Issue 19: the hello sample is built with the SDK's source generator (and ReadyToRun); confined workers serve it through
/// the generated dispatch table, as root and as uid 65534, with the same answers and input errors as reflection gave.
/// </summary>
[Trait("Issue", "19")]
public abstract class Issue19GeneratedDispatchTests<TFixture> : IAsyncLifetime
    where TFixture : HostFixture, new()
{
    private readonly TFixture _fixture = new();

    private PluginHost Host => _fixture.Host;

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [Fact]
    public async Task InvokeAsync_GeneratedTable_AnswersConfined()
    {
        var dir = _fixture.World.Plugin("hello-csharp", "t.gen", """
            runtime: dotnet
            entry: bin/HelloPlugin.dll
            entryType: Samples.Hello.HelloPlugin
            timeouts: { init: 30s, call: 10s }
            """);
        File.ReadAllText(Path.Combine(dir, "bin", "HelloPlugin.dll")).ShouldContain("HelloPluginDispatchTable", customMessage: "the sample is built with the generator");
        await Host.LoadAsync(dir, new PluginLoadOptions { Level = "sandboxed" });

        var greeting = await Host.InvokeAsync("t.gen", "greet", JsonSerializer.SerializeToElement(new { name = "Ada" }));
        var echo = await Host.InvokeAsync("t.gen", "echo", JsonSerializer.SerializeToElement(new[] { 1, 2 }));
        var missing = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.gen", "greet"));
        var misfit = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync("t.gen", "greet", JsonSerializer.SerializeToElement(new { name = 5 })));

        greeting.GetProperty("message").GetString().ShouldBe("Hello, Ada!");
        echo.GetRawText().ShouldBe("[1,2]");
        missing.Message.ShouldContain("'greet' needs an input of type GreetInput");
        misfit.Message.ShouldContain("the input of 'greet' does not fit GreetInput");
        // Bad input is the caller's error: the worker keeps serving.
        (await Host.InvokeAsync("t.gen", "greet", JsonSerializer.SerializeToElement(new { name = "Grace" }))).GetProperty("message").GetString().ShouldBe("Hello, Grace!");
    }
}

/// <summary>Workers as root.</summary>
public sealed class Issue19GeneratedDispatchRootTests : Issue19GeneratedDispatchTests<RootHostFixture>;

/// <summary>Workers as nobody (uid 65534).</summary>
public sealed class Issue19GeneratedDispatchNobodyTests : Issue19GeneratedDispatchTests<NobodyHostFixture>;
