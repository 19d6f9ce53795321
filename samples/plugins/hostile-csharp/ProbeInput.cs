namespace Samples.Hostile;

/// <summary>Optional targets of the attempts; each method has a default.</summary>
/// <param name="Path">File or folder to reach.</param>
/// <param name="Host">Host to connect to.</param>
/// <param name="Port">Port to connect to.</param>
/// <param name="Name">Environment variable or abstract socket name.</param>
/// <param name="Pid">Process to reach by pid (the host's pid from the test; the parent when absent).</param>
/// <param name="Seconds">How long a background attempt keeps going.</param>
/// <param name="Names">Several environment variable names, for the secret-name sweep.</param>
public sealed record ProbeInput(string? Path = null, string? Host = null, int? Port = null, string? Name = null, int? Pid = null, int? Seconds = null,
    IReadOnlyList<string>? Names = null);
