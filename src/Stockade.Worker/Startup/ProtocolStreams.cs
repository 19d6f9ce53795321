using System.IO.Pipes;
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
}
