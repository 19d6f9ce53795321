namespace Stockade.Hosting.Audit;

/// <summary>Reads a file as <c>\n</c>-separated lines of raw bytes, streaming, without decoding them.</summary>
internal static class JsonlLines
{
    /// <summary>Yields (1-based line number, bytes without the newline). A last line without a newline is yielded too.</summary>
    public static IEnumerable<(int Number, ReadOnlyMemory<byte> Line)> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        var buffer = new byte[64 * 1024];
        var start = 0;
        var end = 0;
        var number = 0;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                number++;
                yield return (number, buffer.AsMemory(start, newline));
                start += newline + 1;
                continue;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = stream.Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                if (end > 0)
                {
                    number++;
                    yield return (number, buffer.AsMemory(0, end));
                }

                yield break;
            }

            end += read;
        }
    }
}
