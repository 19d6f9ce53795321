namespace Stockade.Protocol.Tests;

public sealed class PythonPluginTests
{
    private static string Script => Path.Combine(WorkerProcess.RepositoryRoot, "samples", "plugins", "hello-python", "plugin.py");

    [PythonFact]
    public async Task Invoke_PythonSample_GreetsAddsAndShutsDown()
    {
        await using var worker = WorkerProcess.Start("/usr/bin/python3", Script);

        var initialized = await worker.InitializeAsync(Path.GetTempPath());
        var greeting = await worker.InvokeAsync("greet", """{"name":"Ada"}""");
        var sum = await worker.InvokeAsync("add", """{"a":2,"b":40}""");
        var missing = await Should.ThrowAsync<RemoteRpcException>(() => worker.InvokeAsync("add", """{"a":2}"""));
        await worker.Peer.InvokeAsync(ProtocolMethods.Shutdown).WaitAsync(TimeSpan.FromSeconds(10));

        initialized.ShouldNotBeNull().Methods.ShouldBe(["add", "greet"]);
        greeting.GetProperty("message").GetString().ShouldBe("Hello, Ada!");
        sum.GetProperty("sum").GetInt32().ShouldBe(42);
        missing.Code.ShouldBe(RpcErrorCode.InvalidParams);
        (await worker.WaitForExitAsync()).ShouldBe(0);
    }
}

// Skips where the sample's interpreter is missing instead of failing.
internal sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            Skip = "/usr/bin/python3 is not installed; the Python sample cannot run";
        }
    }
}
