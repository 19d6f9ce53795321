using Stockade.Analysis.Signing;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Validation;

/// <summary>The home's trusted keys as the signature verifier asks for them.</summary>
internal sealed class StoreTrustStore(StockadeStore store) : ITrustStore
{
    public bool TryGetKey(string keyId, out string publicKeyPem)
    {
        var key = store.ListTrustedKeys().FirstOrDefault(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal));
        publicKeyPem = key?.PublicKeyPem ?? string.Empty;
        return key is not null;
    }
}
