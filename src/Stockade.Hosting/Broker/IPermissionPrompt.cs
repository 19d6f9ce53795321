namespace Stockade.Hosting;

/// <summary>
/// Decides a plugin's run-time request for an optional permission it declared. The CLI prompts on a
/// terminal and refuses without one; an application shows its own dialog.
/// </summary>
public interface IPermissionPrompt
{
    /// <summary>Asks a person. Called only for declared optional permissions not yet decided.</summary>
    ValueTask<PermissionAnswer> AskAsync(string pluginId, string permission, string? reason, CancellationToken cancellationToken);
}

/// <summary>The answer to an optional-permission request.</summary>
public enum PermissionAnswer
{
    /// <summary>Refuse (the default when nobody can be asked).</summary>
    Deny,

    /// <summary>Allow for this worker's lifetime only.</summary>
    AllowOnce,

    /// <summary>Allow and store the grant.</summary>
    AllowAlways,
}
