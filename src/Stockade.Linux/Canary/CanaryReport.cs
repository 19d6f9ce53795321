namespace Stockade.Linux.Canary;

/// <summary>The probes of one <see cref="CanarySelfTest.Run"/>.</summary>
internal sealed record CanaryReport(IReadOnlyList<CanaryProbeResult> Probes)
{
    /// <summary>True when every applicable probe was blocked by the kernel; an inconclusive probe fails closed.</summary>
    internal bool AllBlocked
    {
        get
        {
            // A loop, not Enumerable.All: this runs before the plugin loads and needs nothing of System.Linq.
            for (var i = 0; i < Probes.Count; i++)
            {
                if (Probes[i].Outcome is not (CanaryOutcome.Blocked or CanaryOutcome.Skipped))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
