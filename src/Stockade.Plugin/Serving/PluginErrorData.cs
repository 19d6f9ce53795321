namespace Stockade.Plugin.Serving;

// The data of a plugin_error: what the plugin threw, with its own stack trace.
internal sealed record PluginErrorData(string Type, string Message, string? StackTrace);
