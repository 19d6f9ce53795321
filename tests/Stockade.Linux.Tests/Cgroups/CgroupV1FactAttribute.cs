using Stockade.Linux.Cgroups;

namespace Stockade.Linux.Tests.Cgroups;

/// <summary>A test that needs this machine's writable cgroup v1 controllers (root here) and gcc.</summary>
public sealed class CgroupV1FactAttribute : FactAttribute
{
    public CgroupV1FactAttribute() => Skip = CgroupV1Requirements.Missing();
}

/// <summary>The theory form of <see cref="CgroupV1FactAttribute"/>.</summary>
public sealed class CgroupV1TheoryAttribute : TheoryAttribute
{
    public CgroupV1TheoryAttribute() => Skip = CgroupV1Requirements.Missing();
}

internal static class CgroupV1Requirements
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        if (Interop.geteuid() != 0)
        {
            return "needs root to make worker cgroups (and to chown a subtree for the unprivileged case)";
        }

        if (!File.Exists("/usr/bin/gcc"))
        {
            return "gcc is not installed (the hostile workloads are C programs)";
        }

        CgroupSelection selection = CgroupBackends.Select(new CgroupOptions { Require = CgroupBackendKind.V1 });
        return selection.Backend.Kind == CgroupBackendKind.V1 ? null : "no writable cgroup v1 memory, cpu and pids controllers: " + string.Join("; ", selection.Refused);
    });

    public static string? Missing() => Reason.Value;
}
