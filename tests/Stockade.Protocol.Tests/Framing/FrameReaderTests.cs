using System.Buffers.Binary;
using System.Text;

namespace Stockade.Protocol.Tests;

public sealed class FrameReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(70_000)]
    [InlineData(300_000)]
    public async Task ReadFrameAsync_FramesWrittenByFrameWriter_RoundTrip(int size)
    {
        var payload = Enumerable.Range(0, size).Select(i => (byte)(i % 251)).ToArray();
        using var stream = new MemoryStream();
        var writer = new FrameWriter(stream);
        await writer.WriteFrameAsync(payload);
        await writer.WriteFrameAsync("second"u8.ToArray());
        await writer.FlushAsync();
        stream.Position = 0;

        var reader = new FrameReader(stream);
        using (var first = await reader.ReadFrameAsync())
        {
            first.ShouldNotBeNull().Payload.ToArray().ShouldBe(payload);
        }

        using (var second = await reader.ReadFrameAsync())
        {
            Encoding.UTF8.GetString(second.ShouldNotBeNull().Payload.Span).ShouldBe("second");
        }

        (await reader.ReadFrameAsync()).ShouldBeNull();
    }

    [Fact]
    public async Task ReadFrameAsync_EmptyStream_ReturnsNull()
    {
        var reader = new FrameReader(new MemoryStream());

        (await reader.ReadFrameAsync()).ShouldBeNull();
    }

    [Fact]
    public async Task ReadFrameAsync_ZeroLength_ThrowsViolation()
    {
        var reader = new FrameReader(new MemoryStream([0, 0, 0, 0]));

        var violation = await Should.ThrowAsync<ProtocolViolationException>(() => reader.ReadFrameAsync().AsTask());
        violation.Message.ShouldContain("length 0");
    }

    [Fact]
    public async Task ReadFrameAsync_LengthAboveLimit_ThrowsViolationNamingBothSizes()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, 20_000_000);
        var reader = new FrameReader(new MemoryStream(header));

        var violation = await Should.ThrowAsync<ProtocolViolationException>(() => reader.ReadFrameAsync().AsTask());
        violation.Message.ShouldBe("frame of 20000000 bytes exceeds the 16 MiB limit");
    }

    [Fact]
    public async Task ReadFrameAsync_StreamEndsInsideHeader_ThrowsViolation()
    {
        var reader = new FrameReader(new MemoryStream([0, 0]));

        var violation = await Should.ThrowAsync<ProtocolViolationException>(() => reader.ReadFrameAsync().AsTask());
        violation.Message.ShouldContain("2 of 4");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(200_000)]
    public async Task ReadFrameAsync_StreamEndsInsidePayload_ThrowsViolation(int declared)
    {
        var bytes = new byte[4 + 5];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)declared);
        var reader = new FrameReader(new MemoryStream(bytes), maxFrameBytes: 1_000_000);

        var violation = await Should.ThrowAsync<ProtocolViolationException>(() => reader.ReadFrameAsync().AsTask());
        violation.Message.ShouldContain($"5 of {declared}");
    }

    [Fact]
    public async Task WriteFrameAsync_PayloadAboveLimit_ThrowsArgumentException()
    {
        var writer = new FrameWriter(new MemoryStream(), maxFrameBytes: 8);

        await Should.ThrowAsync<ArgumentException>(() => writer.WriteFrameAsync(new byte[9]).AsTask());
    }

    [Fact]
    public async Task WriteFrameAsync_EmptyPayload_ThrowsArgumentException()
    {
        var writer = new FrameWriter(new MemoryStream());

        await Should.ThrowAsync<ArgumentException>(() => writer.WriteFrameAsync(ReadOnlyMemory<byte>.Empty).AsTask());
    }
}
