using System.Net;

namespace Stockade.Hosting.Broker.Http;

/// <summary>
/// A URL that passed <see cref="EgressUrlParser"/>: scheme, normalised ASCII host, port, and the
/// literal address when the host is an IP literal (no DNS for those).
/// </summary>
internal sealed record EgressTarget(Uri Uri, string Host, int Port, IPAddress? Literal)
{
    /// <summary>The grant that would allow this target, in the grammar of DESIGN §6.</summary>
    public string Permission => $"network:request={HostForDisplay}:{Port}";

    /// <summary>The Host header value: the name, plus the port when it is not the scheme's default.</summary>
    public string HostHeader => Uri.IsDefaultPort ? HostForDisplay : $"{HostForDisplay}:{Port}";

    private string HostForDisplay => Literal is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ? $"[{Host}]" : Host;
}
