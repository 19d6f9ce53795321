namespace Stockade.Hosting.Store;

/// <summary>A public key whose package signatures are trusted.</summary>
/// <param name="KeyId">Key id (fingerprint), primary key.</param>
/// <param name="Name">Human name of the key owner.</param>
/// <param name="PublicKeyPem">The ECDSA P-256 public key, PEM.</param>
/// <param name="AddedAt">When it was trusted.</param>
public sealed record TrustedKeyRecord(string KeyId, string Name, string PublicKeyPem, DateTimeOffset AddedAt);
