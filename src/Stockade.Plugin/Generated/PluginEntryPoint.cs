using System.Text.Json;

namespace Stockade.Plugin.Generated;

/// <summary>
/// One plugin method or hook as generated code calls it: binds <paramref name="input"/> (absent or JSON null when the
/// caller sent none), calls the plugin and returns the result as JSON (<see langword="null"/> for none). An input that does
/// not fit throws <see cref="PluginInputException"/>.
/// </summary>
/// <param name="plugin">The plugin instance the table created.</param>
/// <param name="input">The call's input.</param>
/// <param name="cancellationToken">Cancelled when the host cancels the call or its deadline passes.</param>
public delegate ValueTask<JsonElement?> PluginEntryPoint(IPlugin plugin, JsonElement? input, CancellationToken cancellationToken);
