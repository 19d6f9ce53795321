using System.Net;
using System.Net.Sockets;

namespace Stockade.Hosting.Tests.Host;

/// <summary>TCP, UDP and abstract Unix listeners on this machine that count what reaches them.</summary>
public sealed class Listeners : IDisposable
{
    private readonly TcpListener _tcp = new(IPAddress.Loopback, 0);
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly Socket _unix = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private int _tcpConnections;
    private int _udpDatagrams;
    private int _unixConnections;

    public Listeners()
    {
        _tcp.Start();
        AbstractName = $"stockade-test-{Guid.NewGuid():N}";
        _unix.Bind(new UnixDomainSocketEndPoint("\0" + AbstractName));
        _unix.Listen();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _tcpConnections);
            }
        });
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await _udp.ReceiveAsync(_stop.Token);
                Interlocked.Increment(ref _udpDatagrams);
            }
        });
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _unix.AcceptAsync(_stop.Token);
                Interlocked.Increment(ref _unixConnections);
            }
        });
    }

    public int TcpPort => ((IPEndPoint)_tcp.LocalEndpoint).Port;

    public int UdpPort => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    public string AbstractName { get; }

    public int TcpConnections => Volatile.Read(ref _tcpConnections);

    public int UdpDatagrams => Volatile.Read(ref _udpDatagrams);

    public int UnixConnections => Volatile.Read(ref _unixConnections);

    public void Dispose()
    {
        _stop.Cancel();
        _tcp.Stop();
        _udp.Dispose();
        _unix.Dispose();
        _stop.Dispose();
    }
}
