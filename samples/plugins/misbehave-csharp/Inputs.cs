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
