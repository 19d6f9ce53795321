using System.Globalization;
using System.Text.Json;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// Issue 18, item 7: plugins written on the Python and Node helpers that <c>stockade init --lang python|node</c> ships
/// (templates/content/stockade-plugin-*/stockade.{py,js}) run confined in real workers at <c>sandboxed</c> (each under
/// its interpreter's runtime profile), as root and as uid 65534: brokered calls work when granted, a refusal the plugin
/// does not catch reaches the app as a permission denial naming the permission, one it catches is visible to it, and a
/// kernel denial is reported with the grant that would allow it.
/// </summary>
[Trait("Issue", "18")]
public abstract class Issue18ScriptHelperTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private PluginHost Host => fixture.Host;

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Helper_GrantedStore_RoundTripsThroughTheBroker_AndPrintsNeverBreakTheProtocol(string lang)
    {
        var id = await InstallAsync(lang, "store");

        var answer = await Host.InvokeAsync(id, "remember", Json(new { key = "today", value = "tea" }));

        answer.GetProperty("value").GetString().ShouldBe("tea", answer.ToString());
        answer.GetProperty("keys").EnumerateArray().Select(k => k.GetString()).ShouldBe(["notes/today"]);
        answer.GetProperty("missing").ValueKind.ShouldBe(JsonValueKind.Null);
        answer.GetProperty("plugin").GetString().ShouldBe(id);
        Encoding(Host.Store.GetValue(id, "notes", "today")).ShouldBe("tea");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Helper_GrantedConfig_WritesAndReadsJsonThroughTheBroker(string lang)
    {
        var id = await InstallAsync(lang, "config");

        var answer = await Host.InvokeAsync(id, "theme", Json(new { dark = true, size = 3 }));

        answer.GetProperty("before").GetString().ShouldBe("unset", answer.ToString());
        answer.GetProperty("after").GetProperty("dark").GetBoolean().ShouldBeTrue();
        answer.GetProperty("after").GetProperty("size").GetInt32().ShouldBe(3);
        using var stored = JsonDocument.Parse(Host.Store.GetConfig(id, "theme").ShouldNotBeNull());
        stored.RootElement.GetProperty("size").GetInt32().ShouldBe(3);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Helper_UncaughtBrokerRefusal_ReachesTheAppAsPermissionDenied_NamingThePermission(string lang)
    {
        var id = await InstallAsync(lang, "sneak");

        var ex = await Should.ThrowAsync<PluginPermissionDeniedException>(() => Host.InvokeAsync(id, "sneak", Json(new { })));

        ex.Permission.ShouldBe("database:write=secrets");
        ex.Layer.ShouldBe("broker");
        Host.Store.GetValue(id, "secrets", "stolen").ShouldBeNull();

        // The worker keeps serving after the refusal.
        (await Host.InvokeAsync(id, "remember", Json(new { key = "after", value = "ok" }))).GetProperty("value").GetString().ShouldBe("ok");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Helper_CaughtBrokerRefusal_ThePluginSeesTheCodeAndPermission(string lang)
    {
        var id = await InstallAsync(lang, "fetch");

        var answer = await Host.InvokeAsync(id, "fetch", Json(new { url = "https://api.example.com/v1/quote" }));

        answer.GetProperty("ok").GetBoolean().ShouldBeFalse(answer.ToString());
        answer.GetProperty("code").GetString().ShouldBe("permission_denied");
        answer.GetProperty("permission").GetString().ShouldNotBeNull().ShouldStartWith("network:request=api.example.com");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Helper_KernelDenial_IsReportedWithTheGrantThatWouldAllowIt(string lang)
    {
        var id = await InstallAsync(lang, "kernel");

        var ex = await Should.ThrowAsync<PluginPermissionDeniedException>(() => Host.InvokeAsync(id, "read", Json(new { path = fixture.World.Secret })));

        ex.Layer.ShouldBe("kernel");
        ex.Resource.ShouldBe(fixture.World.Secret);
        ex.Permission.ShouldBe("file:read=" + fixture.World.Secret);
        ex.Message.ShouldNotContain("the host's secret");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Helper_InvalidInput_IsAnErrorWithThePluginsMessage_AndTheWorkerKeepsServing(string lang)
    {
        var id = await InstallAsync(lang, "bad");

        var ex = await Should.ThrowAsync<PluginException>(() => Host.InvokeAsync(id, "bad", Json(new { })));

        ex.Message.ShouldContain("'size' must be a number");
        (await Host.InvokeAsync(id, "remember", Json(new { key = "k", value = "v" }))).GetProperty("value").GetString().ShouldBe("v");
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    public async Task Helper_ConcurrentCalls_WhileBrokeredCallsWait_EachGetsItsOwnAnswer(string lang)
    {
        // The host sends the calls at once: Python's helper queues those that arrive while a store call waits for its
        // answer, Node's runs them side by side; either way every answer must reach its own caller.
        var id = await InstallAsync(lang, "concurrent");

        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            Host.InvokeAsync(id, "remember", Json(new { key = "k" + i, value = "v" + i }))));

        for (var i = 0; i < answers.Length; i++)
        {
            answers[i].GetProperty("value").GetString().ShouldBe("v" + i);
        }

        Host.Store.ListKeys(id, "notes", null).Count.ShouldBe(24);
    }

    [Theory]
    [InlineData("node", "/usr/lib/python3.11/os.py")]
    [InlineData("python", "/etc/ssl/openssl.cnf")]
    public async Task RuntimeProfile_AnInterpreterGetsOnlyWhatItNeeds_NotWhatAnotherOneNeeds(string lang, string otherRuntimesFile)
    {
        File.Exists(otherRuntimesFile).ShouldBeTrue($"the probe reads {otherRuntimesFile}, which this machine (Debian 12, Python 3.11, Node 20) has");

        var id = await InstallAsync(lang, "profile");

        var ex = await Should.ThrowAsync<PluginPermissionDeniedException>(() => Host.InvokeAsync(id, "read", Json(new { path = otherRuntimesFile })));

        ex.Layer.ShouldBe("kernel");
        ex.Resource.ShouldBe(otherRuntimesFile);
    }

    /// <summary>The helper and the probe in a plugin folder, installed with <c>database:write=notes</c> and <c>config:write=theme</c> granted, loaded at sandboxed.</summary>
    private async Task<string> InstallAsync(string lang, string name)
    {
        var who = fixture.WorkerUid?.ToString(CultureInfo.InvariantCulture) ?? "root";
        var id = $"t.helper-{lang}-{name}-{who}";
        var folder = Path.Combine(fixture.World.Plugins, id);
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        var (helper, entry, interpreter) = lang == "python"
            ? ("stockade-plugin-python/stockade.py", "plugin.py", "/usr/bin/python3")
            : ("stockade-plugin-node/stockade.js", "plugin.js", "/usr/bin/node");
        Copy(Path.Combine(Templates, helper), Path.Combine(folder, Path.GetFileName(helper)));
        Copy(Path.Combine(Probes, lang == "python" ? "probe.py" : "probe.js"), Path.Combine(folder, entry));
        File.WriteAllText(Path.Combine(folder, "plugin.yaml"), $"""
            id: {id}
            name: {id}
            version: 1.0.0
            publisher: tests
            runtime: process
            entry: {entry}
            interpreter: {interpreter}
            timeouts: {"{"} init: 30s, call: 20s, hook: 5s {"}"}
            resources: {"{"} memoryMb: 256, openFiles: 64 {"}"}
            permissions:
              required:
                - permission: database:write=notes
                  reason: tests
                - permission: config:write=theme
                  reason: tests
            """);
        File.SetUnixFileMode(Path.Combine(folder, "plugin.yaml"), (UnixFileMode)0b110_100_100);
        new PluginInstaller(Host).Install(folder, new InstallOptions { Grants = ["database:write=notes", "config:write=theme"], Level = "sandboxed" });
        await Host.LoadAsync(id, new PluginLoadOptions { Level = "sandboxed" });
        return id;
    }

    private static string Templates => Path.Combine(HostWorld.SamplesDirectory, "..", "..", "templates", "content");

    private static string Probes => Path.Combine(HostWorld.SamplesDirectory, "..", "..", "tests", "Stockade.Hosting.Tests", "Issue18", "Plugins");

    private static void Copy(string source, string target)
    {
        File.Copy(source, target, overwrite: true);
        File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
    }

    private static string? Encoding(byte[]? value) => value is null ? null : System.Text.Encoding.UTF8.GetString(value);

    private static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);
}

/// <summary>Workers run as root.</summary>
public sealed class Issue18ScriptHelperAsRootTests(RootHostFixture fixture) : Issue18ScriptHelperTests<RootHostFixture>(fixture);

/// <summary>Workers run as nobody (65534).</summary>
public sealed class Issue18ScriptHelperAsNobodyTests(NobodyHostFixture fixture) : Issue18ScriptHelperTests<NobodyHostFixture>(fixture);
