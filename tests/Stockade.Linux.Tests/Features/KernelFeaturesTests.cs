using Stockade.Linux.Features;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.Features;

public sealed class KernelFeaturesTests
{
    private static readonly Lazy<KernelFeatureReport> Report = new(() => KernelFeatures.Probe());

    [Fact]
    public void Probe_ThisMachine_ReportsSeccompWithTsyncAndNoNewPrivs()
    {
        Report.Value.SeccompFilter.ShouldBeTrue();
        Report.Value.SeccompTsync.ShouldBeTrue();
        Report.Value.NoNewPrivileges.ShouldBeTrue();
        Report.Value.KernelRelease.ShouldNotBe("unknown");
    }

    [Fact]
    public void Probe_Level_FollowsFromTheFeatures()
    {
        KernelFeatureReport report = Report.Value;
        EnforceableLevel expected = report.LandlockAbi >= 1
            ? (report.UserNamespacesUsable ? EnforceableLevel.Strict : EnforceableLevel.Sandboxed)
            : EnforceableLevel.Limited;
        report.HighestEnforceableLevel.ShouldBe(expected);
    }

    [LandlockAsRootFact]
    public void Probe_ThisMachine_IsStrict()
    {
        Report.Value.LandlockAbi.ShouldBeGreaterThanOrEqualTo(1);
        Report.Value.UserNamespacesUsable.ShouldBeTrue(Report.Value.UserNamespacesDetail);
        Report.Value.HighestEnforceableLevel.ShouldBe(EnforceableLevel.Strict);
        Report.Value.RunningAsRoot.ShouldBeTrue();
    }

    [Fact]
    public void Probe_MissingUnshareAndCgroup_ReportsUnusableWithReason()
    {
        KernelFeatureReport report = KernelFeatures.Probe(new KernelFeatureProbeOptions
        {
            UnsharePath = "/nonexistent/unshare",
            DelegatedCgroupPath = "/sys/fs/cgroup/memory/does-not-exist",
        });

        report.UserNamespacesUsable.ShouldBeFalse();
        report.UserNamespacesDetail.ShouldNotBeNull().ShouldContain("not found");
        report.DelegatedCgroupUsable.ShouldBe(false);
        report.HighestEnforceableLevel.ShouldNotBe(EnforceableLevel.Strict);
    }

    [LandlockAsRootFact]
    public void Probe_WithWorkerUser_TestsUserNamespacesAsThatUser()
    {
        // A stand-in for unshare that refuses unless it runs as the worker's uid, then does the real thing.
        string folder = Directory.CreateTempSubdirectory("stockade-probe-").FullName;
        try
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
            string script = Path.Combine(folder, "unshare");
            File.WriteAllText(script, "#!/bin/sh\n[ \"$(id -u)\" = 65534 ] || { echo \"ran as uid $(id -u)\" >&2; exit 3; }\nexec /usr/bin/unshare \"$@\"\n");
            File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);

            KernelFeatureReport asWorker = KernelFeatures.Probe(new KernelFeatureProbeOptions { UnsharePath = script, WorkerUserId = 65534 });
            KernelFeatureReport asCaller = KernelFeatures.Probe(new KernelFeatureProbeOptions { UnsharePath = script });

            asWorker.UserNamespacesUsable.ShouldBeTrue(asWorker.UserNamespacesDetail);
            asCaller.UserNamespacesUsable.ShouldBeFalse();
            asCaller.UserNamespacesDetail.ShouldNotBeNull().ShouldContain("ran as uid 0");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
