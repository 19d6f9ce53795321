using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Stockade.Plugin;

namespace Samples.Hello;

/// <summary>A benign plugin; <c>hang</c>, <c>crash</c> and <c>throw</c> exist to show how the host copes.</summary>
public sealed class HelloPlugin : IPlugin
{
    private IPluginContext? _context;

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        context.Log.Info($"hello plugin ready, data in {context.DataDirectory}");
        return ValueTask.CompletedTask;
    }

    /// <summary>Greets <see cref="GreetInput.Name"/>. Also writes to Console, which the worker routes to stderr.</summary>
    [PluginMethod("greet")]
    public GreetOutput Greet(GreetInput input)
    {
        Console.WriteLine($"greeting {input.Name}");
        return new GreetOutput($"Hello, {input.Name}!");
    }

    /// <summary>Increments the counter kept in the data folder and returns it.</summary>
    [PluginMethod("count")]
    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Context.DataDirectory, "counter.txt");
        var current = File.Exists(path)
            ? int.Parse(await File.ReadAllTextAsync(path, cancellationToken), CultureInfo.InvariantCulture)
            : 0;
        current++;
        await File.WriteAllTextAsync(path, current.ToString(CultureInfo.InvariantCulture), cancellationToken);
        return current;
    }

    /// <summary>Returns its input unchanged.</summary>
    [PluginMethod("echo")]
    public JsonElement Echo(JsonElement input) => input;

    /// <summary>Waits <see cref="SleepInput.Ms"/> milliseconds; honours cancellation.</summary>
    [PluginMethod("sleep")]
    public async Task<int> SleepAsync(SleepInput input, CancellationToken cancellationToken)
    {
        await Task.Delay(input.Ms, cancellationToken);
        return input.Ms;
    }

    /// <summary>Never returns and ignores cancellation: only the host's timeout (killing the worker) ends it.</summary>
    [PluginMethod("hang")]
    public int Hang()
    {
        var spins = 0L;
        while (spins >= 0)
        {
            spins = (spins + 1) & long.MaxValue;
        }

        return 0;
    }

    /// <summary>
    /// The trace context the plugin runs in: the host's call span is the parent of <see cref="Activity.Current"/>
    /// (docs/observability.md), so a plugin's own logs can carry the application's trace id.
    /// </summary>
    [PluginMethod("trace")]
    public TraceOutput Trace() => new(Activity.Current?.TraceId.ToHexString(), Activity.Current?.ParentSpanId.ToHexString(), Activity.Current?.TraceStateString);

    /// <summary>Ends the worker process at once.</summary>
    [PluginMethod("crash")]
    public void Crash() => Environment.FailFast("the hello sample crashes on request");

    /// <summary>Throws, to show a plugin error reaching the host as a structured error.</summary>
    [PluginMethod("throw")]
    public void Throw() => throw new InvalidOperationException("the hello sample throws on request");

    private IPluginContext Context => _context ?? throw new InvalidOperationException("initialize was not called");
}
