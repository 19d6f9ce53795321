namespace Stockade.Hosting.Installation;

/// <summary>A public key whose package signatures a home trusts (<see cref="PluginInstaller.TrustKey"/>).</summary>
/// <param name="KeyId">The key id (<c>sha256:</c> fingerprint of the public key), as <c>stockade keygen</c> prints it.</param>
/// <param name="Name">A name to remember the key by (the key owner's).</param>
/// <param name="PublicKeyPem">The ECDSA P-256 public key, PEM.</param>
/// <param name="AddedAt">When it was trusted.</param>
public sealed record TrustedKey(string KeyId, string Name, string PublicKeyPem, DateTimeOffset AddedAt);
