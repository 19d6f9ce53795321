namespace Stockade.Protocol;

/// <summary>Answer to <c>host.http.request</c>.</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Headers">Response and content headers.</param>
/// <param name="Body">Body bytes (base64 on the wire).</param>
internal sealed record HttpResponseResult(
    int Status,
    IReadOnlyDictionary<string, string[]>? Headers,
    byte[]? Body);
