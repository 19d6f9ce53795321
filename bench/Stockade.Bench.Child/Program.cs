// A plain .NET process, the baseline for the worker: no confinement, no JSON, no plugin.
//   first  — write one byte to stdout (start-to-first-message), then wait for stdin to close.
//   pong   — echo length-prefixed frames from stdin to stdout until stdin closes (raw ping-pong).
var input = Console.OpenStandardInput();
var output = Console.OpenStandardOutput();
if (args is ["first"])
{
    output.Write([(byte)'!']);
    output.Flush();
    var sink = new byte[1];
    while (input.Read(sink) > 0)
    {
    }

    return 0;
}

if (args is ["pong"])
{
    var header = new byte[4];
    var body = new byte[1 << 16];
    while (ReadExactly(input, header))
    {
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > body.Length || !ReadExactly(input, body.AsSpan(0, length)))
        {
            return 1;
        }

        output.Write(header);
        output.Write(body, 0, length);
        output.Flush();
    }

    return 0;
}

Console.Error.WriteLine("usage: Stockade.Bench.Child first|pong");
return 2;

static bool ReadExactly(Stream stream, Span<byte> buffer)
{
    var read = 0;
    while (read < buffer.Length)
    {
        var n = stream.Read(buffer[read..]);
        if (n == 0)
        {
            return false;
        }

        read += n;
    }

    return true;
}
