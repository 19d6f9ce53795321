using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

// Sends the plugin's HTTP requests to the host as host.http.request; the worker itself has no network.
internal sealed class BrokerHttpHandler(JsonRpcPeer peer) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = [.. header.Value];
        }

        byte[]? body = null;
        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers[header.Key] = [.. header.Value];
            }

            body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }

        var url = request.RequestUri?.AbsoluteUri ?? throw new InvalidOperationException("An HTTP request needs an absolute URL.");
        var result = await HostCall.InvokeAsync(
            peer, ProtocolMethods.HostHttpRequest, new HttpRequestParams(request.Method.Method, url, headers, body),
            ProtocolJsonContext.Default.HttpRequestParams, ProtocolJsonContext.Default.HttpResponseResult, cancellationToken).ConfigureAwait(false)
            ?? throw new HttpRequestException("The host answered the HTTP request with nothing.");

        var response = new HttpResponseMessage((System.Net.HttpStatusCode)result.Status)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(result.Body ?? []),
        };
        foreach (var (name, values) in result.Headers ?? new Dictionary<string, string[]>())
        {
            if (!response.Headers.TryAddWithoutValidation(name, values))
            {
                response.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return response;
    }
}
