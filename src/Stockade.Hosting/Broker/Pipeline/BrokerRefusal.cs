namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>A handler's own authorization refused the call (<see cref="IBrokerHandler.AuthorizeAsync"/>).</summary>
/// <param name="Permission">The grant that would allow it, when there is one (the <c>stockade grant</c> hint).</param>
/// <param name="Message">Why, safe to send to the plugin.</param>
/// <param name="Audited">False for a malformed request (nothing to record), true for a refusal of the policy.</param>
/// <param name="Code">The error code the plugin receives.</param>
internal sealed record BrokerRefusal(string? Permission, string Message, bool Audited, string Code);
