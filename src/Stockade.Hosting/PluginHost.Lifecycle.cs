using System.Globalization;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Loading;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.RateLimiting;
using Stockade.Hosting.Contracts;
using Stockade.Hosting.Store;
using Stockade.Hosting.Kernel;
using Stockade.Hosting.Workers;
using Stockade.Protocol;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>
    /// Loads a plugin — an installed id, or a plugin folder (development) — validates it, builds its
    /// policy, checks the level can be enforced and starts its worker.
    /// </summary>
    /// <exception cref="PluginRefusedException">The manifest (or signature, analysis, conflicts) refuses it.</exception>
    /// <exception cref="LevelNotEnforceableException">The level cannot be enforced here and no downgrade is allowed.</exception>
    /// <exception cref="PluginFailedException">The worker could not start (confinement not verified, bad entry).</exception>
    /// <exception cref="PluginTimeoutException">Initialisation ran past the init timeout.</exception>
    public async Task<LoadedPlugin> LoadAsync(string idOrDirectory, PluginLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrDirectory);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        options ??= new PluginLoadOptions();
        var (plugin, storedGrants) = await Resolver.ResolveAsync(idOrDirectory, options).ConfigureAwait(false);
        if (plugin.IsInstalled)
        {
            WatchGrants(plugin, storedGrants);
        }

        var slot = new PluginSlot(plugin) { Loggers = new PluginLoggers(_loggerFactory, plugin.Id) };
        if (!_slots.TryAdd(plugin.Id, slot))
        {
            throw new PluginRefusedException(plugin.Id, $"plugin '{plugin.Id}' is already loaded in this host", [], "unload it first, or call it by its id.");
        }

        try
        {
            await StartWorkerAsync(slot, restart: false, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A refused load (any reason, an audit failure included) leaves nothing running and nothing tracked.
            _slots.TryRemove(KeyValuePair.Create(plugin.Id, slot));
            await AbandonSlotAsync(slot, "its load was refused").ConfigureAwait(false);
            throw;
        }

        return plugin;
    }

    /// <summary>Ends whatever a slot still runs (its worker, one starting, its spares) without recording through callers' paths; never throws.</summary>
    private async Task AbandonSlotAsync(PluginSlot slot, string reason)
    {
        try
        {
            slot.Starting?.Kill(reason, WorkerKillKind.Stopped);
            if (slot.Worker is { } worker)
            {
                slot.Worker = null;
                slot.Plugin.Worker = null;
                slot.WatchRegistration?.Dispose();
                await WorkerSupervisor.EndAsync(worker, reason).ConfigureAwait(false);
            }

            await DiscardSparesAsync(slot, close: true).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.WorkerEnded(_logger, slot.Id, $"could not end everything of a refused load: {ex.Message}");
        }
    }

    /// <summary>Stops a plugin's worker (asks it to shut down, then kills it) and forgets it.</summary>
    /// <remarks>Calls in flight fail with <see cref="PluginFailureKind.StoppedByHost"/>.</remarks>
    public Task UnloadAsync(string pluginId, CancellationToken cancellationToken = default) =>
        UnloadCoreAsync(pluginId, "unloaded by the host", StopGrace, cancellationToken);

    private static TimeSpan StopGrace => WorkerSupervisor.StopGrace;

    private async Task UnloadCoreAsync(string pluginId, string reason, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!_slots.TryRemove(pluginId, out var slot))
        {
            return;
        }

        await StopWorkerAsync(slot, reason, cancellationToken, grace).ConfigureAwait(false);
        await DiscardSparesAsync(slot, close: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces a plugin's worker with a fresh one under the policy in force: a prewarmed spare when the manifest asks
    /// for them (<c>prewarm</c>) and one is ready, else a cold start. Calls in flight on the old worker fail.
    /// </summary>
    /// <exception cref="PluginNotFoundException">The plugin is not loaded.</exception>
    /// <exception cref="PluginFailedException">The new worker could not start.</exception>
    public async Task ReloadAsync(string pluginId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var slot = GetSlot(pluginId);
        await slot.StartLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopWorkerAsync(slot, "reloaded by the host", cancellationToken).ConfigureAwait(false);
            await StartWorkerAsync(slot, restart: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slot.StartLock.Release();
        }
    }

    /// <summary>
    /// Discards the slot's spares because its policy changed (fail secure: a spare confined under the old grants
    /// must never serve), then starts new ones under the policy now in force.
    /// </summary>
    internal void OnPolicyChanged(PluginSlot slot) =>
        _ = DiscardSparesAsync(slot, close: false).ContinueWith(_ => FillSpares(slot), TaskScheduler.Default);

    /// <summary>The pids of a plugin's idle spares (tests and diagnostics).</summary>
    internal IReadOnlyList<int> SparePids(string pluginId) => GetSlot(pluginId).Spares.Pids;

    /// <summary>The policy for a manifest, grants and level (the resolver's; also used when stored grants change).</summary>
    internal SandboxPolicy BuildPolicy(PluginManifest manifest, IReadOnlyList<Grant> grants, SecurityLevel level, string directory, LevelPreset? named = null) =>
        Resolver.BuildPolicy(manifest, grants, level, directory, named);

    internal Grant? ToGrant(GrantRecord stored) => Resolver.ToGrant(stored);

    /// <summary>Id or folder → what to run (see <see cref="PluginResolver"/>).</summary>
    private PluginResolver Resolver => LazyInitializer.EnsureInitialized(ref _resolver, () => new PluginResolver(
        Home, Store, _options, () => Catalog, () => KernelFeatures, WorkerIdentityOf,
        new InstalledCopyVerifier(Store, () => FolderLimits, entry => Audit.AppendAsync(entry)),
        entry => Audit.AppendAsync(entry), _logger, _time,
        (directory, manifest, preset, installed) => Validation.LoadRequirements.EnforceAsync(this, directory, manifest, preset, installed))
    {
        NamedPolicies = FindPolicy, // PluginHost.Policies.cs
    });

    private PluginResolver? _resolver;

    internal static string Name(SecurityLevel level) => level.ToName();

    /// <summary>
    /// Puts a worker to work for the slot: on a restart (crash, kill, timeout, reload) a spare built under the policy
    /// now in force when there is one, else a cold start; then tops the spares up to the manifest's <c>prewarm</c>.
    /// Every attempt ends in a record: <c>plugin.started</c>/<c>plugin.restarted</c>, or <c>plugin.start_failed</c>
    /// with the cause (written by <see cref="LaunchWorkerAsync"/>). A worker whose start cannot be recorded is ended.
    /// </summary>
    private Task StartWorkerAsync(PluginSlot slot, bool restart, CancellationToken cancellationToken) =>
        TrackedAsync(() => StartWorkerCoreAsync(slot, restart, cancellationToken));

    private async Task StartWorkerCoreAsync(PluginSlot slot, bool restart, CancellationToken cancellationToken)
    {
        var plugin = slot.Plugin;
        ReadyWorker? ready = null;
        if (restart)
        {
            var stale = new List<ReadyWorker>();
            ready = slot.Spares.TryTake(plugin.Policy, stale);
            foreach (var old in stale)
            {
                await DiscardSpareAsync(old).ConfigureAwait(false);
            }
        }

        if (Interlocked.Exchange(ref _staleSparesSwept, 1) == 0)
        {
            TempFolders.SweepStale();
        }

        var fromSpare = ready is not null;
        if (ready is null)
        {
            // A folder of its own: nothing of an earlier worker (which may still be ending) is reused or deleted here.
            ready = await LaunchWorkerAsync(slot, TempFolders.NewFolder(plugin.Id), spare: false, cancellationToken).ConfigureAwait(false);
        }

        ready.SpareWatch?.Dispose();
        var worker = ready.Worker;
        worker.IsSpare = false;
        var policy = ready.Policy;
        var restartSummary = string.Empty;
        try
        {
            if (_disposed != 0)
            {
                throw new PluginFailedException(plugin.Id, PluginFailureKind.StoppedByHost, $"plugin '{plugin.Id}' was stopped by the host while it started: the host is shutting down");
            }

            var details = new Dictionary<string, string> { ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture), ["level"] = Name(policy.Level) };
            if (fromSpare)
            {
                details["spare"] = "true";
            }

            restartSummary = restart ? DescribeRestart(slot, policy, details) : string.Empty; // PluginHost.Restarts.cs: the limits chosen

            // Recorded before the worker serves: a start that cannot be audited does not happen (the worker is ended below).
            await AuditAsync(restart ? AuditActions.PluginRestarted : AuditActions.PluginStarted, AuditDecision.Info, AuditLayer.Host, plugin.Id, details: details).ConfigureAwait(false);
        }
        catch
        {
            await WorkerSupervisor.EndAsync(worker, _disposed != 0 ? "the host is shutting down" : "its start could not be recorded").ConfigureAwait(false);
            throw;
        }

        // The old worker's exit handler may not have run yet (a spare is ready in milliseconds): its watch ends here.
        slot.WatchRegistration?.Dispose();
        slot.WatchRegistration = null;
        slot.Worker = worker;
        slot.Broker = ready.Broker;
        slot.ResourceKill = null;
        plugin.Methods = ready.Methods;
        plugin.Contracts = ready.Contracts;
        plugin.Worker = worker;
        slot.WorkerTemp = ready.TempDirectory;
        slot.WatchRegistration = Watchdog.Watch(plugin.Id, worker.Pid, Home.DataDirectory(plugin.Id), WatchLimits(policy), new WatchdogTarget(slot, worker), ready.TempDirectory);
        Log.WorkerStarted(_logger, plugin.Id, worker.Pid, Name(policy.Level));
        Raise(plugin.Id, restart ? PluginEventKind.Restarted : PluginEventKind.Started,
            $"worker {worker.Pid} ready at level '{Name(policy.Level)}'{(fromSpare ? " (a prewarmed spare)" : "")}{restartSummary}", policy.Resources);
        FillSpares(slot);
    }

    /// <summary>Starts spares in the background until the slot holds the manifest's <c>prewarm</c> of them.</summary>
    private void FillSpares(PluginSlot slot)
    {
        if (slot.Plugin.Manifest.Prewarm <= 0 || _disposed != 0)
        {
            return;
        }

        slot.Spares.StartFill(async () =>
        {
            while (_disposed == 0 && slot.Spares.Count < slot.Plugin.Manifest.Prewarm && _slots.TryGetValue(slot.Id, out var current) && ReferenceEquals(current, slot))
            {
                var closing = slot.Spares.Closing;
                var policy = slot.Plugin.Policy;
                var temp = TempFolders.NewFolder(slot.Id);
                ReadyWorker spare;
                try
                {
                    spare = await LaunchWorkerAsync(slot, temp, spare: true, closing).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    continue; // the spares were discarded for a new policy (or the plugin is going): start over
                }
                catch (Exception ex) when (ex is PluginException or IOException or InvalidOperationException or ObjectDisposedException or AuditWriteException)
                {
                    // A spare that cannot start is no loss: the next restart starts cold and says why.
                    Log.WorkerEnded(_logger, slot.Id, $"spare could not start: {ex.Message}");
                    return;
                }

                try
                {
                    // Watched before it can be taken, so a spare is never unwatched and a promoted one never keeps its spare watch.
                    spare.SpareWatch = Watchdog.Watch(slot.Id + "#spare-" + spare.Worker.Pid.ToString(CultureInfo.InvariantCulture), spare.Worker.Pid, null,
                        WatchLimits(spare.Policy), new SpareWatchdogTarget(slot, spare));
                }
                catch (ObjectDisposedException)
                {
                    await DiscardSpareAsync(spare).ConfigureAwait(false);
                    return;
                }

                if (closing.IsCancellationRequested || !ReferenceEquals(policy, slot.Plugin.Policy) || !slot.Spares.TryAdd(spare, slot.Plugin.Policy))
                {
                    await DiscardSpareAsync(spare).ConfigureAwait(false);
                }
            }
        });
    }

    /// <summary>The workers' temporary folders (one each, removed through descriptors; see <see cref="WorkerTempFolders"/>).</summary>
    private WorkerTempFolders TempFolders =>
        LazyInitializer.EnsureInitialized(ref _tempFolders, () => new WorkerTempFolders(Path.Combine(Home.Root, "temp")));

    private WorkerTempFolders? _tempFolders;

    /// <summary>Kills every spare of the slot (a new policy, or the plugin is going away); with close, no new ones start.</summary>
    private async Task DiscardSparesAsync(PluginSlot slot, bool close)
    {
        foreach (var spare in slot.Spares.Drain(close))
        {
            await DiscardSpareAsync(spare).ConfigureAwait(false);
        }

        if (close)
        {
            // A spare being launched gives up on the cancelled token, and is discarded by the fill loop.
            // Its failures were reported where they happened; here only its end matters.
            await slot.Spares.Filling.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static Task DiscardSpareAsync(ReadyWorker spare) => WorkerSupervisor.DiscardSpareAsync(spare);

    /// <summary>
    /// Launches one worker under the slot's current policy and waits for its answer to <c>initialize</c>; the worker
    /// is not yet the slot's. On any failure the worker is ended and the failure thrown.
    /// </summary>
    private async Task<ReadyWorker> LaunchWorkerAsync(PluginSlot slot, string temp, bool spare, CancellationToken cancellationToken)
    {
        ReadyWorker? ready = null;
        await TrackedAsync(async () => ready = await LaunchWorkerCoreAsync(slot, temp, spare, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return ready!;
    }

    /// <summary>The worker supervisor: start attempts, states, stops, exits and their records (see <see cref="WorkerSupervisor"/>).</summary>
    private WorkerSupervisor Supervisor => LazyInitializer.EnsureInitialized(ref _supervisor, () => new WorkerSupervisor(Audit, _logger, (id, kind, message) => Raise(id, kind, message), () => _disposed != 0, Home.DataDirectory));

    private WorkerSupervisor? _supervisor;

    private Task TrackedAsync(Func<Task> start) => Supervisor.TrackedAsync(start);

    private async Task<ReadyWorker> LaunchWorkerCoreAsync(PluginSlot slot, string temp, bool spare, CancellationToken cancellationToken)
    {
        var plugin = slot.Plugin;
        var policy = plugin.Policy;
        var data = Home.DataDirectory(plugin.Id);
        using var launch = StartLaunch(slot, spare); // Diagnostics/: the start span and cold-start time
        PluginBroker broker;
        WorkerProcess worker;
        WorkerKernelChannel? kernel;
        try
        {
            (broker, worker, kernel) = await SpawnWorkerAsync(slot, temp, data).ConfigureAwait(false);
        }
        catch (Exception ex) when (Supervisor.LaunchFailed(plugin, spare, ex))
        {
            throw; // not reached: LaunchFailed records the failure and returns false
        }

        worker.IsSpare = spare;
        broker.Worker = worker;
        Supervisor.TrackExit(slot, worker, broker, temp, kernel);
        if (!spare)
        {
            slot.Starting = worker;
        }

        // The host shutting down ends a worker that is still starting (it is not the slot's yet, so no stop reaches it).
        using var shutdown = _shutdown.Token.UnsafeRegister(static w => ((WorkerProcess)w!).Kill("the host is shutting down", WorkerKillKind.Stopped), worker);
        var init = new InitializeParams(plugin.Id, Name(policy.Level), plugin.Directory, data, temp, null, [.. policy.Granted.Select(p => p.ToString())]);
        JsonElement? result;
        try
        {
            result = await worker.CallAsync("initialize", JsonSerializer.SerializeToElement(init, ProtocolJsonContext.Default.InitializeParams), policy.Timeouts.Init, cancellationToken).ConfigureAwait(false);
            RefuseOtherProtocol(plugin.Id, result); // issue 17: another major protocol version is refused with the fix
            if (!WorkerSupervisor.MarkReady(worker))
            {
                // Stopped (unload, shutdown) between its answer and now.
                throw new WorkerExitedException(await worker.Exited.ConfigureAwait(false), worker.Stderr.Lines());
            }
        }
        catch (Exception ex)
        {
            var failure = await Supervisor.StartFailedAsync(slot, worker, spare, ex).ConfigureAwait(false);
            if (failure is null)
            {
                throw;
            }

            throw failure;
        }
        finally
        {
            if (ReferenceEquals(slot.Starting, worker))
            {
                slot.Starting = null;
            }
        }

        launch.Ready(worker.Pid);
        if (spare)
        {
            // A spare's start is a start attempt too; it serves nothing until a restart takes it (then plugin.restarted).
            Supervisor.SpareStarted(plugin, worker, policy);
        }

        if (kernel is not null && await kernel.ReportWithinAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false) is { } measured)
        {
            plugin.Guarantees = GuaranteeReport.Measured(plugin.Guarantees, measured);
        }

        var initResult = result?.Deserialize(ProtocolJsonContext.Default.InitializeResult);
        return new ReadyWorker(worker, broker, policy, temp, initResult?.Methods ?? []) { Contracts = ReportedContracts.Read(result) };
    }



    /// <summary>Prepares the worker's folders and user, plans its launch and spawns it (not yet initialised).</summary>
    private async Task<(PluginBroker Broker, WorkerProcess Worker, WorkerKernelChannel? Kernel)> SpawnWorkerAsync(PluginSlot slot, string temp, string data)
    {
        var plugin = slot.Plugin;
        var policy = plugin.Policy;
        var manifest = plugin.Manifest;
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(temp);
        var confined = policy.Level >= SecurityLevel.Sandboxed;
        var user = WorkerIdentityOf(plugin.Id);
        var request = new WorkerLaunchRequest
        {
            PluginId = plugin.Id,
            IsDotnet = manifest.Runtime == PluginRuntime.Dotnet,
            IsNativeAot = manifest.Runtime == PluginRuntime.Native,
            PluginDirectory = plugin.Directory,
            Entry = manifest.Entry,
            EntryType = manifest.EntryType,
            Interpreter = manifest.Interpreter,
            DataDirectory = data,
            TempDirectory = temp,
            GrantedPaths = [.. policy.FileRules.Select(r => new PlannedPathRule(r.Path,
                r.Rights.HasFlag(FileRights.Read), r.Rights.HasFlag(FileRights.Write), r.Rights.HasFlag(FileRights.Delete), r.Rights.HasFlag(FileRights.Execute)))],
            AllowExec = policy.AllowExec,
            Landlock = confined,
            Seccomp = confined,
            Namespaces = policy.Level == SecurityLevel.Strict,
            Resources = policy.Resources,
            Environment = GrantedEnvironment(policy),
            UserId = user.Uid,
            GroupId = user.Gid,
        };
        if (request.UserId is int uid)
        {
            var gid = request.GroupId ?? uid;
            if ((UnreachableFor(uid, gid, Path.Combine(Home.Root, "data")) ?? UnreachableFor(uid, gid, Path.Combine(plugin.Directory, "x"))) is { } blocked)
            {
                throw new PluginFailedException(plugin.Id, PluginFailureKind.StartFailed, $"plugin '{plugin.Id}' could not start: its worker runs as uid {uid} and {blocked}",
                    nextStep: $"keep the home and plugin folders where other users may traverse them (a root host's default home is {StockadeHome.RootDefault}), or chmod o+x the folder named.");
            }

            PrepareForWorkerUser(uid, gid, data, temp);
        }

        var cgroups = CgroupsFor(plugin.Id); // issue 16: the worker's cgroup is made by the planner, owned by the WorkerProcess
        var kernel = confined ? WorkerKernelChannel.Create(plugin.Id) : null; // Kernel/: denials observed by the host
        WorkerLaunchPlan plan;
        try
        {
            plan = WorkerLaunchPlanner.Plan(request with { KernelReportFd = kernel?.WorkerFd, CgroupLimits = WorkerLaunchPlanner.CgroupLimitsFor(policy.Resources, StageZeroProcesses(policy)) }, RuntimeFor(plugin.Id, policy.Level, request.UserId, request.GroupId), Environment.ProcessId, cgroups);
        }
        catch
        {
            kernel?.Dispose();
            throw;
        }

        var startInfo = plan.StartInfo;
        plugin.Guarantees = GuaranteeReport.WithCgroup(plugin.Guarantees, cgroups, policy.Resources);
        RateLimiter.SetPluginRules(plugin.Id, manifest.RateLimits.Select(r => new RateRule(r.Permission, r.Limit, r.Period)));
        var broker = NewBroker(slot);
        var limits = new ProtocolLimits { MaxFrameBytes = _options.MaxFrameBytes, MaxInFlight = _options.MaxRequestsInFlight, UnknownMethodIsViolation = true };
        WorkerProcess worker;
        try
        {
            worker = await WorkerProcess.StartAsync(startInfo, limits, NewWorkerBudget(), broker, line => Log.WorkerStderr(_logger, plugin.Id, line), kernel, plan.Cgroup,
                ownExitCodes: manifest.Runtime != PluginRuntime.Dotnet).ConfigureAwait(false);
        }
        catch
        {
            kernel?.Dispose();
            plan.Cgroup?.Dispose();
            throw;
        }

        kernel?.Attach(worker.Pid, broker.NoteKernelObservedAsync);
        if (policy.Resources.CpuTimeSeconds is int cpuSeconds)
        {
            worker.Witness.WatchCpu(TimeSpan.FromSeconds(cpuSeconds)); // evidence for naming an RLIMIT_CPU kill
        }

        return (broker, worker, kernel);
    }

    private IReadOnlyDictionary<string, string> GrantedEnvironment(SandboxPolicy policy)
    {
        var source = _options.Environment ?? Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
        var granted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in source)
        {
            if (policy.EnvironmentNames.Any(scope => scope.Matches(name, value)))
            {
                granted[name] = value;
            }
        }

        return granted;
    }

    /// <summary>Drains and ends the slot's worker (see <see cref="WorkerSupervisor.StopAsync"/>); never throws for the audit's sake.</summary>
    private Task StopWorkerAsync(PluginSlot slot, string reason, CancellationToken cancellationToken, TimeSpan? grace = null) =>
        Supervisor.StopAsync(slot, reason, grace ?? StopGrace, cancellationToken);

    /// <summary>Waits (bounded) until the exit handler of an ended worker has queued its records.</summary>
    private Task WorkerEndRecordedAsync(WorkerProcess worker) => Supervisor.EndRecordedAsync(worker);

    private void TryAppend(AuditEntry entry) => Supervisor.TryAppend(entry);
}
