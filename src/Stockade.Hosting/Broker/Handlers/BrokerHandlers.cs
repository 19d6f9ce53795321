using Stockade.Hosting.Broker.Pipeline;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>Every brokered capability, in one list: the only place a handler is registered (see <see cref="BrokerPipeline"/>).</summary>
internal static class BrokerHandlers
{
    public static IReadOnlyList<IBrokerHandler> All { get; } =
    [
        new HttpHandler(),
        new ServiceHandler(),
        new ConfigHandler(),
        new KeyValueHandler(),
        new PermissionRequestHandler(),
        new LogHandler(),
        new DenialReportHandler(),
    ];
}
