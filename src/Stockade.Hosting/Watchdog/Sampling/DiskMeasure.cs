namespace Stockade.Hosting.Monitoring.Sampling;

/// <summary>One disk scan of a folder a plugin writes.</summary>
/// <param name="Bytes">The space counted (a lower bound when the scan stopped early).</param>
/// <param name="Entries">The entries counted.</param>
/// <param name="TooMany">The scan stopped at its entry cap: the folder holds more entries than the watchdog walks per sample, which counts as over quota.</param>
internal readonly record struct DiskMeasure(long Bytes, long Entries, bool TooMany);
