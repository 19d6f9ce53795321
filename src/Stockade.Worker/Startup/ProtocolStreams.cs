using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using Stockade.Protocol;

namespace Stockade.Worker;

/// <summary>
/// The protocol's stdin and stdout as pipe streams when they are pipes (as the host starts the worker). Input is read
/// with blocking reads (plain read(2)) on the peer's own reading threads (<see cref="JsonRpcReadMode.DedicatedThreads"/>);
/// output is written asynchronously through the runtime's event loop, which completes at once while the pipe has room
/// (docs/performance.md). <see langword="null"/> for anything else (a file, a terminal), for which the caller keeps the
/// console streams.
/// </summary>
internal static class ProtocolStreams
{
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
