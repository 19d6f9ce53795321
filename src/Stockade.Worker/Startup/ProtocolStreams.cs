using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace Stockade.Worker;

/// <summary>
/// The protocol's stdin and stdout as pipe streams when they are pipes (as the host starts the worker): their
/// asynchronous reads and writes go through the runtime's event loop, where console streams block a thread-pool
/// thread per read and hand every call over to it (docs/performance.md). <see langword="null"/> for anything else
/// (a file, a terminal), for which the caller keeps the console streams.
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
