namespace Stockade.Hosting.Broker.Http;

/// <summary>One HTTP request as a plugin asked for it; every field is untrusted.</summary>
internal sealed record BrokeredHttpRequest(
    string Method,
    string Url,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[]? Body);
