using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue18;

/// <summary>
/// A host as an application builds one for issue 18's tests: a throwaway world, the fixture's options, a logger factory
/// that keeps every entry (category, level, event id, text) and every plugin event.
/// </summary>
internal sealed class Issue18Host : IAsyncDisposable
{
    /// <summary>Issue 18's classes run one after another: their time bounds (call timeouts, prompt deadlines) are seconds.</summary>
    public const string Collection = "Issue18";

    private Issue18Host(HostWorld world, PluginHost host, CapturingLoggerProvider logs)
    {
        World = world;
        Host = host;
        Logs = logs;
        Host.PluginEvent += (_, e) => Events.Enqueue(e);
    }

    public HostWorld World { get; }

    public PluginHost Host { get; }

    public CapturingLoggerProvider Logs { get; }

    public ConcurrentQueue<PluginEvent> Events { get; } = new();

    public static Issue18Host Create(Action<PluginHostOptions>? configure = null, IPermissionPrompt? prompt = null)
    {
        var world = new HostWorld();
        var options = new PluginHostOptions
        {
            Home = world.Home,
            // 1 s: the watchdog kills a spinning worker after 10 samples, well after the 3 s call timeouts these tests use.
            Watchdog = new Monitoring.WatchdogOptions { Interval = TimeSpan.FromSeconds(1) },
            RestartWindow = TimeSpan.FromMinutes(5),
            MaxRestarts = 2,
        };
        configure?.Invoke(options);
        var logs = new CapturingLoggerProvider();
        try
        {
            return new Issue18Host(world, new PluginHost(options, logs) { PermissionPrompt = prompt }, logs);
        }
        catch
        {
            world.Dispose(); // options refused: nothing else to release
            throw;
        }
    }

    /// <summary>The hello sample under <paramref name="id"/>, with the given call timeout.</summary>
    public string Hello(string id, string callTimeout = "20s") => World.Plugin("hello-csharp", id, $$"""
        runtime: dotnet
        entry: bin/HelloPlugin.dll
        entryType: Samples.Hello.HelloPlugin
        timeouts: { init: 30s, call: {{callTimeout}}, hook: 5s }
        resources: { memoryMb: 256, openFiles: 128 }
        permissions:
          required:
            - permission: file:write=$PLUGIN_DATA/**
              reason: tests
        """);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        World.Dispose();
    }
}

/// <summary>One log entry as a provider receives it.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyList<KeyValuePair<string, object?>> State);

/// <summary>Keeps every entry written through loggers it creates (a logger factory and a provider in one).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var pairs = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            owner.Entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), [.. pairs]));
        }
    }
}

/// <summary>Issue 18's test classes, run one after another.</summary>
[CollectionDefinition(Issue18Host.Collection)]
public sealed class Issue18Collection;
