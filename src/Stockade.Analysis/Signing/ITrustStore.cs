namespace Stockade.Analysis.Signing;

/// <summary>The public keys whose signatures are accepted, looked up by key id.</summary>
public interface ITrustStore
{
    /// <summary>Finds a trusted key.</summary>
    /// <param name="keyId">Key id as written in <c>stockade.sig</c> (16 lowercase hex characters).</param>
    /// <param name="publicKeyPem">The SubjectPublicKeyInfo PEM of the key when trusted.</param>
    /// <returns>True when the key is trusted.</returns>
    bool TryGetKey(string keyId, out string publicKeyPem);
}
