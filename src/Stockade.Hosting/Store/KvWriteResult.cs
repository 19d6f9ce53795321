namespace Stockade.Hosting.Store;

/// <summary>Outcome of <see cref="StockadeStore.SetValue"/>.</summary>
internal enum KvWriteResult
{
    /// <summary>The value was stored.</summary>
    Written,

    /// <summary>No plugin with that id is installed; nothing was stored.</summary>
    PluginNotFound,

    /// <summary>Storing it would take the plugin past its quota; nothing was stored.</summary>
    QuotaExceeded,
}
