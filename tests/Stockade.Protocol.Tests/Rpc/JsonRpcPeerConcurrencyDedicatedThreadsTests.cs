namespace Stockade.Protocol.Tests;

// Every test of JsonRpcPeerConcurrencyTests again, with the peer under test reading on dedicated threads (the worker's mode).
public sealed class JsonRpcPeerConcurrencyDedicatedThreadsTests : JsonRpcPeerConcurrencyTests
{
    private protected override JsonRpcReadMode Mode => JsonRpcReadMode.DedicatedThreads;
}
