namespace Stockade.Core.Policy;

/// <summary>Whether a grant can be honoured for a plugin, with the reason when it cannot.</summary>
/// <param name="Ok">True when a declared permission covers the grant.</param>
/// <param name="Message">What was found, in plain words.</param>
public sealed record GrantValidation(bool Ok, string Message);
