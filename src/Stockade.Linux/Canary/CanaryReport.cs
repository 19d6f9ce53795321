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

    /// <summary>The probes that were not blocked, as one line for a refusal message.</summary>
    internal string Holes()
    {
        var holes = new System.Text.StringBuilder();
        foreach (CanaryProbeResult probe in Probes)
        {
            if (probe.Outcome is CanaryOutcome.Allowed or CanaryOutcome.Inconclusive)
            {
                holes.Append(holes.Length == 0 ? string.Empty : "; ").Append(probe.Name).Append(": ").Append(probe.Outcome.ToString())
                    .Append(" (").Append(probe.Detail).Append(')');
            }
        }

        return holes.ToString();
    }
}
