namespace Samples.Misbehave;

/// <summary>A file to read or write, with an optional size.</summary>
/// <param name="Path">The file.</param>
/// <param name="Mb">How many MiB to write.</param>
public sealed record FileInput(string Path, int Mb = 0);

/// <summary>A command line to run.</summary>
/// <param name="FileName">The executable.</param>
/// <param name="Arguments">Its arguments.</param>
public sealed record RunInput(string FileName, IReadOnlyList<string>? Arguments = null);

/// <summary>What a resource-exhausting method achieved before it stopped.</summary>
/// <param name="Count">How many units (MiB, threads, descriptors, processes) it obtained.</param>
/// <param name="Error">The error that stopped it, or <see langword="null"/>.</param>
public sealed record ExhaustReport(long Count, string? Error);

public sealed record FetchInput(string Url);

/// <summary>How <c>grow</c> takes memory: a step every <paramref name="StepMs"/> ms until <paramref name="MaxMb"/>.</summary>
/// <param name="MbPerStep">MiB taken (and touched) per step.</param>
/// <param name="StepMs">Pause between steps, so a watchdog sees the growth.</param>
/// <param name="Memory">
/// <c>managed</c>: byte arrays, which the worker's GC heap hard limit stops with an <see cref="OutOfMemoryException"/>;
/// <c>shared</c>: a shared anonymous mapping, which neither the GC heap limit nor RLIMIT_DATA counts, so only
/// the watchdog's resident-memory limit stops it.
/// </param>
/// <param name="MaxMb">Where it stops on its own.</param>
public sealed record GrowInput(int MbPerStep = 8, int StepMs = 250, string Memory = "managed", int MaxMb = 2048);

/// <summary>A line to log at every level, optionally under a category.</summary>
/// <param name="Text">The line.</param>
/// <param name="Category">The category, or <see langword="null"/> for the plugin's own.</param>
public sealed record LogInput(string Text, string? Category = null);
