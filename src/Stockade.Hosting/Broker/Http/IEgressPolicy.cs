using System.Net;

namespace Stockade.Hosting.Broker.Http;

/// <summary>
/// The permission decision for one plugin's outgoing HTTP, implemented from its SandboxPolicy.
/// <see cref="BrokeredHttp"/> asks it twice per hop: once for the normalised name and port, once for
/// every address that name resolves to.
/// </summary>
internal interface IEgressPolicy
{
    /// <summary>Whether a <c>network:request</c> grant matches <paramref name="asciiHost"/> (lower case, no trailing dot) and <paramref name="port"/>.</summary>
    bool IsHostAllowed(string asciiHost, int port);

    /// <summary>
    /// Whether <paramref name="address"/>, one answer for <paramref name="host"/>, may be contacted.
    /// Called for special ranges (loopback, private, link-local, ...) as well as public addresses; a
    /// policy should allow special ranges only when the grant names them explicitly.
    /// </summary>
    bool IsAddressAllowed(IPAddress address, string host, int port);
}
