namespace Stockade.Core.Manifest;

/// <summary>What limits a worker restarted after a resource kill runs under (manifest <c>restart.limits</c>).</summary>
public enum RestartLimits
{
    /// <summary>The same limits as before (the default).</summary>
    Same,

    /// <summary>
    /// Each restart after a resource kill within the window multiplies every limit that allows it by the policy's
    /// factor, never below the limit's floor (see <see cref="ResourceLimitDefinition.StricterOnRestart"/>).
    /// </summary>
    Stricter,
}
