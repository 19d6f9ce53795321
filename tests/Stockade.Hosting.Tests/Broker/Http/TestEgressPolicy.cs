using System.Collections.Concurrent;
using System.Net;
using Stockade.Hosting.Broker.Http;

namespace Stockade.Hosting.Tests.Broker.Http;

/// <summary>
/// A policy as the lead will build it from a SandboxPolicy: named hosts (with ports) and, separately,
/// the addresses it grants explicitly. <see cref="AnyHost"/> allows every name so that a refusal can
/// only come from the URL parser or the address check.
/// </summary>
internal sealed class TestEgressPolicy : IEgressPolicy
{
    private readonly HashSet<string> _hosts;
    private readonly HashSet<IPAddress> _addresses;

    public TestEgressPolicy(IEnumerable<string> hosts, IEnumerable<IPAddress> addresses)
    {
        _hosts = new HashSet<string>(hosts, StringComparer.Ordinal);
        _addresses = [.. addresses];
    }

    public bool AnyHost { get; init; }

    public ConcurrentQueue<string> HostChecks { get; } = new();

    public bool IsHostAllowed(string asciiHost, int port)
    {
        HostChecks.Enqueue($"{asciiHost}:{port}");
        return AnyHost || _hosts.Contains($"{asciiHost}:{port}");
    }

    public bool IsAddressAllowed(IPAddress address, string host, int port) =>
        AddressClassifier.Classify(address) == AddressKind.Public || _addresses.Contains(address);
}
