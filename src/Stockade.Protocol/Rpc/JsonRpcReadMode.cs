namespace Stockade.Protocol;

/// <summary>How a <see cref="JsonRpcPeer"/> reads its input stream; chosen at <see cref="JsonRpcPeer.Start(JsonRpcReadMode)"/>.</summary>
internal enum JsonRpcReadMode
{
    /// <summary>
    /// Asynchronous reads on thread-pool threads (the default). Suits a process that hosts many peers, such as the host
    /// with its workers: no thread is held while a peer waits for input.
    /// </summary>
    Asynchronous,

    /// <summary>
    /// Blocking reads (<see cref="Stream.Read(Span{byte})"/>) on threads the peer owns, for a process that serves one peer
    /// (a worker). A frame reaching the peer wakes only the thread blocked on it; that thread gives the reading to an idle
    /// standby thread before it runs the request's handler, so a handler that blocks never stops reading. With more calls
    /// in flight, or no standby available, handlers go to the thread pool as in <see cref="Asynchronous"/>. Closing the
    /// peer does not interrupt a blocking read: the input stream is disposed by the reading thread once its read returns
    /// (the stream ends or fails), so use this mode for a process whose input ends with it, or whose other side closes it.
    /// </summary>
    DedicatedThreads,
}
