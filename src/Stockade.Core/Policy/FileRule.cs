namespace Stockade.Core.Policy;

/// <summary>One Landlock rule: rights on an absolute path.</summary>
/// <param name="Path">Absolute, resolved, normalised, without glob.</param>
/// <param name="Rights">The rights granted there.</param>
/// <param name="Recursive">
/// True when the grant covers what lies beneath a directory (<c>/**</c>, and <c>/*</c>, which Landlock cannot
/// express more narrowly); false for exactly that file.
/// </param>
public sealed record FileRule(string Path, FileRights Rights, bool Recursive);
