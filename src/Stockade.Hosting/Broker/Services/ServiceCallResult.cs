using System.Text.Json;

namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// The outcome of <see cref="HostServiceRegistry.InvokeAsync"/>: a JSON value, or a refusal with a stable
/// code (<c>invalid_params</c>,
/// <c>internal</c>) and a message that is safe to send to the plugin.
/// </summary>
internal sealed record ServiceCallResult
{
    private ServiceCallResult()
    {
    }

    public bool IsSuccess => Code is null;

    /// <summary>The serialised return value (JSON <c>null</c> for void methods).</summary>
    public JsonElement Value { get; private init; }

    public string? Code { get; private init; }

    public string? Message { get; private init; }

    /// <summary>The permission the method requires (for denials: the <c>stockade grant</c> hint); null when the method is unknown.</summary>
    public string? Permission { get; private init; }

    /// <summary>For <c>rate_limited</c>: when the plugin may try again.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    /// <summary>False only for a successful call of a method marked <c>[Audited(false)]</c>.</summary>
    public bool Audited { get; private init; } = true;

    /// <summary>For <c>internal</c>: the service's exception, for the host's own log. Never sent to the plugin.</summary>
    public Exception? Exception { get; private init; }

    public static ServiceCallResult Success(JsonElement value, string permission, bool audited) =>
        new() { Value = value, Permission = permission, Audited = audited };

    public static ServiceCallResult Failure(string code, string message, string? permission = null, TimeSpan? retryAfter = null, Exception? exception = null) =>
        new() { Code = code, Message = message, Permission = permission, RetryAfter = retryAfter, Exception = exception };
}
