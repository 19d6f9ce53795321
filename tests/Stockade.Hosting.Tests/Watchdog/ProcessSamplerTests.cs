using System.Diagnostics;
using System.Globalization;
using Stockade.Hosting.Monitoring.Sampling;

namespace Stockade.Hosting.Tests.Watchdog;

[Collection(RealProcessCollection.Name)]
public class ProcessSamplerTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private readonly ProcessSampler _sampler = new();

    [Fact]
    public void TryRead_CpuSpinner_ReportsTheCpuTimeTheKernelCharged()
    {
        // On an idle machine the spinner gets a whole core (100 %). On the shared development machine a
        // session's cgroup gets a fraction of the two cores, so the figures are checked against the
        // runtime's own reader of /proc/<pid>/stat, bracketing each of our reads, instead of against 100.
        using var spinner = TestProcess.Shell("while :; do :; done");
        using var reference = Process.GetProcessById(spinner.Pid);

        var (before, beforeLow, beforeHigh) = ReadBracketed(spinner.Pid, reference);
        var started = Stopwatch.GetTimestamp();
        Thread.Sleep(1000);
        var (after, afterLow, afterHigh) = ReadBracketed(spinner.Pid, reference);
        var usage = UsageMath.Compute(before, after, Stopwatch.GetElapsedTime(started), null, DateTimeOffset.UtcNow);

        before.CpuTime.ShouldBeInRange(beforeLow - Tick, beforeHigh + Tick);
        after.CpuTime.ShouldBeInRange(afterLow - Tick, afterHigh + Tick);
        usage.CpuPercent.ShouldBeInRange(5, 130);
        usage.Processes.ShouldBe(1);
    }

    [Fact]
    public void TryRead_ProcessHolding200MB_ReportsAtLeast200MB()
    {
        using var hog = TestProcess.PythonScript("import time; b = b'x' * (200 << 20); print('ready', flush=True); time.sleep(60)");
        hog.ReadLine(Startup).Line.ShouldBe("ready");

        _sampler.TryRead(hog.Pid, out var reading).ShouldBeTrue();

        reading.MemoryBytes.ShouldBeGreaterThanOrEqualTo(200L << 20);
    }

    [Fact]
    public void TryRead_SleepInheritingDescriptors_CountsFilesAndSockets()
    {
        // Python opens 20 files and a socket pair, closes anything else it inherited from the test
        // runner, then becomes `sleep 30` holding exactly stdio and those 22.
        using var sleeper = TestProcess.PythonScript(
            "import os, socket\n" +
            "fds = [os.open('/dev/null', os.O_RDONLY) for _ in range(20)]\n" +
            "a, b = socket.socketpair()\n" +
            "fds += [a.detach(), b.detach()]\n" +
            "[os.set_inheritable(fd, True) for fd in fds]\n" +
            "for fd in set(range(3, 1024)) - set(fds):\n" +
            "    try: os.close(fd)\n" +
            "    except OSError: pass\n" +
            "print('ready', flush=True)\n" +
            "os.execv('/bin/sleep', ['sleep', '30'])");
        sleeper.ReadLine(Startup);
        var exec = Stopwatch.StartNew();
        // After the exec, the dynamic loader briefly holds libc open: wait until only the expected 25 are left.
        while ((File.ReadAllText($"/proc/{sleeper.Pid}/comm").Trim() != "sleep" || Directory.GetFileSystemEntries($"/proc/{sleeper.Pid}/fd").Length != 25)
            && exec.Elapsed < Startup)
        {
            Thread.Sleep(10);
        }

        _sampler.TryRead(sleeper.Pid, out var reading).ShouldBeTrue();

        // Ground truth from /proc itself, and the expected set: stdio, 20 files, a socket pair.
        reading.OpenFiles.ShouldBe(Directory.GetFileSystemEntries($"/proc/{sleeper.Pid}/fd").Length);
        reading.OpenFiles.ShouldBe(3 + 20 + 2);
        reading.Sockets.ShouldBe(2);
        reading.Threads.ShouldBe(1);
    }

    [Fact]
    public void TryRead_ProcessWithThreads_CountsEveryThread()
    {
        using var threads = TestProcess.PythonScript(
            "import threading, time\n" +
            "for _ in range(5): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n" +
            "print('ready', flush=True)\n" +
            "time.sleep(60)");
        threads.ReadLine(Startup);

        _sampler.TryRead(threads.Pid, out var reading).ShouldBeTrue();

        reading.Threads.ShouldBe(6);
    }

    [Fact]
    public void TryRead_ParentWithChild_SumsTheChildIn()
    {
        // The shell itself holds a few hundred KiB and no CPU; the child holds 120 MB and spins.
        using var parent = TestProcess.Shell(
            $"{TestProcess.Python} -c \"import os; b = b'x' * (120 << 20); print(os.getpid(), flush=True)\nwhile True: pass\" & wait");
        var childPid = int.Parse(parent.ReadLine(Startup).Line, CultureInfo.InvariantCulture);
        using var child = Process.GetProcessById(childPid);
        Thread.Sleep(300);
        _sampler.Refresh();

        var childCpu = child.TotalProcessorTime;
        _sampler.TryRead(parent.Pid, out var reading).ShouldBeTrue();

        reading.Processes.ShouldBe(2);
        reading.Threads.ShouldBe(2);
        reading.MemoryBytes.ShouldBeGreaterThanOrEqualTo(120L << 20);
        reading.CpuTime.ShouldBeGreaterThanOrEqualTo(childCpu);
        reading.CpuTime.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void TryRead_ExitedProcess_ReturnsFalse()
    {
        using var done = TestProcess.Start("/bin/true");
        done.WaitForExit(TimeSpan.FromSeconds(10)).ShouldBeTrue();

        _sampler.TryRead(done.Pid, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryRead_StartTime_StaysTheSameForTheSameProcess()
    {
        using var sleeper = TestProcess.Start("/bin/sleep", "30");
        _sampler.TryRead(sleeper.Pid, out var first).ShouldBeTrue();
        _sampler.TryRead(sleeper.Pid, out var second).ShouldBeTrue();

        first.StartTime.ShouldBeGreaterThan(0);
        second.StartTime.ShouldBe(first.StartTime);
    }

    [Fact]
    public void MeasureDisk_NestedHiddenFilesAndLinks_CountsTheFilesNotTheLinksTargets()
    {
        var root = Directory.CreateTempSubdirectory("stockade-disk-");
        var outside = Directory.CreateTempSubdirectory("stockade-disk-outside-");
        try
        {
            File.WriteAllBytes(Path.Combine(root.FullName, "a.bin"), new byte[100_000]);
            File.WriteAllBytes(Path.Combine(root.FullName, ".hidden"), new byte[20_000]);
            var nested = Directory.CreateDirectory(Path.Combine(root.FullName, "x", "y"));
            File.WriteAllBytes(Path.Combine(nested.FullName, "b.bin"), new byte[3_000]);
            File.WriteAllBytes(Path.Combine(outside.FullName, "big.bin"), new byte[4_000_000]);
            File.CreateSymbolicLink(Path.Combine(root.FullName, "link"), Path.Combine(outside.FullName, "big.bin"));
            Directory.CreateSymbolicLink(Path.Combine(root.FullName, "dirlink"), outside.FullName);
            File.CreateSymbolicLink(Path.Combine(root.FullName, "root"), "/");

            var measure = _sampler.MeasureDisk(root.FullName, TimeSpan.FromSeconds(5), 1000).ShouldNotBeNull();

            // Files count their size or their blocks, folders and links their blocks: at least the 123,000 bytes
            // written, and far below the 4 MB behind the links.
            measure.Bytes.ShouldBeGreaterThanOrEqualTo(123_000);
            measure.Bytes.ShouldBeLessThan(1_000_000);
            measure.Entries.ShouldBe(8);
            measure.TooMany.ShouldBeFalse();
        }
        finally
        {
            root.Delete(recursive: true);
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public void MeasureDisk_MissingFolder_ReturnsNull() =>
        _sampler.MeasureDisk(Path.Combine(Path.GetTempPath(), $"stockade-missing-{Guid.NewGuid():N}"), TimeSpan.FromSeconds(1), 1000).ShouldBeNull();

    [Fact]
    public void TryParseStat_CommandWithSpacesAndParentheses_ReadsTheFieldsAfterIt()
    {
        var line = "4242 (a) b (c) S 17 4242 4242 0 -1 4194560 1 0 0 0 250 50 7 3 20 0 9 0 123456 1000 10 18446744073709551615\n"u8;

        ProcFile.TryParseStat(line, out var stat).ShouldBeTrue();

        stat.State.ShouldBe((byte)'S');
        stat.ParentPid.ShouldBe(17);
        stat.CpuTicks.ShouldBe(250 + 50 + 7 + 3);
        stat.Threads.ShouldBe(9);
        stat.StartTime.ShouldBe(123456);
        stat.RssPages.ShouldBe(10);
    }

    [Fact]
    public void TryParseStat_Truncated_ReturnsFalse() =>
        ProcFile.TryParseStat("4242 (x) S 1 2 3"u8, out _).ShouldBeFalse();

    private (ProcessReading Reading, TimeSpan Low, TimeSpan High) ReadBracketed(int pid, Process reference)
    {
        reference.Refresh();
        var low = reference.TotalProcessorTime;
        _sampler.TryRead(pid, out var reading).ShouldBeTrue();
        reference.Refresh();
        return (reading, low, reference.TotalProcessorTime);
    }
}
