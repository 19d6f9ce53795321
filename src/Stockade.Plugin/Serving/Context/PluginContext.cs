using System.Text.Json;
using Stockade.Plugin;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

// The plugin's view of the host: every capability is a host.* call through the protocol peer.
internal sealed class PluginContext : IPluginContext
{
    private readonly JsonRpcPeer _peer;
    private readonly Lock _httpLock = new();
    private HttpClient? _http;

    public PluginContext(JsonRpcPeer peer, InitializeParams parameters)
    {
        _peer = peer;
        PluginId = parameters.PluginId;
        DataDirectory = parameters.DataDir;
        TempDirectory = parameters.TempDir;
        Log = new HostLog(peer);
        Services = new HostServices(peer);
        Config = new HostConfig(peer);
        Store = new HostStore(peer);
    }

    public string PluginId { get; }

    public string DataDirectory { get; }

    public string TempDirectory { get; }

    public IPluginLog Log { get; }

    // Created on first use: System.Net.Http costs start-up time that most plugins never need.
    public HttpClient Http
    {
        get
        {
            lock (_httpLock)
            {
                return _http ??= new HttpClient(new BrokerHttpHandler(_peer));
            }
        }
    }

    public IHostServices Services { get; }

    public IPluginConfig Config { get; }

    public IPluginStore Store { get; }

    public async ValueTask<bool> RequestPermissionAsync(string permission, string reason, CancellationToken cancellationToken = default)
    {
        var result = await HostCall.InvokeAsync(
            _peer, ProtocolMethods.HostPermissionRequest, new PermissionRequestParams(permission, reason),
            ProtocolJsonContext.Default.PermissionRequestParams, ProtocolJsonContext.Default.PermissionRequestResult, cancellationToken).ConfigureAwait(false);
        return result?.Granted == true;
    }
}
