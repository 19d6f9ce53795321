namespace Stockade.Hosting.Validation;

/// <summary>The signature check of a plugin folder.</summary>
/// <param name="Status">
/// <c>valid</c>, <c>unsigned</c>, <c>untrusted-key</c>, <c>bad-signature</c>, <c>file-changed</c>, <c>file-added</c>,
/// <c>file-removed</c>, or <c>not-checked</c> (signed, but no home was given to say which keys are trusted).
/// </param>
/// <param name="KeyId">The signing key's id, when the folder is signed.</param>
/// <param name="Problem">What is wrong and what to do, when the status is not <c>valid</c>.</param>
public sealed record SignatureSummary(string Status, string? KeyId, string? Problem);
