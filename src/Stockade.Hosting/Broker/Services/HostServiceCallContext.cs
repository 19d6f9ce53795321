namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// Who is calling: declare a parameter of this type on a host service method to receive it. The values
/// come from the broker, never from the plugin's arguments.
/// </summary>
public sealed class HostServiceCallContext
{
    internal HostServiceCallContext(string pluginId, string service, string method)
    {
        PluginId = pluginId;
        Service = service;
        Method = method;
    }

    /// <summary>The id of the calling plugin.</summary>
    public string PluginId { get; }

    /// <summary>The service name the call was addressed to.</summary>
    public string Service { get; }

    /// <summary>The method name the plugin called.</summary>
    public string Method { get; }
}
