namespace Stockade.Linux.Canary;

/// <summary>The result of one probe: its name, outcome, the errno seen (0 if none) and a sentence for logs.</summary>
internal sealed record CanaryProbeResult(string Name, CanaryOutcome Outcome, int Errno, string Detail);
