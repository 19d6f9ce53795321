using Stockade.Linux.Launch;
using Stockade.Linux.Rlimits;

namespace Stockade.Linux.Tests.Rlimits;

public sealed class ResourceFloorsTests
{
    [Fact]
    public void Validate_LimitsBelowFloors_ReportsEachWithTheFloor()
    {
        IReadOnlyList<string> problems = ResourceFloors.Validate(new LaunchRlimits { OpenFiles = 16, DataBytes = 64L << 20, FileSizeBytes = 1 << 20 });

        problems.Count.ShouldBe(3);
        problems.ShouldContain(p => p.Contains("openFiles = 16") && p.Contains("at least 64"));
        problems.ShouldContain(p => p.Contains("dataBytes") && p.Contains(ResourceFloors.DataBytes.ToString()));
    }

    [Fact]
    public void Validate_DesignDefaults_AreAccepted() =>
        ResourceFloors.Validate(new LaunchRlimits { OpenFiles = 256, DataBytes = 512L << 20, FileSizeBytes = 100L << 20 }).ShouldBeEmpty();

    [Fact]
    public void GetAndSet_OwnCoreLimit_RoundTrips()
    {
        (ulong soft, ulong hard) = ResourceLimits.Get(RlimitResource.Core);
        ResourceLimits.Set(RlimitResource.Core, soft, hard);
        ResourceLimits.Get(RlimitResource.Core).ShouldBe((soft, hard));
    }
}
