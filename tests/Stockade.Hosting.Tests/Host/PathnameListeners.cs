using System.Net.Sockets;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// A pathname Unix stream socket and a datagram socket in a fresh folder under /tmp — outside every
/// jail, reachable by any uid — that count what reaches them, as a host's own IPC endpoint would.
/// </summary>
public sealed class PathnameListeners : IDisposable
{
    private readonly Socket _stream = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Socket _datagram = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;
    private int _datagrams;

    public PathnameListeners()
    {
        Folder = Directory.CreateDirectory($"/tmp/stockade-ipc-{Guid.NewGuid():N}").FullName;
        File.SetUnixFileMode(Folder, (UnixFileMode)0x1FF);
        StreamPath = Path.Combine(Folder, "host.sock");
        DatagramPath = Path.Combine(Folder, "host.dgram");
        _stream.Bind(new UnixDomainSocketEndPoint(StreamPath));
        _stream.Listen();
        _datagram.Bind(new UnixDomainSocketEndPoint(DatagramPath));

        // connect/sendto need write permission on the socket file; any uid may try.
        File.SetUnixFileMode(StreamPath, (UnixFileMode)0x1FF);
        File.SetUnixFileMode(DatagramPath, (UnixFileMode)0x1FF);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _stream.AcceptAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
            }
        });
        _ = Task.Run(async () =>
        {
            var buffer = new byte[256];
            while (!_stop.IsCancellationRequested)
            {
                await _datagram.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                Interlocked.Increment(ref _datagrams);
            }
        });
    }

    public string Folder { get; }

    public string StreamPath { get; }

    public string DatagramPath { get; }

    public int Connections => Volatile.Read(ref _connections);

    public int Datagrams => Volatile.Read(ref _datagrams);

    public void Dispose()
    {
        _stop.Cancel();
        _stream.Dispose();
        _datagram.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
