namespace Stockade.Hosting.Broker.Http;

/// <summary>
/// The outcome of a brokered HTTP request: a response (<see cref="IsResponse"/>) or a refusal with a
/// stable <see cref="Code"/> from <see cref="BrokerErrorCodes"/>.
/// </summary>
internal sealed record BrokeredHttpResult
{
    private BrokeredHttpResult()
    {
    }

    public bool IsResponse => Code is null;

    /// <summary>HTTP status of the final response (after redirects).</summary>
    public int Status { get; private init; }

    /// <summary>Response and content headers; a header with several values appears once per value.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; private init; } = [];

    public byte[] Body { get; private init; } = [];

    /// <summary><c>permission_denied</c>, <c>invalid_params</c>, <c>timeout</c> or <c>internal</c>; null for a response.</summary>
    public string? Code { get; private init; }

    public string? Message { get; private init; }

    /// <summary>
    /// For <c>permission_denied</c>: the <c>network:request=host:port</c> grant that would allow the
    /// request (the <c>stockade grant</c> hint). Null when no grant could allow it (a refused URL form).
    /// </summary>
    public string? Permission { get; private init; }

    public static BrokeredHttpResult Response(int status, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body) =>
        new() { Status = status, Headers = headers, Body = body };

    public static BrokeredHttpResult Refused(string code, string message, string? permission = null) =>
        new() { Code = code, Message = message, Permission = permission };
}
