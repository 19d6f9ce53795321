namespace Stockade.Plugin.Testing;

// Where the broker's checked request goes in process instead of the network: to the test's handler, with the URI the
// plugin asked for (the broker's own request names the checked address and carries the name in its Host header).
internal sealed class TestHttpTransport(HttpMessageHandler? handler) : HttpMessageHandler
{
    private readonly HttpMessageInvoker? _invoker = handler is null ? null : new HttpMessageInvoker(handler, disposeHandler: false);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_invoker is null)
        {
            throw new HttpRequestException("the test gave no HTTP handler (PluginTestOptions.Http), so nothing answers the plugin's request");
        }

        var address = request.RequestUri!;
        var host = request.Headers.Host ?? address.Authority;
        request.RequestUri = new Uri($"{address.Scheme}://{host}{address.PathAndQuery}", UriKind.Absolute);
        return _invoker.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _invoker?.Dispose();
        }

        base.Dispose(disposing);
    }
}
