namespace Samples.Hello;

/// <summary>Input of <c>greet</c>.</summary>
/// <param name="Name">Who to greet.</param>
public sealed record GreetInput(string Name);

/// <summary>Output of <c>greet</c>.</summary>
/// <param name="Message">The greeting.</param>
public sealed record GreetOutput(string Message);

/// <summary>Input of <c>sleep</c>.</summary>
/// <param name="Ms">How long to sleep, in milliseconds.</param>
public sealed record SleepInput(int Ms);

/// <summary>The trace the plugin runs in: the trace id, the parent span (the host's call) and the trace state.</summary>
public sealed record TraceOutput(string? TraceId, string? ParentSpanId, string? TraceState);
