using Stockade.Core.Policy;
using Stockade.Hosting.Broker;

namespace Stockade.Hosting.Workers;

/// <summary>
/// A worker that has been launched, confined and has answered <c>initialize</c>, with what it was built from: the
/// policy (a spare built under another policy is never used), its own temporary folder and the methods and contracts it exports.
/// </summary>
internal sealed record ReadyWorker(WorkerProcess Worker, PluginBroker Broker, SandboxPolicy Policy, string TempDirectory, IReadOnlyList<string> Methods)
{
    /// <summary>The contracts the plugin implements, name to version (<see cref="Contracts.ReportedContracts"/>).</summary>
    public IReadOnlyDictionary<string, int> Contracts { get; init; } = Hosting.Contracts.ReportedContracts.None;

    /// <summary>The watchdog's registration while the worker waits as a spare; replaced when it is put to work.</summary>
    public IDisposable? SpareWatch { get; set; }
}
