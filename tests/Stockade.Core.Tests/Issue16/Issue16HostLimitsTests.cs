using Stockade.Core.Manifest;

namespace Stockade.Core.Tests.Issue16;

/// <summary>Issue 16 item 6: host-wide defaults and caps for every limit; a manifest above a cap is refused with the cap named.</summary>
[Trait("Issue", "16")]
public sealed class Issue16HostLimitsTests
{
    private const string Base = "id: com.example.sample\nname: Sample\nversion: 1.0.0\nruntime: dotnet\nentry: Sample.dll\n";

    private static PluginManifest Manifest(string yaml) => ManifestReader.Parse(Base + yaml, "plugin.yaml", ManifestFormat.Yaml).Manifest.ShouldNotBeNull();

    private static HostLimitResolution Resolve(PluginManifest manifest, ResourceLimits? defaults = null, ResourceLimits? caps = null, bool clamp = false) =>
        HostLimits.Resolve(manifest, defaults ?? ResourceLimits.Default, caps ?? HostLimits.DefaultCaps, PluginTimeouts.Default, HostLimits.DefaultTimeoutCaps, clamp, "PluginHostOptions.ResourceCaps", "PluginHostOptions.TimeoutCaps");

    [Fact]
    public void EveryLimitLeftOut_TakesTheHostDefault()
    {
        var defaults = new ResourceLimits { MemoryMb = 300, CpuPercent = 25, CpuTimeSeconds = 120, OpenFiles = 100, Threads = 20, DiskMb = 10, MaxFileMb = 20, Processes = 2 };

        var resolved = Resolve(Manifest("resources:\n  memoryMb: 256\n"), defaults);

        resolved.Refused.ShouldBeFalse();
        resolved.Resources.ShouldBe(defaults with { MemoryMb = 256 });
    }

    [Fact]
    public void EveryLimitAboveItsCap_IsRefused_WithTheCapNamed()
    {
        var caps = new ResourceLimits { MemoryMb = 200, CpuPercent = 10, CpuTimeSeconds = 5, OpenFiles = 127, Threads = 17, DiskMb = 2, MaxFileMb = 17, Processes = 1 };
        var manifest = Manifest("resources:\n  memoryMb: 256\n  cpuPercent: 50\n  cpuTimeSeconds: 60\n  openFiles: 128\n  threads: 32\n  diskMb: 16\n  maxFileMb: 20\n  processes: 2\ntimeouts:\n  call: 2h\n");

        var resolved = Resolve(manifest, caps: caps);

        resolved.Refused.ShouldBeTrue();
        resolved.OverCap.Count.ShouldBe(ResourceLimitTable.All.Count + 1);
        resolved.OverCap.ShouldContain("'resources.memoryMb' is 256 MiB, above this host's cap of 200 MiB (PluginHostOptions.ResourceCaps.MemoryMb)");
        resolved.OverCap.ShouldContain(p => p.Contains("'timeouts.call' is 2 h", StringComparison.Ordinal) && p.Contains("PluginHostOptions.TimeoutCaps.Call", StringComparison.Ordinal));
    }

    [Fact]
    public void ClampingHost_RunsAtTheCaps_AndStillSaysWhat()
    {
        var resolved = Resolve(Manifest("resources:\n  memoryMb: 2048\n"), caps: HostLimits.DefaultCaps with { MemoryMb = 1024 }, clamp: true);

        resolved.Refused.ShouldBeFalse();
        resolved.OverCap.ShouldHaveSingleItem().ShouldContain("memoryMb");
        resolved.Resources.MemoryMb.ShouldBe(1024);
    }

    [Fact]
    public void UnlimitedCpuTime_BecomesTheCap_WhenTheHostCapsIt()
    {
        Resolve(Manifest(string.Empty), caps: HostLimits.DefaultCaps with { CpuTimeSeconds = 900 }).Resources.CpuTimeSeconds.ShouldBe(900);
        Resolve(Manifest(string.Empty)).Resources.CpuTimeSeconds.ShouldBeNull();
    }

    [Fact]
    public void Validate_GathersEveryBadDefaultAndCap_EachNamed()
    {
        var problems = HostLimits.Validate(
            ResourceLimits.Default with { MemoryMb = 64, Threads = 5000 },
            HostLimits.DefaultCaps with { OpenFiles = 10 },
            PluginTimeouts.Default with { Call = TimeSpan.Zero },
            HostLimits.DefaultTimeoutCaps with { Hook = TimeSpan.FromDays(2) },
            "O.DefaultResources", "O.ResourceCaps", "O.DefaultTimeouts", "O.TimeoutCaps");

        problems.ShouldContain(p => p.StartsWith("O.DefaultResources.MemoryMb must be between 128", StringComparison.Ordinal) && p.Contains("64 MB was measured to crash", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("O.DefaultResources.Threads must be between 16 and 4096", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("O.ResourceCaps.OpenFiles must be between 128", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("O.DefaultTimeouts.Call", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("O.TimeoutCaps.Hook", StringComparison.Ordinal));
        problems.Count.ShouldBe(5);
    }

    [Fact]
    public void ADefaultAboveItsCap_IsLoweredToTheCap_SoLoweringACapAloneIsEnough()
    {
        var caps = HostLimits.DefaultCaps with { MemoryMb = 256 };

        HostLimits.Validate(ResourceLimits.Default, caps, PluginTimeouts.Default, HostLimits.DefaultTimeoutCaps, "a", "b", "c", "d").ShouldBeEmpty();
        var resolved = Resolve(Manifest(string.Empty), caps: caps);
        resolved.Refused.ShouldBeFalse();
        resolved.Resources.MemoryMb.ShouldBe(256);
    }

    [Fact]
    public void Validate_TheShippedDefaults_AreValid()
    {
        HostLimits.Validate(ResourceLimits.Default, HostLimits.DefaultCaps, PluginTimeouts.Default, HostLimits.DefaultTimeoutCaps, "a", "b", "c", "d").ShouldBeEmpty();
    }

    [Fact]
    public void OpenFilesFloor_Is128ForDotnet_64ForAProcessPlugin()
    {
        var dotnet = ManifestReader.Parse(Base + "resources:\n  openFiles: 64\n", "plugin.yaml", ManifestFormat.Yaml);
        var error = dotnet.Diagnostics.Single();
        error.Code.ShouldBe(ManifestDiagnosticCodes.ResourceBelowFloor);
        error.Message.ShouldBe("'resources.openFiles' is 64, below the minimum of 128 for runtime dotnet");
        error.Line.ShouldBe(7);

        var process = ManifestReader.Parse("id: com.example.py\nname: Py\nversion: 1.0.0\nruntime: process\nentry: plugin.py\ninterpreter: /usr/bin/python3\nresources:\n  openFiles: 64\n", "plugin.yaml", ManifestFormat.Yaml);
        process.IsValid.ShouldBeTrue();
    }
}
