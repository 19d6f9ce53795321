using System.Net;
using System.Net.Sockets;

namespace Stockade.Hosting.Broker.Http;

/// <summary>
/// Classifies addresses so that loopback, private, link-local and other special ranges are never
/// reached unless a grant names them explicitly. IPv4-mapped IPv6 addresses are judged by the IPv4
/// address they carry, so <c>::ffff:127.0.0.1</c> is loopback.
/// </summary>
internal static class AddressClassifier
{
    /// <summary>Returns the address the socket would really talk to: mapped IPv6 becomes IPv4.</summary>
    public static IPAddress Canonical(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static AddressKind Classify(IPAddress address)
    {
        address = Canonical(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address),
            AddressFamily.InterNetworkV6 => ClassifyV6(address),
            _ => AddressKind.Unspecified,
        };
    }

    private static AddressKind ClassifyV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return (b[0], b[1]) switch
        {
            (0, _) => AddressKind.Unspecified,
            (127, _) => AddressKind.Loopback,
            (10, _) => AddressKind.Private,
            (172, >= 16 and <= 31) => AddressKind.Private,
            (192, 168) => AddressKind.Private,
            (169, 254) => AddressKind.LinkLocal,
            (100, >= 64 and <= 127) => AddressKind.SharedAddressSpace,
            ( >= 224 and <= 239, _) => AddressKind.Multicast,
            (255, 255) when b[2] == 255 && b[3] == 255 => AddressKind.Broadcast,
            _ => AddressKind.Public,
        };
    }

    private static AddressKind ClassifyV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Any))
        {
            return AddressKind.Unspecified;
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return AddressKind.Loopback;
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (b[0] == 0xff)
        {
            return AddressKind.Multicast;
        }

        if ((b[0] & 0xfe) == 0xfc)
        {
            return AddressKind.Private;
        }

        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return AddressKind.LinkLocal;
        }

        // ::a.b.c.d (deprecated IPv4-compatible) would reach the IPv4 address on some stacks: judge it as IPv4.
        if (IsZero(b[..12]))
        {
            return ClassifyV4(new IPAddress(b[12..]));
        }

        // Addresses that carry an IPv4 address a translator reaches: NAT64 64:ff9b::/96 (well-known prefix) and
        // 64:ff9b:1::/48 (local-use, RFC 8215; the IPv4 address in the last four bytes as in RFC 6052's /96 layout is
        // not guaranteed there, so the whole prefix is private), and 6to4 2002:a.b.c.d::/16.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
        {
            if (IsZero(b[4..12]))
            {
                return ClassifyV4(new IPAddress(b[12..]));
            }

            if (b[4] == 0x00 && b[5] == 0x01)
            {
                return AddressKind.Private;
            }
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(new IPAddress(b[2..6]));
        }

        return AddressKind.Public;
    }

    private static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);
}
