using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Stockade.Hosting.Tests.Broker.Http;

/// <summary>A minimal HTTP/1.1 server on 127.0.0.1 (one request per connection) that records what it received.</summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<ReceivedRequest, ServerResponse> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackHttpServer(Func<ReceivedRequest, ServerResponse> handler)
    {
        _handler = handler;
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream);
                Requests.Enqueue(request);
                var response = _handler(request);
                var head = new StringBuilder($"HTTP/1.1 {response.Status} Status\r\nConnection: close\r\n");
                if (!response.OmitContentLength)
                {
                    head.Append($"Content-Length: {response.Body.Length}\r\n");
                }

                foreach (var (name, value) in response.Headers)
                {
                    head.Append($"{name}: {value}\r\n");
                }

                head.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
                await stream.WriteAsync(response.Body);
            }
            catch (IOException)
            {
                // The client gave up (e.g. the broker cut a too-large body): nothing to answer.
            }
        }
    }

    private static async Task<ReceivedRequest> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 4 || !(buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("connection closed before the request head ended");
            }

            buffer.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = Array.Empty<byte>();
        if (headers.TryGetValue("Content-Length", out var length) && int.Parse(length) > 0)
        {
            body = new byte[int.Parse(length)];
            await stream.ReadExactlyAsync(body);
        }

        return new ReceivedRequest(requestLine[0], requestLine[1], headers, body);
    }
}

internal sealed record ReceivedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body);

internal sealed record ServerResponse(int Status, byte[] Body, params (string Name, string Value)[] Headers)
{
    public bool OmitContentLength { get; init; }

    public static ServerResponse Text(int status, string body, params (string Name, string Value)[] headers) =>
        new(status, Encoding.UTF8.GetBytes(body), headers);
}
