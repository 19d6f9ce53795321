namespace Stockade.Hosting.Broker;

/// <summary>
/// The stable error codes of DESIGN §8 that broker components return; the JSON-RPC layer passes them
/// to the plugin unchanged.
/// </summary>
internal static class BrokerErrorCodes
{
    public const string PermissionDenied = "permission_denied";
    public const string RateLimited = "rate_limited";
    public const string Timeout = "timeout";
    public const string NotFound = "not_found";
    public const string InvalidParams = "invalid_params";
    public const string Internal = "internal";
}
