namespace Stockade.Hosting.Contracts;

/// <summary>One contract as the host was built against it.</summary>
/// <param name="Name">The contract's name (<c>eco.weather</c>).</param>
/// <param name="Version">The host's version of it.</param>
/// <param name="InterfaceName">The interface that declares it, for messages.</param>
internal sealed record ContractIdentity(string Name, int Version, string InterfaceName);
