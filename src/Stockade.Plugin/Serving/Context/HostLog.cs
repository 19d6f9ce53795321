using Stockade.Plugin;
using Stockade.Protocol;

namespace Stockade.Plugin.Serving;

// host.log notifications; logging never throws, so a closed connection silently drops the line.
internal sealed class HostLog(JsonRpcPeer peer, string? category = null) : IPluginLog
{
    public IPluginLog ForCategory(string category) => new HostLog(peer, string.IsNullOrEmpty(category) ? null : category);

    public void Debug(string message) => Write("debug", message);

    public void Info(string message) => Write("info", message);

    public void Warning(string message) => Write("warning", message);

    public void Error(string message) => Write("error", message);

    private void Write(string level, string message)
    {
        // Written by hand, not through ProtocolJsonContext.Default.LogParams: the serializer's metadata for the record
        // cost about 20 ms on the first line, which most plugins write from InitializeAsync (docs/performance.md).
        var sent = peer.NotifyAsync(ProtocolMethods.HostLog, WorkerMessages.WriteLog(level, message ?? string.Empty, category));

        // Notifications are queued synchronously: the task is already complete, successfully or not.
        if (!sent.IsCompletedSuccessfully)
        {
            _ = sent.AsTask().Exception;
        }
    }
}
