using System.Diagnostics;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Samples;

/// <summary>
/// The embedding sample (samples/host-app) works as its documentation says: it runs plugins in confined workers,
/// exposes its own service under a permission the broker enforces, and survives a plugin's failure.
/// </summary>
public sealed class HostAppSampleTests
{
    [Fact]
    public async Task HostApp_Runs_CallsPluginsThroughTheBrokerAndExitsZero()
    {
        // Same configuration and framework folder as this test assembly (bin/<config>/<tfm>/).
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var app = Path.Combine(HostWorld.SamplesDirectory, "..", "host-app", "bin", output.Parent!.Name, output.Name, "HostApp.dll");
        File.Exists(app).ShouldBeTrue($"build the sample first: {app}");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [app, Path.GetFullPath(Path.Combine(HostWorld.SamplesDirectory, ".."))])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        var text = await stdout;
        process.ExitCode.ShouldBe(0, $"{text}\n{await stderr}");
        text.ShouldContain("greet -> {\"message\":\"Hello, Ada!\"}");
        text.ShouldContain("restock.check bolts -> {\"item\":\"bolts\",\"inStock\":120,\"low\":false,\"action\":\"none\"}");
        text.ShouldContain("\"action\":\"could not reorder: needs inventory:write\"");
        text.ShouldContain("stockade grant samples.restock inventory:write");
        text.ShouldContain("throw -> Threw:");
        text.ShouldContain("still serving: {\"message\":\"Hello, again!\"}");
    }
}
