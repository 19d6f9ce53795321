using Stockade.Analysis.Signing;

namespace Stockade.Analysis.Tests.Signing;

internal sealed class DictionaryTrustStore : ITrustStore
{
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    public void Add(string keyId, string publicKeyPem) => _keys[keyId] = publicKeyPem;

    public bool TryGetKey(string keyId, out string publicKeyPem) => _keys.TryGetValue(keyId, out publicKeyPem!);
}
