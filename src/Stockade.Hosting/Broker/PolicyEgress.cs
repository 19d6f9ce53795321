using System.Globalization;
using System.Net;
using Stockade.Hosting.Broker.Http;

namespace Stockade.Hosting.Broker;

/// <summary>
/// The egress decision for one plugin: a host must match a granted <c>network:request</c> pattern;
/// a resolved address outside the public internet (loopback, private, link-local, …) is allowed
/// only when a grant names that address literally, e.g. <c>network:request=127.0.0.1:8080</c>.
/// </summary>
internal sealed class PolicyEgress(Func<string, bool> isGranted) : IEgressPolicy
{
    public bool IsHostAllowed(string asciiHost, int port) => isGranted(Permission(asciiHost, port));

    public bool IsAddressAllowed(IPAddress address, string host, int port)
    {
        var canonical = AddressClassifier.Canonical(address);
        if (AddressClassifier.Classify(canonical) == AddressKind.Public)
        {
            return true;
        }

        var literal = canonical.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{canonical}]" : canonical.ToString();
        return isGranted(Permission(literal, port));
    }

    internal static string Permission(string host, int port) => $"network:request={host}:{port.ToString(CultureInfo.InvariantCulture)}";
}
