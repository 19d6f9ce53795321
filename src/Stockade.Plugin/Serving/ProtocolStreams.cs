using System.IO.Pipes;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

/// <summary>
/// The protocol's stdin and stdout. Input is read with blocking reads (plain read(2)) on the peer's own reading threads
/// (<see cref="JsonRpcReadMode.DedicatedThreads"/>); output, when it is a pipe (as the host starts the worker), is a pipe
/// stream written asynchronously through the runtime's event loop, which completes at once while the pipe has room
/// (docs/performance.md); <see langword="null"/> for anything else (a file, a terminal), for which the caller keeps the
/// console stream.
/// </summary>
internal static class ProtocolStreams
{
    /// <summary>
    /// Standard input for blocking reads: a plain <see cref="FileStream"/> over descriptor 0, whose synchronous read is one
    /// read(2) (a pipe stream would route it through a socket object, whose disposal waits for a blocking read to end).
    /// <see langword="null"/> when descriptor 0 cannot be opened; the caller then keeps the console stream.
    /// </summary>
    public static Stream? OpenInput()
    {
        var handle = new SafeFileHandle(0, ownsHandle: true);
        try
        {
            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            handle.SetHandleAsInvalid();
            return null;
        }
    }

    public static Stream? Open(int descriptor, PipeDirection direction)
    {
        try
        {
            // The stream owns the descriptor: closing it is what ends a pending read when the peer closes, and tells the
            // host the protocol is over. Console output has been pointed at stderr by then.
            return new AnonymousPipeClientStream(direction, new SafePipeHandle(descriptor, ownsHandle: true));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Points <see cref="Console.Out"/> at standard error and <see cref="Console.In"/> at an empty reader, so that a
    /// plugin's Console.WriteLine or Console.ReadLine cannot corrupt or steal protocol frames. Call it after taking
    /// descriptors 0 and 1 for the protocol and before any plugin code runs. The stderr writer itself is created on the
    /// first write: <c>Console.SetOut(Console.Error)</c> set up the console's encoding and writer (≈ 7 ms) on the way to
    /// the first answer for plugins that never write to the console.
    /// </summary>
    public static void RedirectConsole()
    {
        var output = new StandardErrorWriter(Console.OpenStandardError);
        s_consoleOut = output;
        Console.SetOut(output);
        Console.SetIn(TextReader.Null);
    }

    /// <summary>
    /// Builds the writer behind <see cref="Console.Out"/> now. Queued once <c>initialize</c> is answered, off the path of
    /// any answer, so that a plugin's first <c>Console.WriteLine</c> does not build it inside its first call (which is
    /// what a prewarmed spare is kept for).
    /// </summary>
    public static void PrepareConsole() => s_consoleOut?.Prepare();

    private static StandardErrorWriter? s_consoleOut;
}

/// <summary>
/// A writer over a stream opened on its first write (standard error, for <see cref="Console.Out"/>). It owns its own
/// stream writer rather than forwarding to <see cref="Console.Error"/>: a plugin that merges its streams with
/// <c>Console.SetError(Console.Out)</c> would otherwise send every write round in a circle until the stack overflows.
/// <see cref="Console.SetOut"/> wraps it in a synchronised writer; line ends come from this writer's own
/// <see cref="TextWriter.NewLine"/> (the base class writes them through <see cref="Write(string)"/>).
/// </summary>
internal sealed class StandardErrorWriter(Func<Stream> open) : TextWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private StreamWriter? _target;

    public override Encoding Encoding => Utf8;

    private StreamWriter Target => _target ?? Open();

    public override void Write(char value) => Target.Write(value);

    public override void Write(char[] buffer, int index, int count) => Target.Write(buffer, index, count);

    public override void Write(ReadOnlySpan<char> buffer) => Target.Write(buffer);

    public override void Write(string? value) => Target.Write(value);

    public override void Flush() => _target?.Flush();

    /// <summary>Opens the stream and builds the writer now rather than on the first write.</summary>
    public void Prepare() => _ = Target;

    private StreamWriter Open()
    {
        var writer = new StreamWriter(open(), Utf8, bufferSize: 256) { AutoFlush = true };
        return Interlocked.CompareExchange(ref _target, writer, null) ?? writer;
    }
}
