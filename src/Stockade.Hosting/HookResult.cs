using System.Text.Json;

namespace Stockade.Hosting;

/// <summary>What one plugin answered to a hook.</summary>
/// <param name="PluginId">The plugin.</param>
/// <param name="Succeeded">True when it answered in time without error.</param>
/// <param name="Result">Its answer, when it succeeded.</param>
/// <param name="Error">Why it did not, otherwise (timeout, crash, exception).</param>
/// <param name="Elapsed">How long it took.</param>
public sealed record HookResult(string PluginId, bool Succeeded, JsonElement? Result, string? Error, TimeSpan Elapsed);
