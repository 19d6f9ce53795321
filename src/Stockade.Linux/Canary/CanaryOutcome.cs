namespace Stockade.Linux.Canary;

/// <summary>What one canary probe found.</summary>
internal enum CanaryOutcome
{
    /// <summary>The kernel refused the action (EPERM from seccomp/scopes, EACCES from Landlock).</summary>
    Blocked,

    /// <summary>The action succeeded: a confinement the worker relies on is missing.</summary>
    Allowed,

    /// <summary>The probe failed in a way that proves neither (e.g. the file does not exist); counts as not blocked.</summary>
    Inconclusive,

    /// <summary>The probe does not apply here (e.g. no nameable parent inside a pid namespace).</summary>
    Skipped,
}
