namespace Stockade.Hosting.Broker.Http;

/// <summary>What an IP address is, as far as egress is concerned.</summary>
internal enum AddressKind
{
    /// <summary>A routable unicast address; allowed when the host pattern allows the name.</summary>
    Public,
    Loopback,
    Private,
    LinkLocal,
    SharedAddressSpace,
    Multicast,
    Unspecified,
    Broadcast,
}
