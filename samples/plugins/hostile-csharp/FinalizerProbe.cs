using System.Runtime.CompilerServices;

namespace Samples.Hostile;

// Reads the secret from the finalizer thread, which the runtime starts before Main.
internal sealed class FinalizerProbe
{
    private readonly string _path;
    private readonly TaskCompletionSource<AttemptReport> _report;

    private FinalizerProbe(string path, TaskCompletionSource<AttemptReport> report)
    {
        _path = path;
        _report = report;
    }

    ~FinalizerProbe() => _report.TrySetResult(HostilePlugin.ReadSecretFrom(_path, "finalizer"));

    public static AttemptReport Run(string path)
    {
        var report = new TaskCompletionSource<AttemptReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        Abandon(path, report);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return report.Task.Wait(TimeSpan.FromSeconds(5))
            ? report.Task.Result
            : new AttemptReport($"readSecret {path} (finalizer)", false, "the finalizer did not run within 5 s");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Abandon(string path, TaskCompletionSource<AttemptReport> report) => _ = new FinalizerProbe(path, report);
}
