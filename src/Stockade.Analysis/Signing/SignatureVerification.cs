namespace Stockade.Analysis.Signing;

/// <summary>Result of verifying a plugin folder's signature.</summary>
/// <param name="Status">What was found.</param>
/// <param name="KeyId">The key id claimed by <c>stockade.sig</c>; <see langword="null"/> when unsigned or unreadable.</param>
/// <param name="Problem">For anything but <see cref="SignatureStatus.Valid"/>: what is wrong (naming the file) and what to do; otherwise <see langword="null"/>.</param>
public sealed record SignatureVerification(SignatureStatus Status, string? KeyId, string? Problem)
{
    /// <summary>True only for <see cref="SignatureStatus.Valid"/>.</summary>
    public bool IsValid => Status == SignatureStatus.Valid;
}
