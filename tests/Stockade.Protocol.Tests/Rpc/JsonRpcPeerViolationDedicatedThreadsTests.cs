namespace Stockade.Protocol.Tests;

// Every test of JsonRpcPeerViolationTests again, with the peer under test reading on dedicated threads (the worker's mode).
public sealed class JsonRpcPeerViolationDedicatedThreadsTests : JsonRpcPeerViolationTests
{
    private protected override JsonRpcReadMode Mode => JsonRpcReadMode.DedicatedThreads;
}
