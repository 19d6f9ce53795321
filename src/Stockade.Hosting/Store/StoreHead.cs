using Stockade.Core.Audit;

namespace Stockade.Hosting.Store;

/// <summary>
/// The audit head a home's store keeps (the last record's sequence number and hash, moved forward by the host as it
/// writes), read without opening a host: what <c>stockade audit verify</c> compares the log's end with.
/// </summary>
public static class StoreHead
{
    /// <summary>Reads the audit head of <paramref name="home"/>'s store; null when the home has no store yet, or the store no head.</summary>
    /// <param name="home">The Stockade home.</param>
    /// <exception cref="StoreException">The store cannot be opened; <see cref="StoreException.IsIntegrityFailure"/> when it is damaged or empty.</exception>
    public static AuditHead? Read(StockadeHome home)
    {
        ArgumentNullException.ThrowIfNull(home);
        if (!File.Exists(home.DatabasePath))
        {
            return null;
        }

        using var store = new StockadeStore(home.Root);
        return store.Read();
    }
}
