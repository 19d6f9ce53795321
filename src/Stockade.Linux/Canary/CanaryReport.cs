namespace Stockade.Linux.Canary;

/// <summary>The probes of one <see cref="CanarySelfTest.Run"/>.</summary>
internal sealed record CanaryReport(IReadOnlyList<CanaryProbeResult> Probes)
{
    /// <summary>True when every applicable probe was blocked by the kernel; an inconclusive probe fails closed.</summary>
    internal bool AllBlocked => Probes.All(p => p.Outcome is CanaryOutcome.Blocked or CanaryOutcome.Skipped);
}
