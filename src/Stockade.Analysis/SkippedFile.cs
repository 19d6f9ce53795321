namespace Stockade.Analysis;

/// <summary>A file that was looked at but could not be analysed, and why.</summary>
/// <param name="Path">Path relative to the plugin folder (or as given).</param>
/// <param name="Reason">Why it was not analysed, in words for a person.</param>
public sealed record SkippedFile(string Path, string Reason);
