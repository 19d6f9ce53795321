using System.Text.Json;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// The Python and Node samples through the real host at <c>sandboxed</c>: the launcher installs their profile's
/// allow-list (Python, Node) and runs the canary before exec, and the plugins still answer, many times over.
/// </summary>
public abstract class ScriptSampleTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private PluginHost Host => fixture.Host;

    [Fact]
    public async Task HelloPython_UnderItsProfile_AnswersManyCalls()
    {
        string id = "t.hello-python-" + (fixture.WorkerUid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "root");
        await Host.LoadAsync(fixture.World.Plugin("hello-python", id, Manifest("hello-python")), new PluginLoadOptions { Level = "sandboxed" });

        for (int i = 0; i < 50; i++)
        {
            var answer = await Host.InvokeAsync<JsonElement>(id, "add", new { a = i, b = 1 }, JsonSerializerOptions.Web);
            answer.GetProperty("sum").GetInt32().ShouldBe(i + 1);
        }
    }

    [Fact]
    public async Task HelloNode_UnderItsProfile_AnswersAndUsesTimersFilesAndCrypto()
    {
        string id = "t.hello-node-" + (fixture.WorkerUid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "root");
        await Host.LoadAsync(fixture.World.Plugin("hello-node", id, Manifest("hello-node")), new PluginLoadOptions { Level = "sandboxed" });

        (await Host.InvokeAsync<JsonElement>(id, "greet", new { name = "Ada" }, JsonSerializerOptions.Web)).GetProperty("message").GetString().ShouldBe("Hello, Ada!");
        for (int i = 0; i < 50; i++)
        {
            var answer = await Host.InvokeAsync<JsonElement>(id, "remember", new { text = "kept " + i }, JsonSerializerOptions.Web);
            answer.GetProperty("text").GetString().ShouldBe("kept " + i);
            answer.GetProperty("sha256").GetString()!.Length.ShouldBe(64);
        }
    }

    // The sample's manifest without the identity lines, so the test's own id applies.
    private static string Manifest(string sample) =>
        string.Join('\n', File.ReadAllLines(Path.Combine(HostWorld.SamplesDirectory, sample, "plugin.yaml"))
            .Where(l => !l.StartsWith("id:", StringComparison.Ordinal) && !l.StartsWith("name:", StringComparison.Ordinal)
                && !l.StartsWith("version:", StringComparison.Ordinal) && !l.StartsWith("publisher:", StringComparison.Ordinal)));
}

public sealed class ScriptSampleAsRootTests(RootHostFixture fixture) : ScriptSampleTests<RootHostFixture>(fixture);

public sealed class ScriptSampleAsNobodyTests(NobodyHostFixture fixture) : ScriptSampleTests<NobodyHostFixture>(fixture);
