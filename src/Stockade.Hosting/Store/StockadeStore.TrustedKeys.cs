using Stockade.Hosting.Installation;

namespace Stockade.Hosting.Store;

internal sealed partial class StockadeStore
{
    /// <summary>Trusts a signing key (replaces the entry with the same key id).</summary>
    /// <param name="key">The key.</param>
    public void AddTrustedKey(TrustedKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Write((connection, transaction) =>
        {
            using var command = Command(
                connection,
                transaction,
                """
                INSERT INTO trusted_keys(key_id, name, public_key_pem, added_at) VALUES ($id, $name, $pem, $at)
                ON CONFLICT(key_id) DO UPDATE SET name = excluded.name, public_key_pem = excluded.public_key_pem, added_at = excluded.added_at
                """,
                ("$id", key.KeyId),
                ("$name", key.Name),
                ("$pem", key.PublicKeyPem),
                ("$at", FormatTime(key.AddedAt)));
            return command.ExecuteNonQuery();
        });
    }

    /// <summary>Every trusted key, ordered by name then id.</summary>
    public IReadOnlyList<TrustedKey> ListTrustedKeys() => Execute(connection =>
    {
        using var command = Command(connection, null, "SELECT key_id, name, public_key_pem, added_at FROM trusted_keys ORDER BY name, key_id");
        using var reader = command.ExecuteReader();
        var keys = new List<TrustedKey>();
        while (reader.Read())
        {
            keys.Add(new TrustedKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), ParseTime(reader.GetString(3))));
        }

        return keys;
    });

    /// <summary>Stops trusting a key. False when it was not trusted.</summary>
    /// <param name="keyId">Key id.</param>
    public bool RemoveTrustedKey(string keyId)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        return Write((connection, transaction) =>
        {
            using var command = Command(connection, transaction, "DELETE FROM trusted_keys WHERE key_id = $id", ("$id", keyId));
            return command.ExecuteNonQuery() > 0;
        });
    }
}
