using System.Globalization;
using System.Text.Json;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue19;

/// <summary>
/// The NativeAOT sample (<c>runtime: native</c>, samples/plugins/hello-csharp-native) through the real host at every
/// level: one executable carrying the SDK's protocol server, started by the launcher like any executable plugin. At
/// sandboxed and strict the launcher applies Landlock and the NativeAOT seccomp profile and runs the canary before the
/// exec, and the kernel refuses what the plugin was not granted.
/// </summary>
[Trait("Issue", "19")]
public abstract class Issue19NativePluginTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private PluginHost Host => fixture.Host;

    [Theory]
    [InlineData("unrestricted")]
    [InlineData("limited")]
    [InlineData("sandboxed")]
    [InlineData("strict")]
    public async Task NativeSample_AtEveryLevel_AnswersInitializeAndInvoke(string level)
    {
        var id = Id("native-" + level);
        var loaded = await Host.LoadAsync(StrictSigning.ForLevel(Host, Copy(id), level), new PluginLoadOptions { Level = level, Grants = ["file:write=$PLUGIN_DATA/**"] });

        loaded.Methods.ShouldBe(["greet", "count", "read", "sleep", "throw"], ignoreOrder: true);
        (await Host.InvokeAsync<JsonElement>(id, "greet", new { name = "Ada" }, JsonSerializerOptions.Web)).GetProperty("message").GetString().ShouldBe("Hello, Ada!");
        (await Host.InvokeAsync<int>(id, "count")).ShouldBe(1);
        (await Host.InvokeAsync<int>(id, "count")).ShouldBe(2); // written and read back in $PLUGIN_DATA
        (await Host.InvokeAsync<int>(id, "sleep", new { ms = 5 })).ShouldBe(5);

        var thrown = await Should.ThrowAsync<PluginFailedException>(() => Host.InvokeAsync(id, "throw"));
        thrown.Kind.ShouldBe(PluginFailureKind.Threw);
        thrown.RemoteType.ShouldBe("System.InvalidOperationException");

        // Still serving after a plugin error.
        (await Host.InvokeAsync<JsonElement>(id, "greet", new { name = "Bo" }, JsonSerializerOptions.Web)).GetProperty("message").GetString().ShouldBe("Hello, Bo!");
    }

    [Theory]
    [InlineData("unrestricted")]
    [InlineData("limited")]
    [InlineData("sandboxed")]
    [InlineData("strict")]
    public async Task NativeSample_ReadsOutsideItsGrants_OnlyWithoutLandlock(string level)
    {
        var id = Id("native-read-" + level);
        await Host.LoadAsync(StrictSigning.ForLevel(Host, Copy(id), level), new PluginLoadOptions { Level = level, Grants = ["file:write=$PLUGIN_DATA/**"] });

        var read = () => Host.InvokeAsync<JsonElement>(id, "read", new { path = fixture.World.Secret }, JsonSerializerOptions.Web);
        if (level is "sandboxed" or "strict")
        {
            var refused = await Should.ThrowAsync<PluginException>(read);
            refused.Message.ShouldContain(fixture.World.Secret);
        }
        else
        {
            // unrestricted and limited have no kernel confinement (limited says so: broker checks only).
            (await read()).GetProperty("text").GetString().ShouldNotBeNullOrEmpty();
        }
    }

    [Fact]
    public async Task NativeSample_Sandboxed_RunsUnderSeccompWithNoNewPrivilegesAsTheWorkerUser()
    {
        var id = Id("native-status");
        var loaded = await Host.LoadAsync(Copy(id), new PluginLoadOptions { Level = "sandboxed", Grants = ["file:write=$PLUGIN_DATA/**"] });
        var pid = loaded.ProcessId.ShouldNotBeNull();

        var status = File.ReadAllLines($"/proc/{pid}/status");
        Field(status, "Seccomp").ShouldBe("2");
        Field(status, "NoNewPrivs").ShouldBe("1");
        Field(status, "CapEff").ShouldBe("0000000000000000");
        var uid = Field(status, "Uid").Split('\t')[0];
        if (fixture.WorkerUid is int expected)
        {
            uid.ShouldBe(expected.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            uid.ShouldNotBe("0", "a root host runs each worker as a dedicated unprivileged uid");
        }

        File.ReadAllText($"/proc/{pid}/comm").Trim().ShouldBe("hello-native"); // the launcher exec'd the plugin itself
        (await Host.InvokeAsync<int>(id, "count")).ShouldBe(1);
    }

    [Fact]
    public async Task NativeSample_BadInput_IsTheCallersError()
    {
        var id = Id("native-input");
        await Host.LoadAsync(Copy(id), new PluginLoadOptions { Level = "sandboxed", Grants = ["file:write=$PLUGIN_DATA/**"] });

        var refused = await Should.ThrowAsync<PluginException>(() => Host.InvokeAsync<JsonElement>(id, "greet", new { nom = "Ada" }, JsonSerializerOptions.Web));

        refused.Message.ShouldContain("'greet'");
        refused.Message.ShouldContain("GreetInput");
        (await Host.InvokeAsync<JsonElement>(id, "greet", new { name = "Ada" }, JsonSerializerOptions.Web)).GetProperty("message").GetString().ShouldBe("Hello, Ada!");
    }

    /// <summary>
    /// Installed, not run from its folder: the install copy makes every file 0444, so the launcher's execve of the native
    /// entry was refused (EACCES) until the copy kept that one file executable — and only that one.
    /// </summary>
    [Fact]
    public async Task NativeSample_Installed_RunsFromTheReadOnlyCopy_WhereOnlyTheEntryIsExecutable()
    {
        var id = Id("native-installed");
        new PluginInstaller(Host).Install(Copy(id), new InstallOptions { Grants = ["file:write=$PLUGIN_DATA/**"], Level = "sandboxed" });

        var loaded = await Host.LoadAsync(id, new PluginLoadOptions { Level = "sandboxed" });
        (await Host.InvokeAsync<JsonElement>(id, "greet", new { name = "Ada" }, JsonSerializerOptions.Web)).GetProperty("message").GetString().ShouldBe("Hello, Ada!");

        var copy = loaded.Directory;
        var executable = Directory.EnumerateFiles(copy, "*", SearchOption.AllDirectories)
            .Where(f => (File.GetUnixFileMode(f) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            .Select(f => Path.GetRelativePath(copy, f)).ToList();
        executable.ShouldBe(["bin/hello-native"]);
        File.GetUnixFileMode(Path.Combine(copy, "bin", "hello-native")).ShouldBe((UnixFileMode)0b101_101_101);
        File.GetUnixFileMode(Path.Combine(copy, "plugin.yaml")).ShouldBe((UnixFileMode)0b100_100_100);
    }

    private string Id(string name) => $"t.{name}-{fixture.WorkerUid?.ToString(CultureInfo.InvariantCulture) ?? "root"}";

    // The sample's manifest (runtime: native, entry: bin/hello-native) under the test's own identity.
    private string Copy(string id)
    {
        var binary = Path.Combine(HostWorld.SamplesDirectory, "hello-csharp-native", "bin", "hello-native");
        File.Exists(binary).ShouldBeTrue($"{binary} is published by building samples/plugins/hello-csharp-native (the test project builds it)");
        var manifest = string.Join('\n', File.ReadAllLines(Path.Combine(HostWorld.SamplesDirectory, "hello-csharp-native", "plugin.yaml"))
            .Where(l => !l.StartsWith("id:", StringComparison.Ordinal) && !l.StartsWith("name:", StringComparison.Ordinal)
                && !l.StartsWith("version:", StringComparison.Ordinal) && !l.StartsWith("publisher:", StringComparison.Ordinal)));
        return fixture.World.Plugin("hello-csharp-native", id, manifest);
    }

    private static string Field(string[] status, string name) =>
        status.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
}

public sealed class Issue19NativePluginAsRootTests(RootHostFixture fixture) : Issue19NativePluginTests<RootHostFixture>(fixture);

public sealed class Issue19NativePluginAsNobodyTests(NobodyHostFixture fixture) : Issue19NativePluginTests<NobodyHostFixture>(fixture);
