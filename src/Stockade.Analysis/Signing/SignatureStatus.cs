namespace Stockade.Analysis.Signing;

/// <summary>Outcome of <see cref="PackageVerifier.Verify"/>. Only <see cref="Valid"/> means the package is as signed.</summary>
public enum SignatureStatus
{
    /// <summary>Signed by a trusted key and every file is exactly as signed.</summary>
    Valid = 0,

    /// <summary>There is no <c>stockade.sig</c>.</summary>
    Unsigned = 1,

    /// <summary>The signing key is not in the trust store.</summary>
    UntrustedKey = 2,

    /// <summary>The signature file is malformed or its signature does not verify with the trusted key.</summary>
    BadSignature = 3,

    /// <summary>A signed file's content differs from what was signed.</summary>
    FileChanged = 4,

    /// <summary>A file is present that was not signed.</summary>
    FileAdded = 5,

    /// <summary>A signed file is missing.</summary>
    FileRemoved = 6,
}
