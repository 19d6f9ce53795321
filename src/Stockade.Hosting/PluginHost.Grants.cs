using System.Runtime.CompilerServices;
using Stockade.Analysis.Signing;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Store;
using Stockade.Hosting.Validation;
using Stockade.Hosting.Workers;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>How often the store's grants are compared with a loaded plugin's policy, at most.</summary>
    internal static readonly TimeSpan GrantCheckInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConditionalWeakTable<LoadedPlugin, GrantWatch> _grantWatches = [];
    private readonly ConditionalWeakTable<LoadedPlugin, PolicyGate> _policyGates = [];
    private ITimer? _grantTimer;

    internal string DefaultLevel => _options.DefaultLevel;

    internal Linux.FileSystem.PluginFolderLimits FolderLimits => _options.PluginFolderLimits;

    internal TimeProvider Time => _time;

    /// <summary>
    /// Applies now the grants stored for a loaded, installed plugin (another process — the CLI — may have
    /// changed them): brokered permissions apply from the next call; when file, subprocess or environment
    /// rights changed, the worker is restarted under the new policy. Both are audited. The host also notices
    /// changes by itself within about <see cref="GrantCheckInterval"/>; this is for callers that cannot wait.
    /// </summary>
    /// <returns>True when the policy changed.</returns>
    /// <exception cref="PluginNotFoundException">The plugin is not loaded.</exception>
    public async Task<bool> RefreshGrantsAsync(string pluginId, CancellationToken cancellationToken = default)
    {
        var slot = GetSlot(pluginId);
        var applied = ApplyStoredGrants(slot, force: true);
        if (applied == GrantsApplied.Kernel)
        {
            await RestartUnderNewPolicyAsync(slot, cancellationToken).ConfigureAwait(false);
        }

        return applied != GrantsApplied.None;
    }

    /// <summary>The policy the broker consults: rebuilt first when the store's grants changed since the last look.</summary>
    internal SandboxPolicy CurrentPolicy(PluginSlot slot)
    {
        if (ApplyStoredGrants(slot, force: false) == GrantsApplied.Kernel)
        {
            _ = Task.Run(() => RestartUnderNewPolicyAsync(slot, CancellationToken.None));
        }

        return slot.Plugin.Policy;
    }

    /// <summary>Starts watching the stored grants of an installed plugin that is being loaded.</summary>
    private void WatchGrants(LoadedPlugin plugin, IReadOnlyList<GrantRecord> stored)
    {
        _grantWatches.AddOrUpdate(plugin, new GrantWatch(Fingerprint(stored), _time.GetTimestamp()));
        if (_grantTimer is null)
        {
            var timer = _time.CreateTimer(_ => PollGrants(), null, GrantCheckInterval, GrantCheckInterval);
            if (Interlocked.CompareExchange(ref _grantTimer, timer, null) is not null)
            {
                timer.Dispose();
            }
        }
    }

    /// <summary>
    /// Makes a change of the stored grants of <paramref name="pluginId"/> through this host (<c>PluginInstaller.Grant</c>,
    /// <c>Revoke</c>) in force before it returns: the change (its audit record, then the store) runs under the plugin's
    /// policy gate, and the new policy is applied before the gate opens, so no brokered call is recorded as allowed
    /// after the change's record under the old policy. Kernel-enforced rights restart the worker before this returns.
    /// </summary>
    internal T ChangeGrants<T>(string pluginId, Func<T> change)
    {
        if (!_slots.TryGetValue(pluginId, out var slot) || !slot.Plugin.IsInstalled)
        {
            return change();
        }

        var gate = GateOf(slot.Plugin);
        gate.EnterChange();
        T result;
        GrantsApplied applied;
        try
        {
            result = change();
            applied = ApplyStoredGrants(slot, force: true, gateHeld: true);
        }
        finally
        {
            gate.ExitChange();
        }

        if (applied == GrantsApplied.Kernel)
        {
            RestartUnderNewPolicyAsync(slot, CancellationToken.None).GetAwaiter().GetResult();
        }

        return result;
    }

    private PolicyGate GateOf(LoadedPlugin plugin) => _policyGates.GetValue(plugin, static _ => new PolicyGate());

    private GrantsApplied ApplyStoredGrants(PluginSlot slot, bool force, bool gateHeld = false)
    {
        if (!slot.Plugin.IsInstalled || !_grantWatches.TryGetValue(slot.Plugin, out var watch))
        {
            return GrantsApplied.None;
        }

        if (!force && _time.GetElapsedTime(Volatile.Read(ref watch.CheckedAt)) < GrantCheckInterval)
        {
            return GrantsApplied.None; // the common case on every brokered call: no lock, no gate
        }

        // The policy changes under the gate, so a brokered call sequences its allow record either before the
        // change's records or after checking against the new policy (BrokerPipeline's audit step).
        var gate = GateOf(slot.Plugin);
        if (!gateHeld)
        {
            gate.EnterChange();
        }

        try
        {
            lock (watch)
            {
                var now = _time.GetTimestamp();
                if (!force && _time.GetElapsedTime(watch.CheckedAt, now) < GrantCheckInterval)
                {
                    return GrantsApplied.None;
                }

                Volatile.Write(ref watch.CheckedAt, now);
                IReadOnlyList<GrantRecord> stored;
                try
                {
                    stored = Store.GetGrants(slot.Id);
                }
                catch (Exception ex) when (ex is StoreException or ObjectDisposedException)
                {
                    return GrantsApplied.None; // keep the policy in force; the next look tries again
                }

                var fingerprint = Fingerprint(stored);
                if (fingerprint == watch.Fingerprint)
                {
                    return GrantsApplied.None;
                }

                var old = slot.Plugin.Policy;
                var policy = KeepStricterLimits(slot, BuildPolicy(slot.Plugin.Manifest, [.. stored.Select(ToGrant).OfType<Grant>()], old.Level, slot.Plugin.Directory, old.Preset));
                var kernel = KernelRights(old) != KernelRights(policy);
                var applied = kernel ? "worker restarted" : "next brokered call";

                // The host's records of the change go first, then the policy changes (audit before act).
                foreach (var removed in old.Granted.Except(policy.Granted))
                {
                    Audit.Append(new AuditEntry(AuditActions.PermissionRevoked, AuditDecision.Deny, AuditLayer.Host)
                    { Plugin = slot.Id, Permission = removed.ToString(), Details = new Dictionary<string, string> { ["source"] = "store", ["applied"] = applied } });
                }

                foreach (var added in policy.Granted.Except(old.Granted))
                {
                    Audit.Append(new AuditEntry(AuditActions.PermissionGranted, AuditDecision.Allow, AuditLayer.Host)
                    { Plugin = slot.Id, Permission = added.ToString(), Details = new Dictionary<string, string> { ["source"] = "store", ["applied"] = applied } });
                }

                watch.Fingerprint = fingerprint;
                slot.Plugin.Policy = policy;
                gate.PolicyChanged();
                OnPolicyChanged(slot);
                return kernel ? GrantsApplied.Kernel : GrantsApplied.Broker;
            }
        }
        finally
        {
            if (!gateHeld)
            {
                gate.ExitChange();
            }
        }
    }

    private async Task RestartUnderNewPolicyAsync(PluginSlot slot, CancellationToken cancellationToken)
    {
        try
        {
            await slot.StartLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            if (_disposed != 0 || slot.Worker is null || !_slots.TryGetValue(slot.Id, out var current) || !ReferenceEquals(current, slot))
            {
                return; // not running: the next start uses the new policy
            }

            await StopWorkerAsync(slot, "its grants changed; restarting under the new policy", cancellationToken).ConfigureAwait(false);
            await StartWorkerAsync(slot, restart: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PluginException or IOException or InvalidOperationException or OperationCanceledException)
        {
            Raise(slot.Id, PluginEventKind.Crashed, $"could not restart under the new policy: {ex.Message}");
        }
        finally
        {
            slot.StartLock.Release();
        }
    }

    private void PollGrants()
    {
        if (_disposed != 0)
        {
            Interlocked.Exchange(ref _grantTimer, null)?.Dispose();
            return;
        }

        foreach (var slot in _slots.Values)
        {
            CheckInstalledState(slot);
            if (ApplyStoredGrants(slot, force: false) == GrantsApplied.Kernel)
            {
                _ = RestartUnderNewPolicyAsync(slot, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Follows what a person did to an installed, loaded plugin from another process (the CLI): 'stockade disable'
    /// or 'stockade uninstall' stops its worker and spares within about <see cref="GrantCheckInterval"/>, and calls
    /// are refused saying how to bring it back; 'stockade enable' lets the next call start it again.
    /// </summary>
    private void CheckInstalledState(PluginSlot slot)
    {
        if (!slot.Plugin.IsInstalled)
        {
            return;
        }

        PluginRecord? record;
        try
        {
            record = Store.GetPlugin(slot.Id);
        }
        catch (Exception ex) when (ex is StoreException or ObjectDisposedException)
        {
            return; // keep the state in force; the next look tries again
        }

        var off = record is null || !record.Enabled;
        if (off == slot.OffInStore)
        {
            return;
        }

        slot.OffInStore = off;
        _ = off ? StopTurnedOffAsync(slot, record is null) : TurnOnAsync(slot);
    }

    private async Task StopTurnedOffAsync(PluginSlot slot, bool uninstalled)
    {
        var reason = uninstalled ? "it was uninstalled ('stockade uninstall')" : "a person disabled it ('stockade disable')";
        try
        {
            await slot.StartLock.WaitAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            slot.DisabledReason = reason;
            slot.DisabledNextStep = uninstalled ? "install it again: stockade install <its folder>" : $"enable it again: stockade enable {slot.Id}";
            Raise(slot.Id, PluginEventKind.Disabled, $"disabled: {reason}");
            await StopWorkerAsync(slot, reason, CancellationToken.None).ConfigureAwait(false);
            await DiscardSparesAsync(slot, close: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PluginException or IOException or InvalidOperationException or OperationCanceledException)
        {
            Raise(slot.Id, PluginEventKind.Crashed, $"could not stop it after {reason}: {ex.Message}");
        }
        finally
        {
            slot.StartLock.Release();
        }
    }

    private async Task TurnOnAsync(PluginSlot slot)
    {
        try
        {
            await slot.StartLock.WaitAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            // Enabled again by a person: serve from the next call, with a fresh restart budget.
            var was = slot.DisabledReason;
            slot.DisabledReason = null;
            slot.DisabledNextStep = null;
            slot.Restarts.Clear();
            if (was is not null)
            {
                Raise(slot.Id, PluginEventKind.Enabled, $"enabled again (it was disabled: {was}); the next call starts it");
            }
        }
        finally
        {
            slot.StartLock.Release();
        }
    }

    private static string Fingerprint(IReadOnlyList<GrantRecord> stored) =>
        string.Join('\n', stored.Select(g => $"{g.Permission}\t{(g.Allowed ? 1 : 0)}"));

    // What the kernel enforces for the worker's lifetime: a change needs a new worker.
    private static string KernelRights(SandboxPolicy policy) =>
        string.Join(';', policy.FileRules.Select(r => $"{r.Path}|{r.Rights}|{r.Recursive}"))
        + $"#{policy.AllowExec}#" + string.Join(';', policy.EnvironmentNames.Select(e => e.ToString()));

    private enum GrantsApplied
    {
        None,
        Broker,
        Kernel,
    }

    private sealed class GrantWatch(string fingerprint, long checkedAt)
    {
        public long CheckedAt = checkedAt;

        public string Fingerprint { get; set; } = fingerprint;
    }

    /// <summary>The grants of one loaded plugin as its broker sees them.</summary>
    private sealed class SlotGrants(PluginHost host, PluginSlot slot) : IPluginGrants
    {
        private readonly PolicyGate _gate = host.GateOf(slot.Plugin);

        public PermissionCatalog Catalog => host.Catalog;

        public PolicyGate Gate => _gate;

        public SandboxPolicy CurrentPolicy() => host.CurrentPolicy(slot);

        public async ValueTask RememberAsync(Permission permission, AuditEntry record)
        {
            await host.Audit.AppendAsync(record).ConfigureAwait(false); // throws when it cannot be written: nothing is stored
            if (slot.Plugin.IsInstalled)
            {
                host.Store.SetGrant(new GrantRecord(slot.Id, permission.ToString(), true, true, host._time.GetUtcNow(), "prompt"));
            }
        }
    }
}
