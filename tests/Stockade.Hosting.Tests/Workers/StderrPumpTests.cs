using System.Text;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting.Tests.Workers;

public sealed class StderrPumpTests
{
    [Fact]
    public async Task RunAsync_LinesSplitAcrossReads_DeliveredWhole()
    {
        var lines = await PumpAsync(Encoding.UTF8.GetBytes("one\r\ntwo\nthr"), Encoding.UTF8.GetBytes("ee\nlast without newline"));

        lines.ShouldBe(["one", "two", "three", "last without newline"]);
    }

    [Fact]
    public async Task RunAsync_LineLongerThanTheBound_CutAndMarkedWithTheDroppedCount()
    {
        var big = new byte[10 * 1024 * 1024];
        big.AsSpan().Fill((byte)'x');

        var lines = await PumpAsync(big, "\nnext\n"u8.ToArray());

        lines.Count.ShouldBe(2);
        lines[0].ShouldStartWith(new string('x', StderrPump.MaxLineBytes));
        lines[0].ShouldEndWith($"[line cut: {big.Length - StderrPump.MaxLineBytes} more bytes]");
        lines[1].ShouldBe("next");
    }

    [Fact]
    public async Task RunAsync_InvalidUtf8_ReplacedNotThrown()
    {
        var lines = await PumpAsync([0xff, 0xfe, (byte)'a', 0xc3, (byte)'\n']);

        lines.ShouldBe(["\ufffd\ufffda\ufffd"]);
    }

    [Fact]
    public async Task RunAsync_BrokenStream_EndsQuietly()
    {
        var lines = new List<string>();

        await StderrPump.RunAsync(new ThrowingStream(), lines.Add);

        lines.ShouldBeEmpty();
    }

    private static async Task<List<string>> PumpAsync(params byte[][] writes)
    {
        var lines = new List<string>();
        await StderrPump.RunAsync(new ChunkedStream(writes), lines.Add);
        return lines;
    }

    // Returns each write as it came (and large ones in pieces), as a pipe would.
    private sealed class ChunkedStream(byte[][] writes) : Stream
    {
        private int _index;
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_index >= writes.Length)
            {
                return 0;
            }

            var current = writes[_index];
            var n = Math.Min(count, current.Length - _offset);
            current.AsSpan(_offset, n).CopyTo(buffer.AsSpan(offset));
            _offset += n;
            if (_offset == current.Length)
            {
                (_index, _offset) = (_index + 1, 0);
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class ThrowingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("broken pipe");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
