using System.Globalization;
using Stockade.Plugin;

namespace Samples.HelloNative;

/// <summary>The hello sample's methods, compiled ahead of time; <c>read</c> shows the kernel's refusals from inside.</summary>
public sealed class HelloNativePlugin : IPlugin
{
    private IPluginContext? _context;

    private IPluginContext Context => _context ?? throw new InvalidOperationException("not initialised");

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        context.Log.Info("hello-native ready");
        return ValueTask.CompletedTask;
    }

    /// <summary>Greets <see cref="GreetInput.Name"/>; the console line goes to stderr, never into the protocol.</summary>
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

    /// <summary>Reads a file by path: inside the sandbox only what Landlock allows.</summary>
    [PluginMethod("read")]
    public ReadOutput Read(ReadInput input) => new(File.ReadAllText(input.Path));

    /// <summary>Waits <see cref="SleepInput.Ms"/> milliseconds; honours cancellation.</summary>
    [PluginMethod("sleep")]
    public async Task<int> SleepAsync(SleepInput input, CancellationToken cancellationToken)
    {
        await Task.Delay(input.Ms, cancellationToken);
        return input.Ms;
    }

    /// <summary>Throws, to show a plugin error reaching the host as a structured error.</summary>
    [PluginMethod("throw")]
    public void Throw() => throw new InvalidOperationException("the hello-native sample throws on request");

    /// <summary>Handles the <c>demo.ping</c> hook.</summary>
    [PluginHook("demo.ping")]
    public PingOutput Ping() => new("pong");
}
