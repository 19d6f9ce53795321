using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Stockade.Plugin;

namespace Samples.Misbehave;

/// <summary>
/// Every method misbehaves in one way the host must contain. Methods that exhaust a resource
/// report how far they got when the kernel stops them; the host may kill them first.
/// </summary>
public sealed class MisbehavePlugin : IPlugin
{
    private static readonly List<object> Hoard = [];
    private IPluginContext? _context;

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        if (context.PluginId.Contains("slowinit", StringComparison.Ordinal))
        {
            Thread.Sleep(Timeout.Infinite);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Fetches a URL with the SDK's HttpClient, which the broker performs on the plugin's behalf.</summary>
    [PluginMethod("fetch")]
    public async Task<string> FetchAsync(FetchInput input, CancellationToken cancellationToken) =>
        await Context.Http.GetStringAsync(new Uri(input.Url), cancellationToken).ConfigureAwait(false);

    /// <summary>Writes <see cref="LogInput.Text"/> once at each level, under <see cref="LogInput.Category"/> when given (issue 18: levels and categories reach the host's ILogger).</summary>
    [PluginMethod("log")]
    public int Log(LogInput input)
    {
        var log = input.Category is null ? Context.Log : Context.Log.ForCategory(input.Category);
        log.Debug("debug: " + input.Text);
        log.Info("info: " + input.Text);
        log.Warning("warning: " + input.Text);
        log.Error("error: " + input.Text);
        return 4;
    }

    /// <summary>Returns "pong"; shows the worker is alive.</summary>
    [PluginMethod("ping")]
    public string Ping() => "pong";

    /// <summary>Reads a file and throws what the kernel said (a denial reaches the host as one).</summary>
    [PluginMethod("readFile")]
    public string ReadFile(FileInput input) => File.ReadAllText(input.Path);

    /// <summary>Writes <see cref="FileInput.Mb"/> MiB (at least one line) to a file and throws what the kernel said.</summary>
    [PluginMethod("writeFile")]
    public long WriteFile(FileInput input)
    {
        using var stream = new FileStream(input.Path, FileMode.Create, FileAccess.Write);
        var chunk = new byte[1024 * 1024];
        for (var i = 0; i < Math.Max(1, input.Mb); i++)
        {
            stream.Write(chunk);
        }

        stream.Flush();
        return stream.Length;
    }

    /// <summary>Writes 1 MiB files into its data folder until something stops it.</summary>
    [PluginMethod("fillDisk")]
    public ExhaustReport FillDisk()
    {
        var chunk = new byte[1024 * 1024];
        long written = 0;
        try
        {
            for (var i = 0; ; i++)
            {
                File.WriteAllBytes(Path.Combine(Context.DataDirectory, $"fill-{i}.bin"), chunk);
                written++;
                Thread.Sleep(20);
            }
        }
        catch (IOException e)
        {
            return new ExhaustReport(written, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Runs a program and returns its exit code.</summary>
    [PluginMethod("run")]
    public int Run(RunInput input)
    {
        var info = new ProcessStartInfo(input.FileName) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in input.Arguments ?? [])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("no process started");
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Spins one core forever, ignoring cancellation.</summary>
    [PluginMethod("spin")]
    public long Spin()
    {
        var spins = 0L;
        while (spins >= 0)
        {
            spins = (spins + 1) & long.MaxValue;
        }

        return spins;
    }

    /// <summary>Ends the worker process at once.</summary>
    [PluginMethod("crash")]
    public void Crash() => Environment.FailFast("the misbehave sample crashes on request");

    /// <summary>Keeps 16 MiB managed arrays until the runtime or the host stops it.</summary>
    [PluginMethod("allocManaged")]
    public ExhaustReport AllocateManaged()
    {
        try
        {
            while (true)
            {
                var block = new byte[16 * 1024 * 1024];
                Array.Fill(block, (byte)1);
                Hoard.Add(block);
            }
        }
        catch (OutOfMemoryException e)
        {
            var count = Hoard.Count * 16L;
            Hoard.Clear();
            return new ExhaustReport(count, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Takes <see cref="GrowInput.MbPerStep"/> MiB every <see cref="GrowInput.StepMs"/> ms and keeps it, so the
    /// growth is slow enough for a watchdog to warn before the limit; reports how far it got if something other
    /// than a kill stops it (an <see cref="OutOfMemoryException"/>, a refused mapping, or <see cref="GrowInput.MaxMb"/>).
    /// </summary>
    [PluginMethod("grow")]
    public ExhaustReport Grow(GrowInput input)
    {
        var shared = string.Equals(input.Memory, "shared", StringComparison.Ordinal);
        if (!shared && !string.Equals(input.Memory, "managed", StringComparison.Ordinal))
        {
            throw new ArgumentException($"memory must be 'managed' or 'shared', not '{input.Memory}'.", nameof(input));
        }

        var step = Math.Max(1, input.MbPerStep) * 1024L * 1024L;
        var mappings = new List<IntPtr>();
        long taken = 0;
        try
        {
            while (taken < input.MaxMb)
            {
                if (shared)
                {
                    var mapping = SharedMemory.MapTouched(step, out var errno);
                    if (mapping == IntPtr.Zero)
                    {
                        return new ExhaustReport(taken, $"mmap refused with errno {errno}");
                    }

                    mappings.Add(mapping);
                }
                else
                {
                    var block = new byte[step];
                    Array.Fill(block, (byte)1);
                    Hoard.Add(block);
                }

                taken += step / (1024 * 1024);
                Thread.Sleep(Math.Max(0, input.StepMs));
            }

            return new ExhaustReport(taken, null);
        }
        catch (OutOfMemoryException e)
        {
            return new ExhaustReport(taken, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            Hoard.Clear();
            foreach (var mapping in mappings)
            {
                SharedMemory.Unmap(mapping, step);
            }
        }
    }

    /// <summary>Keeps touched 16 MiB native blocks until malloc fails or the host stops it.</summary>
    [PluginMethod("allocNative")]
    public unsafe ExhaustReport AllocateNative()
    {
        var blocks = new List<IntPtr>();
        try
        {
            while (true)
            {
                var block = NativeMemory.Alloc(16 * 1024 * 1024);
                new Span<byte>(block, 16 * 1024 * 1024).Fill(1);

                blocks.Add((IntPtr)block);
            }
        }
        catch (OutOfMemoryException e)
        {
            var count = blocks.Count * 16L;
            foreach (var block in blocks)
            {
                NativeMemory.Free((void*)block);
            }

            return new ExhaustReport(count, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Starts sleeping threads until thread creation fails or the host stops it.</summary>
    [PluginMethod("threadBomb")]
    public ExhaustReport ThreadBomb()
    {
        long started = 0;
        try
        {
            while (started < 100_000)
            {
                var thread = new Thread(() => Thread.Sleep(Timeout.Infinite), 64 * 1024) { IsBackground = true };
                thread.Start();
                started++;
            }

            return new ExhaustReport(started, null);
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException or InvalidOperationException)
        {
            return new ExhaustReport(started, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Starts copies of <c>/bin/sleep</c> until process creation fails (a fork bomb, bounded).</summary>
    [PluginMethod("forkBomb")]
    public ExhaustReport ForkBomb()
    {
        long started = 0;
        try
        {
            while (started < 10_000)
            {
                Process.Start(new ProcessStartInfo("/bin/sleep", "60") { UseShellExecute = false });
                started++;
            }

            return new ExhaustReport(started, null);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return new ExhaustReport(started, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Opens /dev/null until the descriptor limit stops it.</summary>
    [PluginMethod("fdExhaust")]
    public ExhaustReport ExhaustDescriptors()
    {
        var streams = new List<FileStream>();
        try
        {
            while (streams.Count < 1_000_000)
            {
                streams.Add(new FileStream("/dev/null", FileMode.Open, FileAccess.Read));
            }

            return new ExhaustReport(streams.Count, null);
        }
        catch (IOException e)
        {
            return new ExhaustReport(streams.Count, $"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>Answers the <c>test.ping</c> hook; a plugin whose id contains "slow" never answers.</summary>
    [PluginHook("test.ping")]
    public string OnPing(JsonElement payload)
    {
        if (Context.PluginId.Contains("slow", StringComparison.Ordinal))
        {
            Thread.Sleep(Timeout.Infinite);
        }

        return Context.PluginId;
    }

    private IPluginContext Context => _context ?? throw new InvalidOperationException("initialize was not called");
}
