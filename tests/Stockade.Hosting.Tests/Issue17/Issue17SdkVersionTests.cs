using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue17;

/// <summary>
/// Issue 17: a plugin built against a newer Stockade.Plugin than the worker carries is refused at load with the fix,
/// not left to fail later with a missing method. The sample's real build, its reference rewritten to 9.9.0.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17SdkVersionTests : IDisposable
{
    private readonly HostWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task PluginBuiltAgainstANewerSdk_IsRefusedAtLoad_NamingBothVersionsAndTheFix()
    {
        var plugin = _world.Plugin("hello-csharp", "t.newer-sdk", """
            runtime: dotnet
            entry: bin/HelloPlugin.dll
            entryType: Samples.Hello.HelloPlugin
            timeouts: { init: 30s, call: 10s, hook: 5s }
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: keeps its counter there
            resources: { memoryMb: 256, openFiles: 128 }
            """);
        var own = typeof(Stockade.Plugin.IPlugin).Assembly.GetName().Version!;
        RewriteSdkReference(Path.Combine(plugin, "bin", "HelloPlugin.dll"), new Version(9, 9, 0, 0));
        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home });

        var ex = await Should.ThrowAsync<PluginFailedException>(() => host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" }));

        var said = ex.Message + "\n" + string.Join("\n", ex.WorkerOutput);
        said.ShouldContain($"the plugin was built against Stockade.Plugin 9.9.0, newer than the {own.ToString(3)} this host carries");
        said.ShouldContain("update the host's Stockade.Hosting package (or the stockade tool) to 9.9.0 or later");
    }

    [Fact]
    public async Task PluginBuiltAgainstTheSameSdk_StillLoads()
    {
        var plugin = _world.Plugin("hello-csharp", "t.same-sdk", """
            runtime: dotnet
            entry: bin/HelloPlugin.dll
            entryType: Samples.Hello.HelloPlugin
            timeouts: { init: 30s, call: 10s, hook: 5s }
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: keeps its counter there
            resources: { memoryMb: 256, openFiles: 128 }
            """);
        await using var host = new PluginHost(new PluginHostOptions { Home = _world.Home });

        await host.LoadAsync(plugin, new PluginLoadOptions { Level = "sandboxed" });

        (await host.InvokeAsync("t.same-sdk", "greet", HostWorld.Json(new { name = "Ada" }))).ToString().ShouldContain("Ada");
    }

    // Writes a new version into the AssemblyRef row of Stockade.Plugin (its first four 16-bit fields).
    private static void RewriteSdkReference(string path, Version version)
    {
        var bytes = File.ReadAllBytes(path);
        int offset;
        using (var pe = new PEReader(new MemoryStream(bytes)))
        {
            var reader = pe.GetMetadataReader();
            var handle = reader.AssemblyReferences.Single(h => reader.GetString(reader.GetAssemblyReference(h).Name) == "Stockade.Plugin");
            var row = MetadataTokens.GetRowNumber(handle);
            var metadataStart = pe.PEHeaders.MetadataStartOffset;
            offset = metadataStart + reader.GetTableMetadataOffset(TableIndex.AssemblyRef) + ((row - 1) * reader.GetTableRowSize(TableIndex.AssemblyRef));
        }

        ushort[] parts = [(ushort)version.Major, (ushort)version.Minor, (ushort)version.Build, (ushort)version.Revision];
        for (var i = 0; i < 4; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(offset + (2 * i), 2), parts[i]).ShouldBeTrue();
        }

        File.WriteAllBytes(path, bytes);
        using var check = new PEReader(new MemoryStream(bytes));
        var verify = check.GetMetadataReader();
        verify.AssemblyReferences.Select(verify.GetAssemblyReference).Single(r => verify.GetString(r.Name) == "Stockade.Plugin").Version.ShouldBe(version);
    }
}
