using System.Text.Json;
using Stockade.Plugin;

namespace Samples.Capabilities;

/// <summary>Input of <c>service</c>.</summary>
public sealed record ServiceInput(string Service, string Method, JsonElement? Args = null);

/// <summary>Input naming one key.</summary>
public sealed record KeyInput(string Key);

/// <summary>Input with a key and a value.</summary>
public sealed record KeyValueInput(string Key, string? Value);

/// <summary>Input of <c>kvList</c>.</summary>
public sealed record PrefixInput(string? Prefix);

/// <summary>Input of <c>ask</c>.</summary>
public sealed record AskInput(string Permission, string Reason);

/// <summary>Input naming an environment variable.</summary>
public sealed record NameInput(string Name);

/// <summary>What the plugin saw: a value, or the broker's refusal as the SDK surfaced it.</summary>
/// <param name="Ok">Whether the request succeeded.</param>
/// <param name="Value">The value when it succeeded.</param>
/// <param name="Code">The SDK's error code when it failed (<c>permission_denied</c>, <c>rate_limited</c>, ...).</param>
/// <param name="Permission">The permission that would allow it, when the host said.</param>
/// <param name="RetryAfterMs">When to retry, for <c>rate_limited</c>.</param>
/// <param name="Message">The host's message.</param>
public sealed record Outcome(bool Ok, JsonElement? Value, string? Code, string? Permission, double? RetryAfterMs, string? Message)
{
    /// <summary>Runs one brokered request and captures what came back.</summary>
    public static async Task<Outcome> Of(Func<Task<JsonElement>> request)
    {
        try
        {
            return new Outcome(true, await request().ConfigureAwait(false), null, null, null, null);
        }
        catch (PermissionDeniedException e)
        {
            return new Outcome(false, null, e.Code, e.Permission, null, e.Message);
        }
        catch (RateLimitedException e)
        {
            return new Outcome(false, null, e.Code, null, e.RetryAfter?.TotalMilliseconds, e.Message);
        }
        catch (StockadeException e)
        {
            return new Outcome(false, null, e.Code, null, null, e.Message);
        }
    }
}
