using Microsoft.Extensions.Logging;
using Stockade.Cli.Rendering;

namespace Stockade.Cli.Infrastructure;

/// <summary>
/// What <c>stockade run</c> shows of the plugin itself on stderr (issue 18 item 7): each line it logs, with its level,
/// and each line it writes to its console (the worker's stderr; a .NET plugin's <c>Console.Out</c> lands there too, as
/// stdout carries the protocol). It is the host's logger, keeping only the two events that carry the plugin's words —
/// the plugin's log line (event 1005, at the level the plugin gave) and a line of the worker's stderr (event 1002) —
/// so the host's own diagnostics stay out of the way. Every line is plugin text: one sanitised line each
/// (<see cref="TerminalText.Line"/>), prefixed with the plugin id as the host knows it, so it can neither move the
/// cursor nor pass for the CLI's own words.
/// </summary>
internal sealed class PluginOutputLog(TextWriter error, StatusLine? status = null) : ILoggerFactory, ILogger
{
    /// <summary>The plugin's log line (<c>Log.PluginLog</c>).</summary>
    public const int PluginLogEvent = 1005;

    /// <summary>A line of the worker's stderr (<c>Log.WorkerStderr</c>).</summary>
    public const int WorkerStderrEvent = 1002;

    private readonly Lock _gate = new();

    /// <summary>The label a person reads for a level.</summary>
    public static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "log",
    };

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
        // The CLI's own sink only.
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id is not (PluginLogEvent or WorkerStderrEvent) || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return;
        }

        var plugin = Value(values, "PluginId");
        var text = eventId.Id == PluginLogEvent ? Value(values, "Message") : Value(values, "Line");
        var label = eventId.Id == PluginLogEvent ? Label(logLevel) : "console";
        var line = $"[{TerminalText.Line(plugin, 200)}] {label}: {TerminalText.Line(text)}";
        lock (_gate)
        {
            // Diagnostic output never throws (a closed stderr must not fail the call).
            try
            {
                if (status is null)
                {
                    error.WriteLine(line);
                }
                else
                {
                    status.WriteLine(error, line); // erases a spinner first
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // Nobody reads stderr any more; the call goes on.
            }
        }
    }

    public void Dispose()
    {
        // Nothing held: the writer is the console's.
    }

    private static string? Value(IReadOnlyList<KeyValuePair<string, object?>> values, string name)
    {
        foreach (var pair in values)
        {
            if (pair.Key == name)
            {
                return pair.Value?.ToString();
            }
        }

        return null;
    }
}
