using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Stockade.Linux.Cgroups;
using Stockade.Linux.Launch;

/// <summary>
/// <c>probe cgroup-host LAUNCHER SECONDS MEMORY CPU TASKS PROGRAM [ARGS…]</c>: a host in miniature, meant to run
/// unprivileged inside a chowned v1 subtree. Chooses the backend as a host does, makes one worker cgroup, starts
/// PROGRAM through the launcher into it, lets it run up to SECONDS, reads the counters, kills and removes the cgroup,
/// and prints one JSON object. "-" leaves a limit unset.
/// </summary>
internal static class CgroupHost
{
    public static int Run(string[] args)
    {
        string launcher = args[1];
        double seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
        var limits = new CgroupLimits(Number(args[3]), (int?)Number(args[4]), (int?)Number(args[5]));
        string[] argv = args[6..];

        CgroupSelection selection = CgroupBackends.Select(new CgroupOptions());
        var output = new Dictionary<string, object?>
        {
            ["uid"] = Environment.GetEnvironmentVariable("USER") ?? "",
            ["kind"] = selection.Backend.Kind.ToString(),
            ["description"] = selection.Backend.Description,
            ["refused"] = selection.Refused,
            ["stale"] = selection.Backend.RemoveStale(),
        };
        if (selection.Backend.Kind == CgroupBackendKind.None)
        {
            Console.WriteLine(JsonSerializer.Serialize(output));
            return 0;
        }

        using IWorkerCgroup cgroup = selection.Backend.Create("probe-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), limits, owner: null);
        var spec = new LaunchSpec { Executable = argv[0], Arguments = argv, CgroupProcsFiles = cgroup.ProcsFiles, WorkingDirectory = "/" };
        var start = new ProcessStartInfo(launcher) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--spec");
        start.ArgumentList.Add(spec.ToArgument());
        var watch = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(seconds));
        output["exitedBySelf"] = exited;
        output["wallSeconds"] = watch.Elapsed.TotalSeconds;
        CgroupCounters running = cgroup.ReadCounters();
        cgroup.KillAll();
        process.WaitForExit();
        CgroupCounters counters = cgroup.ReadCounters();
        output["exitCode"] = process.ExitCode;
        output["stdout"] = stdout.Result;
        output["stderr"] = stderr.Result;
        output["tasksWhileRunning"] = running.TasksCurrent;
        output["memoryPeak"] = counters.MemoryPeakBytes;
        output["memoryLimit"] = counters.MemoryLimitBytes;
        output["oomKills"] = counters.OomKills;
        output["tasksLimitHits"] = counters.TasksLimitHits;
        output["tasksAfterKill"] = counters.TasksCurrent;
        output["cpuSeconds"] = counters.CpuUsage?.TotalSeconds;
        output["throttledSeconds"] = counters.CpuThrottled?.TotalSeconds;
        output["procsFiles"] = cgroup.ProcsFiles;
        cgroup.Dispose();
        output["removed"] = cgroup.ProcsFiles.All(f => !Directory.Exists(Path.GetDirectoryName(f)));
        Console.WriteLine(JsonSerializer.Serialize(output));
        return 0;
    }

    private static long? Number(string text) => text == "-" ? null : long.Parse(text, CultureInfo.InvariantCulture);
}
