using System.Net;
using Stockade.Hosting.Broker.Http;

namespace Stockade.Hosting.Tests.Broker.Http;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("127.0.0.1", nameof(AddressKind.Loopback))]
    [InlineData("127.255.0.9", nameof(AddressKind.Loopback))]
    [InlineData("::1", nameof(AddressKind.Loopback))]
    [InlineData("::ffff:127.0.0.1", nameof(AddressKind.Loopback))]
    [InlineData("64:ff9b::a00:5", nameof(AddressKind.Private))]
    [InlineData("64:ff9b::7f00:1", nameof(AddressKind.Loopback))]
    [InlineData("64:ff9b:1::1", nameof(AddressKind.Private))]
    [InlineData("2002:a9fe:a9fe::1", nameof(AddressKind.LinkLocal))]
    [InlineData("2002:c0a8:101::1", nameof(AddressKind.Private))]
    [InlineData("64:ff9b::808:808", nameof(AddressKind.Public))]
    [InlineData("10.1.2.3", nameof(AddressKind.Private))]
    [InlineData("172.16.0.1", nameof(AddressKind.Private))]
    [InlineData("172.31.255.255", nameof(AddressKind.Private))]
    [InlineData("192.168.1.1", nameof(AddressKind.Private))]
    [InlineData("::ffff:192.168.1.1", nameof(AddressKind.Private))]
    [InlineData("fc00::1", nameof(AddressKind.Private))]
    [InlineData("fd12:3456::1", nameof(AddressKind.Private))]
    [InlineData("169.254.169.254", nameof(AddressKind.LinkLocal))]
    [InlineData("fe80::1", nameof(AddressKind.LinkLocal))]
    [InlineData("100.64.0.1", nameof(AddressKind.SharedAddressSpace))]
    [InlineData("100.127.255.255", nameof(AddressKind.SharedAddressSpace))]
    [InlineData("224.0.0.1", nameof(AddressKind.Multicast))]
    [InlineData("ff02::1", nameof(AddressKind.Multicast))]
    [InlineData("0.0.0.0", nameof(AddressKind.Unspecified))]
    [InlineData("::", nameof(AddressKind.Unspecified))]
    [InlineData("255.255.255.255", nameof(AddressKind.Broadcast))]
    [InlineData("172.32.0.1", nameof(AddressKind.Public))]
    [InlineData("100.128.0.1", nameof(AddressKind.Public))]
    [InlineData("93.184.216.34", nameof(AddressKind.Public))]
    [InlineData("2606:4700::1111", nameof(AddressKind.Public))]
    public void Classify_KnownRanges_ReturnsTheirKind(string address, string expected) =>
        AddressClassifier.Classify(IPAddress.Parse(address)).ToString().ShouldBe(expected);
}
