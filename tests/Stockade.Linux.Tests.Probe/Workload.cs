using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

/// <summary>
/// What a plugin's runtime does on its rare paths, run under the worker filter: a syscall missing from the .NET
/// profile shows up as a step that fails (or, with strace, as an EPERM). Prints "step=ok" or "step=Type: message".
/// </summary>
internal static class Workload
{
    public static async Task<int> RunAsync(string directory, bool allowExec)
    {
        int failures = 0;
        async Task Step(string name, Func<Task> action)
        {
            string outcome;
            try
            {
                await action();
                outcome = "ok";
            }
            catch (Exception ex)
            {
                outcome = ex.GetType().Name + ": " + ex.Message.Replace('\n', ' ');
                failures++;
            }

            Console.WriteLine(name + "=" + outcome);
        }

        await Step("gc", () =>
        {
            var keep = new List<byte[]>();
            for (int i = 0; i < 20_000; i++)
            {
                keep.Add(new byte[i % 100 == 0 ? 100_000 : 1_000]);
                if (keep.Count > 2_000)
                {
                    keep.RemoveRange(0, 1_000);
                }
            }

            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.AddMemoryPressure(64 << 20);
            GC.Collect();
            GC.RemoveMemoryPressure(64 << 20);
            GC.WaitForPendingFinalizers();
            GC.TryStartNoGCRegion(1 << 20);
            GC.EndNoGCRegion();
            return Task.CompletedTask;
        });
        await Step("threads", () =>
        {
            var threads = Enumerable.Range(0, 64).Select(i => new Thread(() => Thread.Sleep(i % 5)) { Name = "w" + i, IsBackground = true, Priority = ThreadPriority.BelowNormal }).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            return Task.CompletedTask;
        });
        await Step("threadpool", () => Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => SHA256.HashData(Encoding.UTF8.GetBytes("x" + i))))));
        await Step("parallel", () =>
        {
            Parallel.For(0, 1000, i => _ = Math.Sqrt(i));
            return Task.CompletedTask;
        });
        await Step("timers", async () =>
        {
            using var fired = new SemaphoreSlim(0);
            using var timer = new Timer(_ => fired.Release(), null, 1, Timeout.Infinite);
            await fired.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(20);
            using var periodic = new PeriodicTimer(TimeSpan.FromMilliseconds(2));
            await periodic.WaitForNextTickAsync();
            _ = Stopwatch.GetTimestamp() + DateTime.Now.Ticks + DateTimeOffset.UtcNow.Ticks;
        });
        await Step("files", async () =>
        {
            string folder = Path.Combine(directory, "workload-" + Environment.ProcessId);
            Directory.CreateDirectory(folder);
            string a = Path.Combine(folder, "a.txt"), b = Path.Combine(folder, "b.txt"), c = Path.Combine(folder, "c.txt");
            await File.WriteAllTextAsync(a, new string('x', 100_000));
            await using (var stream = new FileStream(a, FileMode.Append, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await stream.WriteAsync(new byte[10_000]);
                await stream.FlushAsync();
                stream.Flush(flushToDisk: true);
            }

            File.Copy(a, b);
            File.Move(b, c);
            File.Move(c, b, overwrite: true);
            File.SetLastWriteTimeUtc(b, DateTime.UtcNow);
            File.SetUnixFileMode(b, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            _ = new FileInfo(b).Length + Directory.GetFiles(folder).Length + new DriveInfo(folder).AvailableFreeSpace;
            File.CreateSymbolicLink(Path.Combine(folder, "link"), b);
            using (var mapped = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(b))
            using (var view = mapped.CreateViewAccessor())
            {
                _ = view.ReadByte(0);
            }

            _ = Path.GetTempFileName();
            Directory.Delete(folder, recursive: true);
        });
        await Step("json", () =>
        {
            var text = JsonSerializer.Serialize(new Dictionary<string, int[]> { ["a"] = [1, 2, 3] });
            _ = JsonSerializer.Deserialize<Dictionary<string, int[]>>(text);
            return Task.CompletedTask;
        });
        await Step("crypto", () =>
        {
            _ = RandomNumberGenerator.GetBytes(32);
            using var aes = Aes.Create();
            aes.GenerateKey();
            _ = aes.EncryptCbc(new byte[64], new byte[16]);
            _ = Random.Shared.Next() + Guid.NewGuid().GetHashCode();
            return Task.CompletedTask;
        });
        await Step("environment", () =>
        {
            _ = Environment.ProcessorCount + Environment.WorkingSet + Environment.TickCount64 + Process.GetCurrentProcess().TotalProcessorTime.Ticks;
            _ = Environment.GetEnvironmentVariables().Count + Environment.MachineName.Length + Environment.OSVersion.ToString().Length;
            _ = AppDomain.CurrentDomain.GetAssemblies().Length + TimeZoneInfo.Local.Id.Length;
            return Task.CompletedTask;
        });
        await Step("console", () =>
        {
            Console.Error.WriteLine("workload: stderr works");
            _ = Console.IsOutputRedirected;
            return Task.CompletedTask;
        });
        if (allowExec)
        {
            await Step("process", async () =>
            {
                using var process = Process.Start(new ProcessStartInfo("/bin/echo", "hi") { RedirectStandardOutput = true, UseShellExecute = false })!;
                string output = await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                if (output.Trim() != "hi" || process.ExitCode != 0)
                {
                    throw new InvalidOperationException("echo said '" + output + "', exit " + process.ExitCode);
                }
            });
        }

        await Step("gc-after", () =>
        {
            GC.Collect();
            return Task.CompletedTask;
        });
        Console.WriteLine("failures=" + failures);
        return failures == 0 ? 0 : 1;
    }
}
