namespace Stockade.Hosting.Broker;

/// <summary>A refusal the plugin met, with the permission that would allow it.</summary>
internal sealed record DenialInfo(string Operation, string Resource, string? Permission, string Layer);
