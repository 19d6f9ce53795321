using System.IO.Pipes;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Stockade.Protocol;

namespace Stockade.Worker;

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
        Console.SetOut(new StandardErrorWriter());
        Console.SetIn(TextReader.Null);
    }

    // Everything goes to Console.Error, looked up on each call (created by the console on the first). Console.SetOut wraps
    // this in a synchronised writer, as it did Console.Error.
    private sealed class StandardErrorWriter : TextWriter
    {
        public override Encoding Encoding => Console.Error.Encoding;

        public override IFormatProvider FormatProvider => Console.Error.FormatProvider;

        [System.Diagnostics.CodeAnalysis.AllowNull]
        public override string NewLine
        {
            get => Console.Error.NewLine;
            set => Console.Error.NewLine = value;
        }

        public override void Write(char value) => Console.Error.Write(value);

        public override void Write(char[] buffer, int index, int count) => Console.Error.Write(buffer, index, count);

        public override void Write(ReadOnlySpan<char> buffer) => Console.Error.Write(buffer);

        public override void Write(string? value) => Console.Error.Write(value);

        public override void WriteLine() => Console.Error.WriteLine();

        public override void WriteLine(ReadOnlySpan<char> buffer) => Console.Error.WriteLine(buffer);

        public override void WriteLine(string? value) => Console.Error.WriteLine(value);

        public override void Flush() => Console.Error.Flush();
    }
}
