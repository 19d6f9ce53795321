using Stockade.Core.Manifest;
using Stockade.Core.Policy;

namespace Stockade.Hosting;

/// <summary>A plugin the host has loaded: what it is, the policy it runs under and who enforces what.</summary>
public sealed class LoadedPlugin
{
    internal LoadedPlugin(PluginManifest manifest, string directory, SandboxPolicy policy, SecurityLevel requested, IReadOnlyList<Guarantee> guarantees, bool installed)
    {
        Manifest = manifest;
        Directory = directory;
        Policy = policy;
        RequestedLevel = requested;
        Guarantees = guarantees;
        IsInstalled = installed;
    }

    /// <summary>The plugin's id.</summary>
    public string Id => Manifest.Id;

    /// <summary>The validated manifest.</summary>
    public PluginManifest Manifest { get; }

    /// <summary>The folder the worker loads the plugin from (the installed, verified copy for installed plugins).</summary>
    public string Directory { get; }

    /// <summary>The immutable policy the worker runs under.</summary>
    public SandboxPolicy Policy { get; internal set; }

    /// <summary>The level asked for.</summary>
    public SecurityLevel RequestedLevel { get; }

    /// <summary>The level enforced (lower than <see cref="RequestedLevel"/> only after an allowed, audited downgrade).</summary>
    public SecurityLevel EffectiveLevel => Policy.Level;

    /// <summary>For every permission and limit: enforced by the kernel, only by the broker, or nothing.</summary>
    public IReadOnlyList<Guarantee> Guarantees { get; internal set; }

    /// <summary>True when the plugin comes from the store (not a development folder).</summary>
    public bool IsInstalled { get; }

    /// <summary>Methods the plugin exports (known once its worker has started).</summary>
    public IReadOnlyList<string> Methods { get; internal set; } = [];

    /// <summary>
    /// The typed contracts the plugin implements, name to version, as its worker reported them (known once its worker has
    /// started; empty when it implements none). <see cref="PluginHost.GetPlugin{TContract}(string)"/> checks against it.
    /// </summary>
    public IReadOnlyDictionary<string, int> Contracts { get; internal set; } = Hosting.Contracts.ReportedContracts.None;

    /// <summary>
    /// The worker's process id while it runs; null when no worker runs (not started yet, stopped, or ended: a dead
    /// worker's pid is never kept, since the kernel may give it to another process).
    /// </summary>
    public int? ProcessId => Worker is { IsRunning: true } worker ? worker.Pid : null;

    /// <summary>The worker serving this plugin, if any.</summary>
    internal Workers.WorkerProcess? Worker { get; set; }
}
