using System.Diagnostics;
using System.Text;
using Stockade.Linux.Procfs;

namespace Stockade.Linux.Tests.Procfs;

public sealed class ProcfsReaderTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void ReadPidFile_OwnStat_StartsWithOwnPidAndCommand()
    {
        Span<byte> buffer = stackalloc byte[1024];

        var read = ProcfsReader.ReadPidFile(Environment.ProcessId, "stat"u8, buffer);

        read.ShouldBeGreaterThan(0);
        Encoding.ASCII.GetString(buffer[..read]).ShouldStartWith($"{Environment.ProcessId} (");
    }

    [Fact]
    public void ReadPidFile_FileLongerThanBuffer_FillsTheBufferOnly()
    {
        Span<byte> buffer = stackalloc byte[8];

        ProcfsReader.ReadPidFile(Environment.ProcessId, "status"u8, buffer).ShouldBe(8);
        Encoding.ASCII.GetString(buffer).ShouldBe("Name:\t" + File.ReadAllText("/proc/self/status")[6..8]);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(0)]
    [InlineData(-5)]
    public void ReadPidFile_NoSuchProcess_ReturnsMinusOne(int pid)
    {
        Span<byte> buffer = stackalloc byte[64];

        ProcfsReader.ReadPidFile(pid, "stat"u8, buffer).ShouldBe(-1);
    }

    [Fact]
    public void ListOwnThreads_ThreadStartedNow_MatchesTheTaskFolder()
    {
        using var parked = new ManualResetEventSlim();
        var extra = new Thread(() => parked.Wait()) { IsBackground = true, Name = "procfs-extra" };
        extra.Start();
        try
        {
            var before = TaskFolderIds();
            var threads = new List<int>();

            ProcfsReader.ListOwnThreads(threads).ShouldBeTrue();

            threads.ShouldContain(Environment.ProcessId, "the main thread's id is the pid");
            threads.ShouldBe(threads.Distinct(), "each thread once");
            threads.Count(t => ReadStatus(t).StartsWith("Name:\tprocfs-extra\n", StringComparison.Ordinal)).ShouldBe(1, "the thread started just before is listed");
            before.Intersect(TaskFolderIds()).ShouldBeSubsetOf(threads, "threads alive across both listings are listed");
        }
        finally
        {
            parked.Set();
            extra.Join();
        }
    }

    [Fact]
    public void ReadOwnThreadFile_MainThreadStatus_IsTheProcessStatus()
    {
        var status = ReadStatus(Environment.ProcessId);

        status.ShouldStartWith("Name:\t");
        status.ShouldContain($"\nPid:\t{Environment.ProcessId}\n");
        status.ShouldContain("\nSeccomp:\t");
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(0)]
    [InlineData(-1)]
    public void ReadOwnThreadFile_NoSuchThread_ReturnsMinusOneAndDoesNotExist(int threadId)
    {
        Span<byte> buffer = stackalloc byte[64];

        ProcfsReader.ReadOwnThreadFile(threadId, "status"u8, buffer).ShouldBe(-1);
        ProcfsReader.OwnThreadExists(threadId).ShouldBeFalse();
    }

    [Fact]
    public void OwnThreadExists_MainThread_IsTrue() => ProcfsReader.OwnThreadExists(Environment.ProcessId).ShouldBeTrue();

    [Fact]
    public void ListPids_ChildStartedNow_ListsItAndThisProcess()
    {
        using var child = StartPython("import time; print('ready', flush=True); time.sleep(60)");
        var pids = new List<int>();

        ProcfsReader.ListPids(pids).ShouldBeTrue();

        pids.ShouldContain(Environment.ProcessId);
        pids.ShouldContain(child.Id);
        pids.ShouldBe(pids.Distinct(), "each pid once");
        var listedByRuntime = Directory.GetDirectories("/proc").Count(d => int.TryParse(Path.GetFileName(d), out _));
        pids.Count.ShouldBeInRange(listedByRuntime - 20, listedByRuntime + 20, "processes come and go between the two listings");
    }

    [Fact]
    public void CountDescriptors_ChildWithThreeSockets_MatchesTheLinksOfItsFdFolder()
    {
        using var child = StartPython(
            "import socket, time; s = [socket.socket() for _ in range(3)]; f = open('/proc/self/stat'); print('ready', flush=True); time.sleep(60)");

        ProcfsReader.CountDescriptors(child.Id, out var files, out var sockets).ShouldBeTrue();

        // The oracle: the runtime's own listing and link reading of the same folder.
        var links = Directory.GetFiles($"/proc/{child.Id}/fd").Select(l => new FileInfo(l).LinkTarget ?? string.Empty).ToList();
        files.ShouldBe(links.Count);
        sockets.ShouldBe(links.Count(l => l.StartsWith("socket:", StringComparison.Ordinal)));
        sockets.ShouldBe(3);
        files.ShouldBeGreaterThanOrEqualTo(7, "stdin, stdout, stderr, three sockets and the open file");
        links.ShouldContain(l => l.StartsWith("pipe:", StringComparison.Ordinal), "descriptor 0, the redirected stdin, is counted too");
    }

    [Fact]
    public void CountDescriptors_NoSuchProcess_ReturnsFalse()
    {
        ProcfsReader.CountDescriptors(int.MaxValue, out var files, out var sockets).ShouldBeFalse();
        files.ShouldBe(0);
        sockets.ShouldBe(0);
    }

    [Theory]
    [InlineData("1", true, 1)]
    [InlineData("2147483647", true, int.MaxValue)]
    [InlineData("2147483648", false, 0)]
    [InlineData("0", false, 0)]
    [InlineData("12a", false, 0)]
    [InlineData("self", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("99999999999", false, 0)]
    public void TryParsePid_Name_ParsesOnlyPositiveDecimalPids(string name, bool expected, int pid)
    {
        ProcfsReader.TryParsePid(Encoding.ASCII.GetBytes(name), out var parsed).ShouldBe(expected);
        parsed.ShouldBe(pid);
    }

    private static string ReadStatus(int threadId)
    {
        var buffer = new byte[8192];
        var read = ProcfsReader.ReadOwnThreadFile(threadId, "status"u8, buffer);
        return read < 0 ? string.Empty : Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static List<int> TaskFolderIds() =>
        [.. Directory.GetDirectories("/proc/self/task").Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))];

    private static Child StartPython(string code)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(code);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start python3");
        process.StandardOutput.ReadLine().ShouldBe("ready");
        return new Child(process);
    }

    private sealed class Child(Process process) : IDisposable
    {
        public int Id => process.Id;

        public void Dispose()
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }
}
