using System.Text;

namespace Stockade.Hosting.Workers;

/// <summary>
/// Reads a worker's stderr as bytes and hands on bounded lines. A worker chooses what it writes, so no
/// line is ever built whole: at most <see cref="MaxLineBytes"/> bytes of a line are kept, the rest is
/// counted and dropped until its newline, and the line is marked as cut. Memory per worker is fixed:
/// one read buffer and one line buffer (18 KiB), whatever the worker writes and however fast.
/// </summary>
/// <remarks>
/// Replaces <c>Process.BeginErrorReadLine</c>, whose reader appends a line to a <c>StringBuilder</c>
/// until a newline arrives: one 1.1 GiB line without a newline took ~3.4 bytes of host memory per byte
/// and ended the host with an <see cref="OutOfMemoryException"/>.
/// </remarks>
internal static class StderrPump
{
    /// <summary>Bytes of one line that are kept (UTF-8; the rest of the line is counted, not stored).</summary>
    public const int MaxLineBytes = 2048;

    private const int ReadBufferBytes = 16 * 1024;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Reads <paramref name="stream"/> to its end, calling <paramref name="onLine"/> for every line (without
    /// its newline). Never throws: a read error ends the pump, and <paramref name="onLine"/> must not throw
    /// (the caller wraps it).
    /// </summary>
    public static async Task RunAsync(Stream stream, Action<string> onLine)
    {
        var buffer = new byte[ReadBufferBytes];
        var line = new byte[MaxLineBytes];
        var length = 0;
        long cut = 0;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                var chunk = buffer.AsSpan(0, read);
                while (chunk.Length > 0)
                {
                    var newline = chunk.IndexOf((byte)'\n');
                    var part = newline < 0 ? chunk : chunk[..newline];
                    var room = MaxLineBytes - length;
                    if (part.Length <= room)
                    {
                        part.CopyTo(line.AsSpan(length));
                        length += part.Length;
                    }
                    else
                    {
                        part[..room].CopyTo(line.AsSpan(length));
                        length = MaxLineBytes;
                        cut += part.Length - room;
                    }

                    if (newline < 0)
                    {
                        break;
                    }

                    onLine(Decode(line, length, cut));
                    (length, cut) = (0, 0);
                    chunk = chunk[(newline + 1)..];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The pipe broke or the process object was disposed: nothing more to read.
        }

        if (length > 0 || cut > 0)
        {
            onLine(Decode(line, length, cut));
        }
    }

    private static string Decode(byte[] line, int length, long cut)
    {
        if (length > 0 && line[length - 1] == (byte)'\r')
        {
            length--;
        }

        var text = Utf8.GetString(line, 0, length);
        return cut == 0 ? text : $"{text} … [line cut: {cut} more bytes]";
    }
}
