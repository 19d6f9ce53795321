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

        var slot = new PluginSlot(plugin);
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
                worker.Lifecycle.TryMove(WorkerState.Draining);
                worker.Kill(reason, WorkerKillKind.Stopped);
                await worker.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>How long a worker being stopped has to answer <c>shutdown</c> and exit before it is killed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

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
    internal SandboxPolicy BuildPolicy(PluginManifest manifest, IReadOnlyList<Grant> grants, SecurityLevel level, string directory) =>
        Resolver.BuildPolicy(manifest, grants, level, directory);

    internal Grant? ToGrant(GrantRecord stored) => Resolver.ToGrant(stored);

    /// <summary>Id or folder → what to run (see <see cref="PluginResolver"/>).</summary>
    private PluginResolver Resolver => LazyInitializer.EnsureInitialized(ref _resolver, () => new PluginResolver(
        Home, Store, _options, () => Catalog, () => KernelFeatures, WorkerIdentityOf,
        new InstalledCopyVerifier(Store, () => FolderLimits, entry => Audit.AppendAsync(entry)),
        entry => Audit.AppendAsync(entry), _logger, _time,
        (directory, manifest, level, installed) => Validation.LoadRequirements.EnforceAsync(this, directory, manifest, level, installed)));

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

            // Recorded before the worker serves: a start that cannot be audited does not happen (the worker is ended below).
            await AuditAsync(restart ? AuditActions.PluginRestarted : AuditActions.PluginStarted, AuditDecision.Info, AuditLayer.Host, plugin.Id, details: details).ConfigureAwait(false);
        }
        catch
        {
            worker.Lifecycle.TryMove(WorkerState.Draining);
            worker.Kill(_disposed != 0 ? "the host is shutting down" : "its start could not be recorded", WorkerKillKind.Stopped);
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // The old worker's exit handler may not have run yet (a spare is ready in milliseconds): its watch ends here.
        slot.WatchRegistration?.Dispose();
        slot.WatchRegistration = null;
        slot.Worker = worker;
        slot.Broker = ready.Broker;
        slot.ResourceKill = null;
        plugin.Methods = ready.Methods;
        plugin.Worker = worker;
        slot.WorkerTemp = ready.TempDirectory;
        slot.WatchRegistration = Watchdog.Watch(plugin.Id, worker.Pid, Home.DataDirectory(plugin.Id), WatchLimits(policy), new WatchdogTarget(slot, worker), ready.TempDirectory);
        Log.WorkerStarted(_logger, plugin.Id, worker.Pid, Name(policy.Level));
        Raise(plugin.Id, restart ? PluginEventKind.Restarted : PluginEventKind.Started,
            $"worker {worker.Pid} ready at level '{Name(policy.Level)}'{(fromSpare ? " (a prewarmed spare)" : "")}");
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

    private static async Task DiscardSpareAsync(ReadyWorker spare)
    {
        spare.SpareWatch?.Dispose();
        spare.Worker.Lifecycle.TryMove(WorkerState.Draining);
        spare.Worker.Kill("spare discarded", WorkerKillKind.Stopped);
        await spare.Worker.DisposeAsync().ConfigureAwait(false);
    }

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

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Task> _starts = new();
    private long _startSequence;

    /// <summary>Runs a start so that shutdown can wait for it to finish recording its outcome before the audit log closes.</summary>
    private async Task TrackedAsync(Func<Task> start)
    {
        var key = Interlocked.Increment(ref _startSequence);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _starts[key] = done.Task;
        try
        {
            await start().ConfigureAwait(false);
        }
        finally
        {
            _starts.TryRemove(key, out _);
            done.TrySetResult();
        }
    }

    private async Task<ReadyWorker> LaunchWorkerCoreAsync(PluginSlot slot, string temp, bool spare, CancellationToken cancellationToken)
    {
        var plugin = slot.Plugin;
        var policy = plugin.Policy;
        var data = Home.DataDirectory(plugin.Id);
        PluginBroker broker;
        WorkerProcess worker;
        WorkerKernelChannel? kernel;
        try
        {
            (broker, worker, kernel) = await SpawnWorkerAsync(slot, temp, data).ConfigureAwait(false);
        }
        catch (Exception ex) when (LaunchFailed(plugin, spare, ex))
        {
            throw; // not reached: LaunchFailed records the failure and returns false
        }

        worker.IsSpare = spare;
        broker.Worker = worker;
        TrackExit(slot, worker, broker, temp, kernel);
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
            if (!worker.Lifecycle.TryMove(WorkerState.Ready, WorkerState.Starting))
            {
                // Stopped (unload, shutdown) between its answer and now.
                throw new WorkerExitedException(await worker.Exited.ConfigureAwait(false), worker.Stderr.Lines());
            }
        }
        catch (Exception ex)
        {
            var failure = await StartFailedAsync(slot, worker, spare, ex).ConfigureAwait(false);
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

        if (spare)
        {
            // A spare's start is a start attempt too; it serves nothing until a restart takes it (then plugin.restarted).
            TryAppend(new AuditEntry(AuditActions.PluginStarted, AuditDecision.Info, AuditLayer.Host)
            {
                Plugin = plugin.Id,
                Details = new Dictionary<string, string> { ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture), ["level"] = Name(policy.Level), ["spare"] = "true" },
            });
        }

        if (kernel is not null && await kernel.ReportWithinAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false) is { } measured)
        {
            plugin.Guarantees = GuaranteeReport.Measured(plugin.Guarantees, measured);
        }

        var initResult = result?.Deserialize(ProtocolJsonContext.Default.InitializeResult);
        return new ReadyWorker(worker, broker, policy, temp, initResult?.Methods ?? []);
    }



    /// <summary>Records a start attempt that failed before any process ran (folders, uid, spawn); returns false so the exception flows on.</summary>
    private bool LaunchFailed(LoadedPlugin plugin, bool spare, Exception ex)
    {
        var details = new Dictionary<string, string> { ["cause"] = "launch", ["by"] = "host", ["role"] = spare ? "spare" : "worker", ["reason"] = ex.Message.Length > 300 ? ex.Message[..300] + "…" : ex.Message };
        TryAppend(new AuditEntry(AuditActions.PluginStartFailed, AuditDecision.Info, AuditLayer.Host) { Plugin = plugin.Id, Details = details });
        return false;
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
            MemoryMb = policy.Resources.MemoryMb,
            OpenFiles = policy.Resources.OpenFiles,
            MaxFileMb = policy.Resources.MaxFileMb,
            CpuTimeSeconds = policy.Resources.CpuTimeSeconds,
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
            plan = WorkerLaunchPlanner.Plan(request with { KernelReportFd = kernel?.WorkerFd, CgroupLimits = WorkerLaunchPlanner.CgroupLimitsFor(policy.Resources) }, _runtime.Value, Environment.ProcessId, cgroups);
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
            worker = await WorkerProcess.StartAsync(startInfo, limits, NewWorkerBudget(), broker, line => Log.WorkerStderr(_logger, plugin.Id, line), kernel, plan.Cgroup).ConfigureAwait(false);
        }
        catch
        {
            kernel?.Dispose();
            plan.Cgroup?.Dispose();
            throw;
        }

        kernel?.Attach(worker.Pid, broker.NoteKernelObservedAsync);
        return (broker, worker, kernel);
    }

    /// <summary>
    /// A worker did not get to Ready: ends it, waits (bounded) for its exit, records <c>plugin.start_failed</c> with the
    /// cause, and returns the exception for the caller (null to rethrow the original: a cancellation).
    /// </summary>
    private async Task<Exception?> StartFailedAsync(PluginSlot slot, WorkerProcess worker, bool spare, Exception ex)
    {
        var plugin = slot.Plugin;
        var policy = plugin.Policy;
        if (!worker.HasExited)
        {
            // Still Starting: its death record says so (Starting → Stopped), whoever ends it.
            worker.Kill(ex switch
            {
                OperationCanceledException => "its start was cancelled",
                Protocol.RemoteRpcException => "its initialize failed",
                _ => $"its start failed: {ex.Message}",
            }, ex is OperationCanceledException ? WorkerKillKind.Cancelled : WorkerKillKind.Stopped);
        }

        WorkerExit? exit = ex is WorkerExitedException exited ? exited.Exit : null;
        if (exit is null)
        {
            try
            {
                exit = await worker.Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Stuck in the kernel after SIGKILL; recorded without its exit.
            }
        }

        var end = exit is null ? null : WorkerEnd.Of(exit);
        var cause = ex switch
        {
            WorkerTimeoutException => "timeout",
            Protocol.RemoteRpcException => "threw",
            OperationCanceledException => "cancelled",
            _ => end?.Cause ?? "launch",
        };
        var details = end?.Details(worker.Pid, WorkerState.Starting, spare ? "spare" : "worker") ?? new Dictionary<string, string> { ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture) };
        details["cause"] = cause;
        details["level"] = Name(policy.Level);
        if (spare)
        {
            details["spare"] = "true";
        }

        Exception? failure;
        string message;
        switch (ex)
        {
            case WorkerTimeoutException:
                TryAppend(new AuditEntry(AuditActions.PluginTimedOut, AuditDecision.Info, AuditLayer.Host) { Plugin = plugin.Id, Details = new Dictionary<string, string> { ["operation"] = "initialize" } });
                Raise(plugin.Id, PluginEventKind.TimedOut, $"initialisation did not finish within {WorkerProcess.FormatTimeout(policy.Timeouts.Init)}");
                message = $"initialisation did not finish within {WorkerProcess.FormatTimeout(policy.Timeouts.Init)}";
                failure = new PluginTimeoutException(plugin.Id, "initialize", policy.Timeouts.Init);
                break;

            case WorkerExitedException { Exit.StoppedByHost: true } stopped:
                message = $"stopped by the host while it started ({stopped.Exit.KillReason ?? "asked to stop"})";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.StoppedByHost, $"plugin '{plugin.Id}' was {message}",
                    nextStep: "nothing is wrong with the plugin; load it again when the host runs.");
                break;

            case WorkerExitedException { Exit.ProtocolViolation: { } violation } broke:
                message = $"broke the protocol while it started: {violation}";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.ProtocolViolation, $"plugin '{plugin.Id}' could not start: it broke the protocol ({violation})",
                    workerOutput: broke.Stderr, nextStep: "the plugin must answer 'initialize' as docs/protocol.md says; the worker's last output is shown above.");
                break;

            case WorkerExitedException gone:
                var lines = gone.Stderr;
                var launcherLine = lines.LastOrDefault(l => l.StartsWith("stockade-", StringComparison.Ordinal));
                message = launcherLine ?? $"the worker {gone.Exit.Describe()}";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.StartFailed, $"plugin '{plugin.Id}' could not start: {message}", workerOutput: lines,
                    nextStep: Linux.Launch.SandboxExitCodes.IsConfinementUnavailable(gone.Exit.ExitCode) ? "run 'stockade doctor' to see what this machine can enforce." : "the worker's last output is shown above; fix the plugin's entry or report it.");
                break;

            case Protocol.RemoteRpcException remote:
                message = $"its initialize failed: {remote.Message}";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.Threw, $"plugin '{plugin.Id}' failed to initialise: {remote.Message}", RemoteType(remote), RemoteStack(remote));
                break;

            case OperationCanceledException when _disposed != 0:
                message = "stopped by the host while it started (the host is shutting down)";
                failure = new PluginFailedException(plugin.Id, PluginFailureKind.StoppedByHost, $"plugin '{plugin.Id}' was {message}");
                details["cause"] = "stopped";
                break;

            default:
                message = ex.Message;
                failure = null;
                break;
        }

        details["reason"] = message.Length > 300 ? message[..300] + "…" : message;

        // Its end (and a violation) recorded first, so the log reads violation → exit → start failed, and a caller that
        // reads the log after the refusal finds all three.
        await WorkerEndRecordedAsync(worker).ConfigureAwait(false);

        TryAppend(new AuditEntry(AuditActions.PluginStartFailed, AuditDecision.Info, AuditLayer.Host) { Plugin = plugin.Id, Details = details });
        await worker.DisposeAsync().ConfigureAwait(false);
        return failure;
    }

    /// <summary>Queues a record that must not make its caller fail (an end already happened); a lost record is logged.</summary>
    private void TryAppend(AuditEntry entry)
    {
        try
        {
            Audit.Append(entry);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or AuditWriteException or InvalidOperationException or IOException)
        {
            Log.WorkerEnded(_logger, entry.Plugin ?? "", $"the record {entry.Action} could not be queued: {ex.Message}");
        }
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

    /// <summary>
    /// Drains and ends the slot's worker (and one still starting): asks it to shut down, gives it <paramref name="grace"/>
    /// to exit, then kills it. Calls in flight fail as stopped by the host. Records <c>plugin.stopped</c>; its exit is
    /// recorded by the exit handler (<c>worker.exited</c>, cause <c>stopped</c>). Never throws for the audit's sake.
    /// </summary>
    private async Task StopWorkerAsync(PluginSlot slot, string reason, CancellationToken cancellationToken, TimeSpan? grace = null)
    {
        slot.Starting?.Kill(reason, WorkerKillKind.Stopped);
        var worker = slot.Worker;
        if (worker is null)
        {
            return;
        }

        worker.Lifecycle.TryMove(WorkerState.Draining);
        slot.WatchRegistration?.Dispose();
        if (!worker.HasExited)
        {
            try
            {
                // The peer directly, not CallAsync: a shutdown that is not answered in time is no timeout of the plugin's.
                var shutdown = worker.Peer.InvokeAsync("shutdown", null, CancellationToken.None);
                _ = shutdown.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
                await Task.WhenAny(worker.Exited, Task.Delay(grace ?? StopGrace, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or Protocol.ProtocolViolationException or OperationCanceledException)
            {
                // Shutdown is a courtesy; the kill below is the guarantee.
            }
        }

        worker.Kill(reason, WorkerKillKind.Stopped);
        await worker.DisposeAsync().ConfigureAwait(false);
        if (ReferenceEquals(slot.Worker, worker))
        {
            slot.Worker = null;
        }

        if (ReferenceEquals(slot.Plugin.Worker, worker))
        {
            slot.Plugin.Worker = null;
        }

        if (slot.WorkerTemp is { } ended)
        {
            slot.WorkerTemp = null;
            RemoveFolder(ended); // the worker has exited; its folder is its own, no replacement uses it
        }

        TryAppend(new AuditEntry(AuditActions.PluginStopped, AuditDecision.Info, AuditLayer.Host)
        {
            Plugin = slot.Id,
            Details = new Dictionary<string, string> { ["reason"] = reason, ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture) },
        });
        Raise(slot.Id, PluginEventKind.Stopped, reason);
    }

    /// <summary>Deletes an ended worker's own temporary folder, through descriptors (a link planted in it is unlinked, never followed).</summary>
    private static void RemoveFolder(string folder) => _ = WorkerTempFolders.Remove(folder);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<WorkerProcess, Task> _exitHandlers = new();

    /// <summary>Waits (bounded) until the exit handler of an ended worker has queued its records.</summary>
    private async Task WorkerEndRecordedAsync(WorkerProcess worker)
    {
        if (_exitHandlers.TryGetValue(worker, out var handler))
        {
            await handler.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <see cref="OnWorkerExited"/> once the worker's process has ended; shutdown waits for the pending ones.</summary>
    private void TrackExit(PluginSlot slot, WorkerProcess worker, PluginBroker broker, string temp, WorkerKernelChannel? kernel)
    {
        var handled = worker.Exited.ContinueWith(t =>
        {
            try
            {
                kernel?.Dispose();
                broker.WorkerEnded();
            }
            catch (Exception ex)
            {
                Log.WorkerEnded(_logger, slot.Id, $"the broker's end-of-worker work failed: {ex.Message}");
            }

            OnWorkerExited(slot, worker, t.Result, temp);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _exitHandlers[worker] = handled;
        _ = handled.ContinueWith(_ => _exitHandlers.TryRemove(worker, out Task? _), TaskScheduler.Default);
    }

    /// <summary>
    /// The one place where a worker's end is recorded, whatever it was doing (starting, serving, a spare, draining) and
    /// whoever ended it: <c>worker.exited</c> with the cause (signal, seccomp, exit code, limit, host, stream end);
    /// before it a <c>protocol.violation</c> when it broke the protocol, or <c>plugin.crashed</c> when it ended on its own
    /// while serving. Never throws.
    /// </summary>
    private void OnWorkerExited(PluginSlot slot, WorkerProcess worker, WorkerExit exit, string temp)
    {
        try
        {
            var current = ReferenceEquals(slot.Worker, worker);
            if (!current)
            {
                slot.Spares.Remove(worker);
            }
            else
            {
                slot.WatchRegistration?.Dispose();
            }

            if (ReferenceEquals(slot.Plugin.Worker, worker))
            {
                slot.Plugin.Worker = null;
            }

            RemoveFolder(temp);
            var end = WorkerEnd.Of(exit, current ? slot.ResourceKill : null);
            Log.WorkerEnded(_logger, slot.Id, exit.Describe());
            if (exit.ProtocolViolation is not null)
            {
                TryAppend(new AuditEntry(AuditActions.ProtocolViolation, AuditDecision.Deny, AuditLayer.Host)
                {
                    Plugin = slot.Id,
                    Details = new Dictionary<string, string> { ["reason"] = exit.ProtocolViolation, ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture), ["state"] = WorkerStateMachine.Name(exit.StateAtExit) },
                });
                Raise(slot.Id, PluginEventKind.ProtocolViolation, exit.ProtocolViolation);
            }
            else if (current && exit.StateAtExit == WorkerState.Ready && (exit.Kill is null or WorkerKillKind.StreamEnded))
            {
                // Ended on its own (or closed its stream) while serving: a crash. Killed by the host or the watchdog is not.
                TryAppend(new AuditEntry(AuditActions.PluginCrashed, AuditDecision.Info, AuditLayer.Host)
                {
                    Plugin = slot.Id,
                    Details = new Dictionary<string, string>(end.Details(worker.Pid, exit.StateAtExit, "worker")) { ["exit"] = exit.Describe() },
                });
                Raise(slot.Id, PluginEventKind.Crashed, $"worker {exit.Describe()}");
            }

            TryAppend(new AuditEntry(AuditActions.WorkerExited, AuditDecision.Info, exit.Kill == WorkerKillKind.Watchdog ? AuditLayer.Watchdog : end.By == "kernel" ? AuditLayer.Kernel : AuditLayer.Host)
            {
                Plugin = slot.Id,
                Details = end.Details(worker.Pid, exit.StateAtExit, worker.IsSpare ? "spare" : "worker"),
            });
        }
        catch (Exception ex)
        {
            Log.WorkerEnded(_logger, slot.Id, $"recording its end failed: {ex.Message}");
        }
    }

    private static string? RemoteType(Protocol.RemoteRpcException ex) =>
        ex.Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("type", out var t) ? t.GetString() : null;

    private static string? RemoteStack(Protocol.RemoteRpcException ex) =>
        ex.Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("stackTrace", out var t) ? t.GetString() : null;
}
