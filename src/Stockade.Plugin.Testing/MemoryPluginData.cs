using System.Text;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Store;

namespace Stockade.Plugin.Testing;

// The configuration and key-value store an installed plugin has, kept in memory; the quotas count as the host's store
// counts them (UTF-8 bytes of keys plus values).
internal sealed class MemoryPluginData(long configQuotaBytes, long keyValueQuotaBytes) : IPluginData
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _config = new(StringComparer.Ordinal);
    private readonly SortedDictionary<(string Namespace, string Key), byte[]> _values = new(Comparer<(string, string)>.Create(
        (a, b) => string.CompareOrdinal(a.Item1, b.Item1) is var ns and not 0 ? ns : string.CompareOrdinal(a.Item2, b.Item2)));

    public bool IsInstalled => true;

    public long ConfigQuotaBytes { get; } = configQuotaBytes;

    public long KeyValueQuotaBytes { get; } = keyValueQuotaBytes;

    public string? GetConfig(string key)
    {
        lock (_gate)
        {
            return _config.GetValueOrDefault(key);
        }
    }

    public KvWriteResult SetConfig(string key, string json)
    {
        lock (_gate)
        {
            var usage = _config.Where(e => e.Key != key).Sum(e => (long)Encoding.UTF8.GetByteCount(e.Key) + Encoding.UTF8.GetByteCount(e.Value));
            if (usage + Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(json) > ConfigQuotaBytes)
            {
                return KvWriteResult.QuotaExceeded;
            }

            _config[key] = json;
            return KvWriteResult.Written;
        }
    }

    public byte[]? GetValue(string ns, string key)
    {
        lock (_gate)
        {
            return _values.TryGetValue((ns, key), out var value) ? [.. value] : null;
        }
    }

    public KvWriteResult SetValue(string ns, string key, byte[] value)
    {
        lock (_gate)
        {
            var usage = _values.Where(e => e.Key != (ns, key)).Sum(e => (long)Encoding.UTF8.GetByteCount(e.Key.Key) + e.Value.Length);
            if (usage + Encoding.UTF8.GetByteCount(key) + value.Length > KeyValueQuotaBytes)
            {
                return KvWriteResult.QuotaExceeded;
            }

            _values[(ns, key)] = [.. value];
            return KvWriteResult.Written;
        }
    }

    public bool DeleteValue(string ns, string key)
    {
        lock (_gate)
        {
            return _values.Remove((ns, key));
        }
    }

    public IReadOnlyList<string> ListKeys(string ns, string? prefix)
    {
        lock (_gate)
        {
            return [.. _values.Keys.Where(k => k.Namespace == ns && (prefix is null || k.Key.StartsWith(prefix, StringComparison.Ordinal))).Select(k => k.Key)];
        }
    }

    public IReadOnlyDictionary<string, string> ConfigSnapshot()
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(_config, StringComparer.Ordinal);
        }
    }

    public IReadOnlyDictionary<string, string> StoreSnapshot()
    {
        lock (_gate)
        {
            return _values.ToDictionary(e => e.Key.Namespace == "default" ? e.Key.Key : $"{e.Key.Namespace}/{e.Key.Key}", e => Encoding.UTF8.GetString(e.Value), StringComparer.Ordinal);
        }
    }
}
