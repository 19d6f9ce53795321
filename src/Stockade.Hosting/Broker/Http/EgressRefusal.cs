namespace Stockade.Hosting.Broker.Http;

/// <summary>Why a URL was refused before any policy was asked.</summary>
internal sealed record EgressRefusal(string Code, string Message);
