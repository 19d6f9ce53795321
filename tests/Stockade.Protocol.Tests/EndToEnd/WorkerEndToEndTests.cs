using System.Text.Json;

namespace Stockade.Protocol.Tests;

public sealed class WorkerEndToEndTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("stockade-e2e-").FullName;

    [Fact]
    public async Task Initialize_HelloSample_ListsMethodsAndLogsThroughHost()
    {
        await using var worker = WorkerProcess.StartHello();

        var result = await worker.InitializeAsync(_dataDirectory);

        result.ShouldNotBeNull();
        result.Methods.ShouldBe(["greet", "count", "echo", "sleep", "hang", "trace", "crash", "throw"], ignoreOrder: true);
        result.SdkVersion.ShouldBe(ProtocolMethods.SdkVersion);
        await WaitUntilAsync(() => worker.Logs.Count > 0);
        worker.Logs[0].Message.ShouldContain(_dataDirectory);
    }

    [Fact]
    public async Task Invoke_GreetWhichWritesToConsole_AnswersAndConsoleGoesToStderr()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        var first = await worker.InvokeAsync("greet", """{"name":"Ada"}""");
        var second = await worker.InvokeAsync("greet", """{"name":"Grace"}""");

        first.GetProperty("message").GetString().ShouldBe("Hello, Ada!");
        second.GetProperty("message").GetString().ShouldBe("Hello, Grace!");
        await WaitUntilAsync(() => worker.Stderr.Contains("greeting Grace", StringComparison.Ordinal));
        worker.Peer.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task Invoke_PluginThrows_StructuredErrorAndNextCallWorks()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        var error = await Should.ThrowAsync<RemoteRpcException>(() => worker.InvokeAsync("throw"));
        var count = await worker.InvokeAsync("count");

        error.Code.ShouldBe(RpcErrorCode.PluginError);
        var data = error.Data.ShouldNotBeNull();
        data.GetProperty("type").GetString().ShouldBe("System.InvalidOperationException");
        data.GetProperty("message").GetString().ShouldBe("the hello sample throws on request");
        var stackTrace = data.GetProperty("stackTrace").GetString().ShouldNotBeNull();
        stackTrace.ShouldContain("Samples.Hello.HelloPlugin.Throw");
        stackTrace.ShouldNotContain("Stockade.Worker");
        count.GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Invoke_CountTwice_PersistsInDataDirectory()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        await worker.InvokeAsync("count");
        var second = await worker.InvokeAsync("count");

        second.GetInt32().ShouldBe(2);
        (await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "counter.txt"))).ShouldBe("2");
    }

    [Theory]
    [InlineData("greet", """{"nickname":"x"}""")]
    [InlineData("sleep", """{"ms":"soon"}""")]
    [InlineData("sleep", null)]
    public async Task Invoke_InputDoesNotBind_InvalidParams(string method, string? input)
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        var error = await Should.ThrowAsync<RemoteRpcException>(() => worker.InvokeAsync(method, input));

        error.Code.ShouldBe(RpcErrorCode.InvalidParams);
        error.Message.ShouldContain(method);
    }

    [Fact]
    public async Task Invoke_UnknownPluginMethod_NotFoundListingWhatExists()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        var error = await Should.ThrowAsync<RemoteRpcException>(() => worker.InvokeAsync("fly"));

        error.Code.ShouldBe(RpcErrorCode.NotFound);
        error.Message.ShouldContain("greet");
    }

    [Fact]
    public async Task Invoke_EchoJson_ReturnsItUnchanged()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        var echoed = await worker.InvokeAsync("echo", """{"a":[1,2,{"b":null}],"c":"ünï"}""");

        JsonElement.DeepEquals(echoed, JsonDocument.Parse("""{"a":[1,2,{"b":null}],"c":"ünï"}""").RootElement).ShouldBeTrue();
        echoed.GetProperty("c").GetString().ShouldBe("ünï");
    }

    [Fact]
    public async Task Invoke_CallerCancelsSleep_CallCancelledAndWorkerKeepsServing()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Should.ThrowAsync<OperationCanceledException>(() => worker.InvokeAsync("sleep", """{"ms":60000}""", cancel.Token));
        var echoed = await worker.InvokeAsync("echo", "[true]");

        echoed[0].GetBoolean().ShouldBeTrue();
        worker.Peer.ViolationReason.ShouldBeNull();
    }

    [Fact]
    public async Task Invoke_BeforeInitialize_InvalidParams()
    {
        await using var worker = WorkerProcess.StartHello();

        var error = await Should.ThrowAsync<RemoteRpcException>(() => worker.InvokeAsync("greet", """{"name":"x"}"""));

        error.Code.ShouldBe(RpcErrorCode.InvalidParams);
        error.Message.ShouldContain("initialize");
    }

    [Fact]
    public async Task Shutdown_AfterCalls_AnswersNullAndExitsZero()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        var result = await worker.Peer.InvokeAsync(ProtocolMethods.Shutdown).WaitAsync(TimeSpan.FromSeconds(30));

        result.ValueKind.ShouldBe(JsonValueKind.Null);
        (await worker.WaitForExitAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Crash_FailFast_PendingCallFailsAndConnectionCloses()
    {
        await using var worker = WorkerProcess.StartHello();
        await worker.InitializeAsync(_dataDirectory);

        await Should.ThrowAsync<IOException>(() => worker.InvokeAsync("crash"));

        (await worker.WaitForExitAsync()).ShouldNotBe(0);
        worker.Peer.ViolationReason.ShouldBeNull();
    }

    [Theory]
    [InlineData("bin/Missing.dll", "does not exist")]
    [InlineData("../../../etc/passwd", "outside the plugin folder")]
    [InlineData("plugin.yaml", "not a loadable .NET assembly")]
    public async Task Start_BadEntry_ExitsTwoWithReasonOnStderr(string entry, string reason)
    {
        await using var worker = WorkerProcess.Start("dotnet", WorkerProcess.WorkerDll, "--plugin-dir", WorkerProcess.HelloPluginDirectory, "--entry", entry);

        (await worker.WaitForExitAsync()).ShouldBe(2);
        await WaitUntilAsync(() => worker.Stderr.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_TypeThatIsNotAPlugin_ExitsTwo()
    {
        await using var worker = WorkerProcess.Start(
            "dotnet", WorkerProcess.WorkerDll, "--plugin-dir", WorkerProcess.HelloPluginDirectory, "--entry", "bin/HelloPlugin.dll", "--type", "Samples.Hello.GreetInput");

        (await worker.WaitForExitAsync()).ShouldBe(2);
        await WaitUntilAsync(() => worker.Stderr.Contains("entryType", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_SeccompWithoutLandlock_RefusesToLoadThePlugin()
    {
        await using var worker = WorkerProcess.Start(
            "dotnet", WorkerProcess.WorkerDll, "--plugin-dir", WorkerProcess.HelloPluginDirectory, "--entry", "bin/HelloPlugin.dll", "--seccomp");

        (await worker.WaitForExitAsync()).ShouldBe(Stockade.Linux.Launch.SandboxExitCodes.WorkerConfinementFailed); // 72: no longer the launcher's setup-failure 70
        // Started without the launcher there is no Landlock domain: as root the filter installs but the
        // canary reads /etc/passwd; unprivileged, seccomp cannot install without no_new_privs. Both refuse.
        await WaitUntilAsync(() => worker.Stderr.Contains("canary self-test found a hole", StringComparison.Ordinal)
            || worker.Stderr.Contains("seccomp could not be installed", StringComparison.Ordinal));
        worker.Stderr.ShouldNotContain("Hello");
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            waited.ShouldBeLessThan(10_000, "the condition did not become true within 10 s");
            await Task.Delay(20);
        }
    }
}
