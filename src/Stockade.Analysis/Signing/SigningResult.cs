namespace Stockade.Analysis.Signing;

/// <summary>Result of <see cref="PackageSigner.Sign"/>.</summary>
/// <param name="Succeeded">True when <c>stockade.sig</c> was written.</param>
/// <param name="KeyId">Id of the signing key when it could be read; otherwise <see langword="null"/>.</param>
/// <param name="FileCount">Number of files covered by the signature.</param>
/// <param name="Problem">Why signing failed and what to do; <see langword="null"/> on success.</param>
public sealed record SigningResult(bool Succeeded, string? KeyId, int FileCount, string? Problem)
{
    /// <summary>The folder was refused (a link, device, FIFO, socket, hard link, or a file past the limits): a plugin refusal, not a usage error.</summary>
    public bool FolderRefused { get; init; }
}
