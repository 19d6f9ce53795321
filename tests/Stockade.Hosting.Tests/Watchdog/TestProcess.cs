using System.Collections.Concurrent;
using System.Diagnostics;

namespace Stockade.Hosting.Tests.Watchdog;

/// <summary>A real child process for sampler tests, killed with its descendants on dispose.</summary>
internal sealed class TestProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<(string Line, long Timestamp)> _lines = [];

    private TestProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _lines.Add((line, Stopwatch.GetTimestamp()));
            }
        };
        _process.BeginOutputReadLine();
    }

    public static string Python { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static TestProcess Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new TestProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}"));
    }

    public static TestProcess Shell(string script) => Start("/bin/sh", "-c", script);

    public static TestProcess PythonScript(string script) => Start(Python, "-c", script);

    /// <summary>
    /// Runs a Python script at the highest priority, so it is scheduled at once even while the machine
    /// is busy (on the shared test machine the load is often ten times the cores). Without root,
    /// <c>nice</c> says it cannot and runs the script at normal priority. Only for scripts that mostly
    /// sleep: a busy one would starve the test host in the same cgroup.
    /// </summary>
    public static TestProcess UrgentPython(string script) => Start("/usr/bin/nice", "-n", "-20", Python, "-c", script);

    /// <summary>Waits for the next line the process prints, and when it arrived.</summary>
    public (string Line, long Timestamp) ReadLine(TimeSpan timeout) =>
        _lines.TryTake(out var line, timeout) ? line : throw new TimeoutException($"process {Pid} printed nothing within {timeout}");

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Releases a script waiting on <c>sys.stdin.readline()</c>.</summary>
    public void Signal()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
        _lines.Dispose();
    }
}
