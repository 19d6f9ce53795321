using System.Globalization;
using Stockade.Linux.Canary;
using Stockade.Linux.Launch;

namespace Stockade.Linux.Seccomp;

/// <summary>
/// The .NET worker's side of the host's seccomp observation (stage 2 installs its own filter): when the launcher handed
/// down a report descriptor (<see cref="KernelReport.DescriptorVariable"/>), the filter is installed with a listener,
/// the listener goes to the host and this process closes its copy, before any plugin code is loaded.
/// </summary>
internal static class ObservedSeccomp
{
    /// <summary>
    /// Installs the worker filter on every thread; with a report descriptor, denials become user notifications and the
    /// listener is sent to the host. Returns the report descriptor (for <see cref="ReportReady"/>) or −1.
    /// </summary>
    internal static int InstallOnAllThreads(bool allowExec)
    {
        int report = ReportDescriptor();
        if (report < 0)
        {
            SeccompFilter.InstallOnAllThreads(WorkerSeccompPolicy.Build(allowExec));
            return -1;
        }

        using SafeFdHandle? listener = InstallWithListenerOrPlain(WorkerSeccompPolicy.Build(allowExec, notifyDenials: true), () => WorkerSeccompPolicy.Build(allowExec));
        KernelReport.Send(report, KernelReport.Format(
            KernelReport.Phase, KernelReport.PhaseConfined, KernelReport.From, "worker",
            KernelReport.Seccomp, "worker", KernelReport.SeccompProfile, nameof(SeccompProfile.Dotnet),
            KernelReport.Listener, listener is null ? "none" : "attached"), listener?.Fd ?? -1);
        return report;
    }

    /// <summary>
    /// Installs <paramref name="notifying"/> with a listener; on a kernel that refuses the listener (before 5.7 with
    /// TSYNC: EINVAL; EBUSY when an inherited filter already has one) installs <paramref name="plain"/> instead and
    /// returns <see langword="null"/>: denials then stay EPERM, unseen by the host, and the report says so.
    /// </summary>
    internal static SafeFdHandle? InstallWithListenerOrPlain(Interop.sock_filter[] notifying, Func<Interop.sock_filter[]> plain)
    {
        try
        {
            return SeccompFilter.InstallOnAllThreadsWithListener(notifying);
        }
        catch (System.ComponentModel.Win32Exception ex) when (ex.NativeErrorCode is 22 /* EINVAL */ or 16 /* EBUSY */)
        {
            SeccompFilter.InstallOnAllThreads(plain());
            return null;
        }
    }

    /// <summary>Reports the canary's result and closes the report descriptor: nothing the plugin sends later is read.</summary>
    internal static void ReportReady(int report, CanaryReport canary)
    {
        if (report < 0)
        {
            return;
        }

        int blocked = 0;
        for (int i = 0; i < canary.Probes.Count; i++)
        {
            blocked += canary.Probes[i].Outcome == CanaryOutcome.Blocked ? 1 : 0;
        }

        KernelReport.Send(report, KernelReport.Format(KernelReport.Phase, KernelReport.PhaseReady, KernelReport.From, "worker",
            KernelReport.CanaryProbes, KernelReport.Number(canary.Probes.Count), KernelReport.CanaryBlocked, KernelReport.Number(blocked)));
        Interop.close(report);
    }

    private static int ReportDescriptor()
    {
        string? text = Environment.GetEnvironmentVariable(KernelReport.DescriptorVariable);
        if (text is null)
        {
            return -1;
        }

        Environment.SetEnvironmentVariable(KernelReport.DescriptorVariable, null);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int fd) && fd >= 3 ? fd : -1;
    }
}
