namespace Stockade.Analysis.Signing;

/// <summary>A key pair written by <see cref="PackageSigner.GenerateKey"/>.</summary>
/// <param name="KeyId">First 16 hex characters of the SHA-256 of the public key's SubjectPublicKeyInfo DER.</param>
/// <param name="PrivateKeyPath"><c>&lt;prefix&gt;.key.pem</c>, PKCS#8, mode 0600.</param>
/// <param name="PublicKeyPath"><c>&lt;prefix&gt;.pub.pem</c>, SubjectPublicKeyInfo.</param>
public sealed record GeneratedKey(string KeyId, string PrivateKeyPath, string PublicKeyPath);
