namespace Stockade.Analysis.EntryPoints;

/// <summary>Result of <see cref="EntryValidator.Validate"/>.</summary>
/// <param name="IsValid">True when the entry assembly and type can be loaded by the worker.</param>
/// <param name="EntryTypeName">The entry type's full name (given or discovered) when one was identified; otherwise <see langword="null"/>.</param>
/// <param name="Problems">One message per failure, each saying what to change; empty when valid.</param>
public sealed record EntryValidationResult(bool IsValid, string? EntryTypeName, IReadOnlyList<string> Problems);
