using Stockade.Hosting.Store;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>One installed plugin's configuration and key-value store, with its quotas.</summary>
internal interface IPluginData
{
    /// <summary>False for a plugin loaded from a folder: the host keeps no data for it (decision 16).</summary>
    bool IsInstalled { get; }

    long ConfigQuotaBytes { get; }

    long KeyValueQuotaBytes { get; }

    string? GetConfig(string key);

    KvWriteResult SetConfig(string key, string json);

    byte[]? GetValue(string ns, string key);

    KvWriteResult SetValue(string ns, string key, byte[] value);

    bool DeleteValue(string ns, string key);

    IReadOnlyList<string> ListKeys(string ns, string? prefix);
}
