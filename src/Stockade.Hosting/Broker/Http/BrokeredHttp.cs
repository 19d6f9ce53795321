using System.Buffers;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace Stockade.Hosting.Broker.Http;

/// <summary>
/// Performs one plugin HTTP request on the plugin's behalf: the URL is parsed strictly, the host is
/// checked against the policy, the name is resolved once, every answer is checked, and the connection
/// goes only to the address that was checked (the request URI carries the address; the Host header
/// and TLS SNI carry the name). Redirects are followed by hand and each hop is checked again.
/// </summary>
internal sealed class BrokeredHttp : IDisposable
{
    private const int ReadChunkBytes = 64 * 1024;
    private const int MaxHeaderCount = 100;

    // Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the broker computes itself.
    private static readonly FrozenSet<string> DroppedHeaders = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Expect");

    private static readonly FrozenSet<string> CredentialHeaders = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase, "Authorization", "Cookie");

    private static readonly FrozenDictionary<string, HttpMethod> Methods = new[]
    {
        HttpMethod.Get, HttpMethod.Head, HttpMethod.Post, HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete, HttpMethod.Options,
    }.ToFrozenDictionary(m => m.Method, StringComparer.OrdinalIgnoreCase);

    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    private readonly BrokerHttpOptions _options;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;
    private readonly HttpMessageInvoker _invoker;

    public BrokeredHttp(BrokerHttpOptions options)
        : this(options, static (host, ct) => Dns.GetHostAddressesAsync(host, ct))
    {
    }

    /// <summary>Test seam: <paramref name="resolve"/> replaces DNS.</summary>
    internal BrokeredHttp(BrokerHttpOptions options, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
        : this(options, resolve, transport: null)
    {
    }

    /// <summary>
    /// Test seam (Stockade.Plugin.Testing's in-process mode): <paramref name="transport"/>, when given, receives the
    /// checked request (its URI holds the checked address, its Host header the name) instead of the network. Every check
    /// before and after it is the same.
    /// </summary>
    internal BrokeredHttp(BrokerHttpOptions options, Func<string, CancellationToken, Task<IPAddress[]>> resolve, HttpMessageHandler? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resolve);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid broker HTTP options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _resolve = resolve;

        if (transport is not null)
        {
            _invoker = new HttpMessageInvoker(transport, disposeHandler: false);
            return;
        }

        // One shared handler: its pool is keyed by the request URI, which always carries the checked
        // address, plus the SNI name, so a connection is reused only for the same checked address.
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            Credentials = null,
            PreAuthenticate = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectToCheckedAddressAsync,
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>
    /// Sends <paramref name="request"/> if <paramref name="policy"/> allows it: <see cref="PrepareAsync"/> then
    /// <see cref="SendPreparedAsync"/>. Never throws for bad input or network failures; throws
    /// <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<BrokeredHttpResult> SendAsync(BrokeredHttpRequest request, IEgressPolicy policy, CancellationToken cancellationToken)
    {
        var (prepared, refusal) = await PrepareAsync(request, policy, cancellationToken);
        return refusal ?? await SendPreparedAsync(prepared!, policy, cancellationToken);
    }

    /// <summary>
    /// Everything that decides whether the request may leave the host, and nothing that sends it: the request is
    /// validated, the URL parsed, the host checked against <paramref name="policy"/>, the name resolved and every
    /// answer checked. The broker's pipeline calls this in its authorize step, so a refused request is audited as a
    /// refusal and never gets an allow record. Never throws for bad input; throws <see cref="OperationCanceledException"/>
    /// only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<(PreparedHttpRequest? Prepared, BrokeredHttpResult? Refusal)> PrepareAsync(BrokeredHttpRequest request, IEgressPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policy);

        if (ValidateRequest(request, out var method, out var headers) is { } invalid)
        {
            return (null, invalid);
        }

        if (!EgressUrlParser.TryParse(request.Url, out var target, out var refusal))
        {
            return (null, BrokeredHttpResult.Refused(refusal!.Code, refusal.Message));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            var (address, denied) = await CheckAsync(target!, policy, deadline.Token);
            return denied is not null ? (null, denied) : (new PreparedHttpRequest(target!, address!, method, headers, request.Body), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, BrokeredHttpResult.Refused(
                BrokerErrorCodes.Timeout,
                $"{target!.Host} could not be resolved within {_options.Timeout.TotalSeconds:0.###} s; check the host name"));
        }
    }

    /// <summary>
    /// Sends a request <see cref="PrepareAsync"/> accepted, to the address it checked; redirects are checked again
    /// hop by hop. Never throws for network failures; throws <see cref="OperationCanceledException"/> only when
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <param name="prepared">What <see cref="PrepareAsync"/> accepted.</param>
    /// <param name="policy">The grants each redirect hop is checked against.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    /// <param name="onRedirect">
    /// Called for every redirect hop once it was checked and before it is fetched (the broker records it there); an
    /// exception it throws stops the request before the hop leaves the host.
    /// </param>
    public async Task<BrokeredHttpResult> SendPreparedAsync(PreparedHttpRequest prepared, IEgressPolicy policy, CancellationToken cancellationToken, Func<RedirectHop, ValueTask>? onRedirect = null)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(policy);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            return await SendFollowingRedirectsAsync(prepared, policy, onRedirect, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return BrokeredHttpResult.Refused(
                BrokerErrorCodes.Timeout,
                $"the request did not complete within {_options.Timeout.TotalSeconds:0.###} s; try a smaller request or a faster endpoint");
        }
        catch (HttpRequestException ex)
        {
            return BrokeredHttpResult.Refused(BrokerErrorCodes.Internal, $"the request failed: {ex.Message}");
        }
        catch (IOException ex)
        {
            return BrokeredHttpResult.Refused(BrokerErrorCodes.Internal, $"the connection failed while reading the response: {ex.Message}");
        }
    }

    public void Dispose() => _invoker.Dispose();

    private async Task<BrokeredHttpResult> SendFollowingRedirectsAsync(PreparedHttpRequest first, IEgressPolicy policy, Func<RedirectHop, ValueTask>? onRedirect, CancellationToken ct)
    {
        var (target, address, method, headers, body) = (first.Target, first.Address, first.Method, first.Headers, first.Body);
        for (var hop = 0; ; hop++)
        {
            using var message = BuildMessage(target, address, method, headers, body);
            using var response = await _invoker.SendAsync(message, ct);

            if (!IsRedirect(response.StatusCode) || NextLocation(response, target) is not { } next)
            {
                return await ReadResponseAsync(response, method, ct);
            }

            if (hop >= _options.MaxRedirects)
            {
                return BrokeredHttpResult.Refused(
                    BrokerErrorCodes.Internal,
                    $"more than {_options.MaxRedirects} redirects; request the final URL directly");
            }

            if (response.StatusCode == HttpStatusCode.SeeOther
                || (response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.Found && method == HttpMethod.Post))
            {
                method = HttpMethod.Get;
                body = null;
                headers = headers.FindAll(h => !h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase));
            }

            if (!EgressUrlParser.TryParse(next, out var nextTarget, out var refusal))
            {
                return BrokeredHttpResult.Refused(refusal!.Code, "redirect refused: " + refusal.Message);
            }

            if (!SameOrigin(target, nextTarget!))
            {
                headers = headers.FindAll(h => !CredentialHeaders.Contains(h.Key));
            }

            var (nextAddress, denied) = await CheckAsync(nextTarget!, policy, ct);
            if (onRedirect is not null)
            {
                await onRedirect(new RedirectHop(hop + 1, target, nextTarget!, method.Method, denied));
            }

            if (denied is not null)
            {
                return denied;
            }

            (target, address) = (nextTarget!, nextAddress!);
        }
    }

    private async Task<(IPAddress? Address, BrokeredHttpResult? Refusal)> CheckAsync(EgressTarget target, IEgressPolicy policy, CancellationToken ct)
    {
        if (!policy.IsHostAllowed(target.Host, target.Port))
        {
            return (null, BrokeredHttpResult.Refused(
                BrokerErrorCodes.PermissionDenied,
                $"no network grant allows {target.Host}:{target.Port}; it needs '{target.Permission}'",
                target.Permission));
        }

        IPAddress[] addresses;
        if (target.Literal is { } literal)
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await _resolve(target.Host, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // SocketException for unknown names, ArgumentException for names the resolver rejects.
                return (null, BrokeredHttpResult.Refused(BrokerErrorCodes.Internal, $"could not resolve {target.Host}: {ex.Message}; check the host name"));
            }
        }

        if (addresses.Length == 0)
        {
            return (null, BrokeredHttpResult.Refused(BrokerErrorCodes.Internal, $"{target.Host} has no addresses"));
        }

        // Every answer must pass, not just the one used: a name that also points at a private address is suspect.
        foreach (var answer in addresses)
        {
            var address = AddressClassifier.Canonical(answer);
            var kind = AddressClassifier.Classify(address);
            var allowed = kind is not (AddressKind.Unspecified or AddressKind.Multicast or AddressKind.Broadcast)
                && policy.IsAddressAllowed(address, target.Host, target.Port);
            if (!allowed)
            {
                var what = kind == AddressKind.Public ? "an address" : $"a {Describe(kind)} address";
                return (null, BrokeredHttpResult.Refused(
                    BrokerErrorCodes.PermissionDenied,
                    $"{target.Host} resolves to {what} ({address}) that no grant allows; loopback, private and link-local addresses need a grant that names them",
                    kind is AddressKind.Unspecified or AddressKind.Multicast or AddressKind.Broadcast ? null : target.Permission));
            }
        }

        return (AddressClassifier.Canonical(addresses[0]), null);
    }

    private static HttpRequestMessage BuildMessage(
        EgressTarget target, IPAddress address, HttpMethod method, List<KeyValuePair<string, string>> headers, byte[]? body)
    {
        var literal = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        var uri = new Uri($"{target.Uri.Scheme}://{literal}:{target.Port}{target.Uri.PathAndQuery}", UriKind.Absolute);
        var message = new HttpRequestMessage(method, uri);

        // Host header = the name: HTTP virtual hosting and the TLS SNI/certificate check use it.
        message.Headers.Host = target.HostHeader;
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    private async Task<BrokeredHttpResult> ReadResponseAsync(HttpResponseMessage response, HttpMethod method, CancellationToken ct)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in response.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value));
            }
        }

        foreach (var (name, values) in response.Content.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                headers.Add(new(name, value));
            }
        }

        var status = (int)response.StatusCode;
        if (method == HttpMethod.Head)
        {
            return BrokeredHttpResult.Response(status, headers, []);
        }

        var max = _options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > max)
        {
            return TooLarge(max);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var body = new MemoryStream((int)Math.Min(response.Content.Headers.ContentLength ?? ReadChunkBytes, max));
        var chunk = new byte[ReadChunkBytes];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (body.Length + read > max)
            {
                return TooLarge(max);
            }

            body.Write(chunk, 0, read);
        }

        return BrokeredHttpResult.Response(status, headers, body.ToArray());
    }

    private static BrokeredHttpResult TooLarge(int max) => BrokeredHttpResult.Refused(
        BrokerErrorCodes.Internal,
        $"the response body is larger than the broker's limit of {max} bytes; request a smaller range or page");

    private BrokeredHttpResult? ValidateRequest(BrokeredHttpRequest request, out HttpMethod method, out List<KeyValuePair<string, string>> headers)
    {
        headers = [];
        if (!Methods.TryGetValue(request.Method?.Trim() ?? string.Empty, out method!))
        {
            return BrokeredHttpResult.Refused(
                BrokerErrorCodes.InvalidParams,
                $"HTTP method '{request.Method}' is not supported; use one of {string.Join(", ", Methods.Keys.Order(StringComparer.Ordinal))}");
        }

        if (request.Body is { Length: var length } && length > _options.MaxRequestBytes)
        {
            return BrokeredHttpResult.Refused(
                BrokerErrorCodes.InvalidParams,
                $"the request body is {length} bytes; the broker accepts at most {_options.MaxRequestBytes}");
        }

        var given = request.Headers ?? [];
        if (given.Count > MaxHeaderCount)
        {
            return BrokeredHttpResult.Refused(BrokerErrorCodes.InvalidParams, $"{given.Count} headers given; at most {MaxHeaderCount} are accepted");
        }

        foreach (var (name, value) in given)
        {
            if (string.IsNullOrEmpty(name) || name.AsSpan().ContainsAnyExcept(TokenChars))
            {
                return BrokeredHttpResult.Refused(BrokerErrorCodes.InvalidParams, $"'{name}' is not a valid header name");
            }

            if (value is null || value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                return BrokeredHttpResult.Refused(BrokerErrorCodes.InvalidParams, $"the value of header '{name}' is missing or contains a line break");
            }

            if (!DroppedHeaders.Contains(name))
            {
                headers.Add(new(name, value));
            }
        }

        return null;
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>The absolute URL a redirect points to, still untrusted (it is parsed and checked again).</summary>
    private static string? NextLocation(HttpResponseMessage response, EgressTarget current)
    {
        if (!response.Headers.NonValidated.TryGetValues("Location", out var values))
        {
            return null;
        }

        var location = values.ToString().Trim();
        if (location.Length == 0)
        {
            return null;
        }

        if (location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return location;
        }

        // Scheme-relative: keep the raw authority so the numeric-host checks still see it as written.
        if (location.StartsWith("//", StringComparison.Ordinal))
        {
            return $"{current.Uri.Scheme}:{location}";
        }

        var origin = new Uri($"{current.Uri.Scheme}://{current.HostHeader}{current.Uri.PathAndQuery}");
        return Uri.TryCreate(origin, location, out var combined) ? combined.AbsoluteUri : location;
    }

    private static bool SameOrigin(EgressTarget a, EgressTarget b) =>
        a.Uri.Scheme == b.Uri.Scheme && a.Host == b.Host && a.Port == b.Port;

    private static string Describe(AddressKind kind) => kind switch
    {
        AddressKind.LinkLocal => "link-local",
        AddressKind.SharedAddressSpace => "carrier-grade NAT",
        _ => kind.ToString().ToLowerInvariant(),
    };

    // The request URI always holds the address chosen during the check; never resolve here, so a
    // second DNS answer cannot redirect the connection.
    private static async ValueTask<Stream> ConnectToCheckedAddressAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        if (!IPAddress.TryParse(context.DnsEndPoint.Host.Trim('[', ']'), out var address))
        {
            throw new HttpRequestException($"refusing to connect to '{context.DnsEndPoint.Host}': only checked addresses are dialled");
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>One redirect hop the broker is about to follow (<paramref name="Refusal"/> null) or has refused.</summary>
/// <param name="Number">1 for the first redirect.</param>
/// <param name="From">The URL that answered with the redirect.</param>
/// <param name="Target">Where it points, parsed and checked.</param>
/// <param name="Method">The method the hop is fetched with (a 303 turns it into GET).</param>
/// <param name="Refusal">Why the hop is refused, or null when it is allowed.</param>
internal readonly record struct RedirectHop(int Number, EgressTarget From, EgressTarget Target, string Method, BrokeredHttpResult? Refusal);
