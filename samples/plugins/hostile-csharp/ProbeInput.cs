namespace Samples.Hostile;

/// <summary>Optional targets of the attempts; each method has a default.</summary>
/// <param name="Path">File or folder to reach.</param>
/// <param name="Host">Host to connect to.</param>
/// <param name="Port">Port to connect to.</param>
/// <param name="Name">Environment variable or abstract socket name.</param>
public sealed record ProbeInput(string? Path = null, string? Host = null, int? Port = null, string? Name = null);
