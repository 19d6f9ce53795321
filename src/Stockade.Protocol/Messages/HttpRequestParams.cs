namespace Stockade.Protocol;

/// <summary>Parameters of <c>host.http.request</c>; the broker checks <c>network:request</c> before sending.</summary>
/// <param name="Method">HTTP method, e.g. <c>GET</c>.</param>
/// <param name="Url">Absolute URL.</param>
/// <param name="Headers">Request and content headers.</param>
/// <param name="Body">Body bytes (base64 on the wire).</param>
internal sealed record HttpRequestParams(
    string Method,
    string Url,
    IReadOnlyDictionary<string, string[]>? Headers,
    byte[]? Body);
