using System.Text.Json;
using Stockade.Core.Policy;
using Stockade.Protocol;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>
    /// The launcher and worker for a plugin's start. Without them nothing can be confined (not even the rlimits of
    /// <c>limited</c>): the plugin is refused fail-secure, naming the missing guarantee, never a missing-file crash. A
    /// runtime of another Stockade version is refused with the fix (docs/packaging.md, "Versions").
    /// </summary>
    private WorkerRuntime RuntimeFor(string pluginId, SecurityLevel level, int? workerUid, int? workerGid)
    {
        try
        {
            var runtime = _runtime.Value;
            if (workerUid is int uid)
            {
                // A root host's workers run as their own uid: the launcher and worker must be reachable for it (a tool
                // installed with `dotnet tool install -g` as root lives under /root, 0700).
                var gid = workerGid ?? uid;
                if ((UnreachableFor(uid, gid, runtime.LauncherPath) ?? UnreachableFor(uid, gid, runtime.WorkerAssemblyPath)) is { } blocked)
                {
                    throw new PluginFailedException(pluginId, PluginFailureKind.StartFailed,
                        $"plugin '{pluginId}' could not start: its worker runs as uid {uid} and cannot reach the Stockade launcher and worker ({blocked})",
                        nextStep: "put the app or the tool where other users may traverse, e.g. dotnet tool install Stockade.Cli --tool-path /opt/stockade (not under /root), or run the host as a user other than root.");
                }
            }

            return runtime;
        }
        catch (WorkerRuntimeException ex) when (ex.Missing)
        {
            throw new LevelNotEnforceableException(pluginId, Name(level), "none", [ex.Message], ex.NextStep);
        }
        catch (WorkerRuntimeException ex)
        {
            throw new PluginFailedException(pluginId, PluginFailureKind.StartFailed, $"plugin '{pluginId}' could not start: {ex.Message}", nextStep: ex.NextStep);
        }
    }

    /// <summary>
    /// The worker's <c>initialize</c> answer names the protocol it speaks (<c>sdkVersion</c>, e.g. <c>1.0</c>). Another
    /// major version is refused before any call (docs/packaging.md, "Versions"); an answer without one is taken as the
    /// current protocol (scripts written before the field was checked).
    /// </summary>
    internal static void RefuseOtherProtocol(string pluginId, JsonElement? initializeResult)
    {
        if (initializeResult is not { ValueKind: JsonValueKind.Object } result
            || !result.TryGetProperty("sdkVersion", out var spoken) || spoken.ValueKind != JsonValueKind.String)
        {
            return;
        }

        var text = spoken.GetString() ?? "";
        if (Major(text) == Major(ProtocolMethods.SdkVersion))
        {
            return;
        }

        // The plugin's own text: shown only when it is a version's characters.
        var shown = text.Length <= 32 && text.All(c => char.IsAsciiDigit(c) || c == '.') && text.Length > 0 ? text : "an unreadable version";
        throw new PluginFailedException(pluginId, PluginFailureKind.ProtocolViolation,
            $"plugin '{pluginId}' could not start: its worker speaks Stockade protocol {shown}, this host speaks {ProtocolMethods.SdkVersion} (Stockade {StockadeRelease.Version})",
            nextStep: $"use a worker and plugin made for protocol {ProtocolMethods.SdkVersion}: rebuild the app so Stockade.Hosting's own worker is next to it, or update the plugin (a script answers initialize with \"sdkVersion\": \"{ProtocolMethods.SdkVersion}\").");

        static string Major(string version)
        {
            var dot = version.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? version : version[..dot];
        }
    }
}
