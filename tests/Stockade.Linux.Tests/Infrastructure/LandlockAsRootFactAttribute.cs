using Stockade.Linux.Landlock;

namespace Stockade.Linux.Tests.Infrastructure;

/// <summary>A fact that needs Landlock, gcc and root (the launcher switches to uid 65534, which only root may do).</summary>
public sealed class LandlockAsRootFactAttribute : FactAttribute
{
    public LandlockAsRootFactAttribute() => Skip = Requirements.MissingForLauncherTests();
}

/// <summary>The theory form of <see cref="LandlockAsRootFactAttribute"/>.</summary>
public sealed class LandlockAsRootTheoryAttribute : TheoryAttribute
{
    public LandlockAsRootTheoryAttribute() => Skip = Requirements.MissingForLauncherTests();
}

/// <summary>A theory that needs gcc to compile a C probe.</summary>
public sealed class GccTheoryAttribute : TheoryAttribute
{
    public GccTheoryAttribute() => Skip = File.Exists("/usr/bin/gcc") ? null : "gcc is not installed; install the gcc package to compare layouts with C";
}

internal static class Requirements
{
    internal static string? MissingForLauncherTests()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Linux only";
        }

        if (LandlockAbi.Probe() == 0)
        {
            return "Landlock is absent (ABI 0): enable it with lsm=landlock,... on the kernel command line";
        }

        if (Interop.geteuid() != 0)
        {
            return "needs root: the tests run the launcher as root and switch it to uid 65534";
        }

        return File.Exists("/usr/bin/gcc") ? null : "gcc is not installed";
    }
}
