using System.Globalization;
using System.Text.Json;
using Stockade.Core.Audit;
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
        var plugin = await ResolvePluginAsync(idOrDirectory, options).ConfigureAwait(false);
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
            _slots.TryRemove(plugin.Id, out _);
            throw;
        }

        return plugin;
    }

    /// <summary>Stops a plugin's worker (asks it to shut down, then kills it) and forgets it.</summary>
    public async Task UnloadAsync(string pluginId, CancellationToken cancellationToken = default)
    {
        if (!_slots.TryRemove(pluginId, out var slot))
        {
            return;
        }

        await StopWorkerAsync(slot, "unloaded by the host", cancellationToken).ConfigureAwait(false);
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

    private async Task<LoadedPlugin> ResolvePluginAsync(string idOrDirectory, PluginLoadOptions options)
    {
        string directory;
        bool installed;
        IReadOnlyList<Grant> grants;
        IReadOnlyList<GrantRecord> stored = [];
        var record = Directory.Exists(idOrDirectory) ? null : Store.GetPlugin(idOrDirectory);
        if (record is not null)
        {
            if (!record.Enabled)
            {
                throw new PluginRefusedException(record.Id, $"plugin '{record.Id}' is disabled", [], $"enable it with: stockade enable {record.Id}");
            }

            directory = Home.InstallDirectory(record.Id, record.Version);
            installed = true;
            await VerifyInstalledCopyAsync(record, directory, options.Level ?? _options.DefaultLevel).ConfigureAwait(false);
            stored = Store.GetGrants(record.Id);
            grants = [.. stored.Select(ToGrant).OfType<Grant>()];
        }
        else if (Directory.Exists(idOrDirectory))
        {
            directory = Path.GetFullPath(idOrDirectory);
            installed = false;
            grants = [];
        }
        else
        {
            throw new PluginNotFoundException(idOrDirectory, $"no installed plugin and no folder named '{idOrDirectory}'",
                "run 'stockade list' to see installed plugins, or give the path of a plugin folder.");
        }

        var read = ManifestReader.ReadDirectory(directory, Catalog); // host service categories and host aliases are valid here
        if (!read.IsValid || read.Manifest is null)
        {
            throw new PluginRefusedException(Path.GetFileName(directory), $"the manifest in {directory} is not valid",
                [.. read.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())],
                "fix the lines above; 'stockade validate <folder>' shows every diagnostic.");
        }

        var manifest = read.Manifest;
        if (!installed)
        {
            grants = ParseDevelopmentGrants(manifest, options.Grants);
        }

        var requested = ParseLevel(options.Level ?? _options.DefaultLevel, manifest.Id);
        await Validation.LoadRequirements.EnforceAsync(this, directory, manifest, requested, installed).ConfigureAwait(false); // strict: signature and analysis, folder runs too
        var effective = await DecideLevelAsync(manifest.Id, requested, options.AllowDowngrade ?? _options.AllowDowngrade).ConfigureAwait(false);
        var policy = BuildPolicy(manifest, grants, effective, directory);
        var user = WorkerIdentityOf(manifest.Id);
        var plugin = new LoadedPlugin(manifest, directory, policy, requested, [.. GuaranteeReport.For(policy, KernelFeatures, manifest.Runtime), GuaranteeReport.Privileges(user.Describe(), user.Uid is not null)], installed);
        if (installed)
        {
            WatchGrants(plugin, stored);
        }

        return plugin;
    }

    internal SandboxPolicy BuildPolicy(PluginManifest manifest, IReadOnlyList<Grant> grants, SecurityLevel level, string directory)
    {
        var aliases = new Dictionary<string, string>(PolicyContext.StandardAliases(Home.Root, manifest.Id, directory), StringComparer.Ordinal);
        foreach (var (name, path) in _options.Aliases)
        {
            aliases[name.StartsWith('$') ? name : "$" + name] = path;
        }

        var context = new PolicyContext
        {
            Level = level,
            AliasValues = aliases,
            Catalog = Catalog,
            ResourceCaps = ResourceLimits.Default with { MemoryMb = _options.MaxMemoryMb, OpenFiles = 4096, Threads = 1024, DiskMb = 1 << 20, MaxFileMb = 1 << 16, CpuPercent = 100 * Environment.ProcessorCount, Processes = 64 },
            TimeoutCaps = new PluginTimeouts(_options.MaxCallTimeout, _options.MaxCallTimeout, _options.MaxCallTimeout),
        };
        return PolicyBuilder.Build(manifest, grants, context);
    }

    private IReadOnlyList<Grant> ParseDevelopmentGrants(PluginManifest manifest, IReadOnlyList<string> texts)
    {
        var catalog = Catalog;
        var grants = new List<Grant>();
        var problems = new List<string>();
        foreach (var text in texts)
        {
            if (!Permission.TryParse(text, catalog, out var permission, out var error))
            {
                problems.Add($"--grant {text}: {error}");
                continue;
            }

            var validation = PolicyBuilder.ValidateGrant(manifest, permission, catalog);
            if (!validation.Ok)
            {
                problems.Add($"--grant {text}: {validation.Message}");
                continue;
            }

            grants.Add(new Grant(permission, Allowed: true, _time.GetUtcNow(), "command line", Optional: false));
        }

        if (problems.Count > 0)
        {
            throw new PluginRefusedException(manifest.Id, "some grants cannot be given", problems, "grant only what the manifest declares ('stockade validate <folder>' lists it).");
        }

        return grants;
    }

    internal Grant? ToGrant(GrantRecord stored)
    {
        return Permission.TryParse(stored.Permission, Catalog, out var permission, out _)
            ? new Grant(permission, stored.Allowed, stored.GrantedAt, stored.GrantedBy, stored.Optional)
            : null;
    }

    private static SecurityLevel ParseLevel(string text, string pluginId) =>
        SecurityLevelNames.TryParse(text, out var level)
            ? level
            : throw new PluginRefusedException(pluginId, $"unknown security level '{text}'", [], "use one of: " + SecurityLevelNames.List() + ".");

    private async Task<SecurityLevel> DecideLevelAsync(string pluginId, SecurityLevel requested, bool allowDowngrade)
    {
        var best = GuaranteeReport.HighestLevel(KernelFeatures);
        if (requested <= best)
        {
            return requested;
        }

        var missing = GuaranteeReport.MissingFor(requested, KernelFeatures);
        if (!allowDowngrade)
        {
            await AuditAsync(AuditActions.LevelDowngrade, AuditDecision.Deny, AuditLayer.Loader, pluginId,
                details: new Dictionary<string, string> { ["requested"] = Name(requested), ["best"] = Name(best), ["missing"] = string.Join("; ", missing) }).ConfigureAwait(false);
            throw new LevelNotEnforceableException(pluginId, Name(requested), Name(best), missing);
        }

        Log.Downgraded(_logger, pluginId, Name(requested), Name(best));
        await AuditAsync(AuditActions.LevelDowngrade, AuditDecision.Allow, AuditLayer.Loader, pluginId,
            details: new Dictionary<string, string> { ["requested"] = Name(requested), ["effective"] = Name(best), ["missing"] = string.Join("; ", missing) }).ConfigureAwait(false);
        return best;
    }

    internal static string Name(SecurityLevel level) => level.ToName();

    /// <summary>
    /// Puts a worker to work for the slot: on a restart (crash, kill, timeout, reload) a spare built under the policy
    /// now in force when there is one, else a cold start; then tops the spares up to the manifest's <c>prewarm</c>.
    /// </summary>
    private async Task StartWorkerAsync(PluginSlot slot, bool restart, CancellationToken cancellationToken)
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

        // The old worker's exit handler may not have run yet (a spare is ready in milliseconds): its watch ends here.
        slot.WatchRegistration?.Dispose();
        slot.WatchRegistration = null;
        var worker = ready.Worker;
        var policy = ready.Policy;
        slot.Worker = worker;
        slot.Broker = ready.Broker;
        slot.Stopping = false;
        slot.ResourceKill = null;
        plugin.Methods = ready.Methods;
        plugin.ProcessId = worker.Pid;
        slot.WorkerTemp = ready.TempDirectory;
        slot.WatchRegistration = Watchdog.Watch(plugin.Id, worker.Pid, Home.DataDirectory(plugin.Id), WatchLimits(policy), new WatchdogTarget(slot, worker), ready.TempDirectory);
        Log.WorkerStarted(_logger, plugin.Id, worker.Pid, Name(policy.Level));
        var details = new Dictionary<string, string> { ["pid"] = worker.Pid.ToString(CultureInfo.InvariantCulture), ["level"] = Name(policy.Level) };
        if (fromSpare)
        {
            details["spare"] = "true";
        }

        await AuditAsync(restart ? AuditActions.PluginRestarted : AuditActions.PluginStarted, AuditDecision.Info, AuditLayer.Host, plugin.Id, details: details).ConfigureAwait(false);
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
                catch (Exception ex) when (ex is PluginException or IOException or InvalidOperationException or ObjectDisposedException)
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
        spare.Worker.Kill("spare discarded");
        await spare.Worker.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Launches one worker under the slot's current policy and waits for its answer to <c>initialize</c>; the worker
    /// is not yet the slot's. On any failure the worker is ended and the failure thrown.
    /// </summary>
    private async Task<ReadyWorker> LaunchWorkerAsync(PluginSlot slot, string temp, bool spare, CancellationToken cancellationToken)
    {
        var plugin = slot.Plugin;
        var policy = plugin.Policy;
        var manifest = plugin.Manifest;
        var data = Home.DataDirectory(plugin.Id);
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

        var kernel = confined ? WorkerKernelChannel.Create(plugin.Id) : null; // Kernel/: denials observed by the host
        var startInfo = WorkerLaunchPlanner.Plan(request with { KernelReportFd = kernel?.WorkerFd }, _runtime.Value, Environment.ProcessId);
        RateLimiter.SetPluginRules(plugin.Id, manifest.RateLimits.Select(r => new RateRule(r.Permission, r.Limit, r.Period)));
        var broker = NewBroker(slot);
        var limits = new ProtocolLimits { MaxFrameBytes = _options.MaxFrameBytes, MaxInFlight = _options.MaxRequestsInFlight, UnknownMethodIsViolation = true };
        WorkerProcess worker;
        try
        {
            worker = await WorkerProcess.StartAsync(startInfo, limits, NewWorkerBudget(), broker, line => Log.WorkerStderr(_logger, plugin.Id, line), kernel).ConfigureAwait(false);
        }
        catch
        {
            kernel?.Dispose();
            throw;
        }

        kernel?.Attach(worker.Pid, broker.NoteKernelObservedAsync);
        broker.Worker = worker;
        _ = worker.Exited.ContinueWith(t => { kernel?.Dispose(); broker.WorkerEnded(); OnWorkerExited(slot, worker, t.Result, temp); }, TaskScheduler.Default);

        var init = new InitializeParams(plugin.Id, Name(policy.Level), plugin.Directory, data, temp, null, [.. policy.Granted.Select(p => p.ToString())]);
        JsonElement? result;
        try
        {
            result = await worker.CallAsync("initialize", JsonSerializer.SerializeToElement(init, ProtocolJsonContext.Default.InitializeParams), policy.Timeouts.Init, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (spare)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (WorkerTimeoutException)
        {
            await AuditAsync(AuditActions.PluginTimedOut, AuditDecision.Info, AuditLayer.Host, plugin.Id, details: new Dictionary<string, string> { ["operation"] = "initialize" }).ConfigureAwait(false);
            Raise(plugin.Id, PluginEventKind.TimedOut, $"initialisation did not finish within {WorkerProcess.FormatTimeout(policy.Timeouts.Init)}");
            throw new PluginTimeoutException(plugin.Id, "initialize", policy.Timeouts.Init);
        }
        catch (WorkerExitedException ex)
        {
            var lines = ex.Stderr;
            var launcherLine = lines.LastOrDefault(l => l.StartsWith("stockade-", StringComparison.Ordinal));
            var message = launcherLine is not null
                ? $"plugin '{plugin.Id}' could not start: {launcherLine}"
                : $"plugin '{plugin.Id}' could not start: the worker {ex.Exit.Describe()}";
            throw new PluginFailedException(plugin.Id, PluginFailureKind.StartFailed, message, workerOutput: lines,
                nextStep: Linux.Launch.SandboxExitCodes.IsConfinementUnavailable(ex.Exit.ExitCode) ? "run 'stockade doctor' to see what this machine can enforce." : "the worker's last output is shown above; fix the plugin's entry or report it.");
        }
        catch (Protocol.RemoteRpcException ex)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw new PluginFailedException(plugin.Id, PluginFailureKind.Threw, $"plugin '{plugin.Id}' failed to initialise: {ex.Message}", RemoteType(ex), RemoteStack(ex));
        }

        if (kernel is not null && await kernel.ReportWithinAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false) is { } measured)
        {
            plugin.Guarantees = GuaranteeReport.Measured(plugin.Guarantees, measured);
        }

        var initResult = result?.Deserialize(ProtocolJsonContext.Default.InitializeResult);
        return new ReadyWorker(worker, broker, policy, temp, initResult?.Methods ?? []);
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

    private async Task StopWorkerAsync(PluginSlot slot, string reason, CancellationToken cancellationToken)
    {
        var worker = slot.Worker;
        if (worker is null)
        {
            return;
        }

        slot.Stopping = true;
        slot.WatchRegistration?.Dispose();
        if (!worker.HasExited)
        {
            try
            {
                await worker.CallAsync("shutdown", null, TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                await worker.Exited.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WorkerTimeoutException or WorkerExitedException or TimeoutException or Protocol.RemoteRpcException or OperationCanceledException or IOException)
            {
                // Shutdown is a courtesy; the kill below is the guarantee.
            }
        }

        await worker.DisposeAsync().ConfigureAwait(false);
        slot.Worker = null;
        slot.Plugin.ProcessId = null;
        if (slot.WorkerTemp is { } ended)
        {
            slot.WorkerTemp = null;
            RemoveFolder(ended); // the worker has exited; its folder is its own, no replacement uses it
        }

        await AuditAsync(AuditActions.PluginStopped, AuditDecision.Info, AuditLayer.Host, slot.Id, details: new Dictionary<string, string> { ["reason"] = reason }).ConfigureAwait(false);
        Raise(slot.Id, PluginEventKind.Stopped, reason);
    }

    /// <summary>Deletes an ended worker's own temporary folder, through descriptors (a link planted in it is unlinked, never followed).</summary>
    private static void RemoveFolder(string folder) => _ = WorkerTempFolders.Remove(folder);

    private void OnWorkerExited(PluginSlot slot, WorkerProcess worker, WorkerExit exit, string temp)
    {
        if (!ReferenceEquals(slot.Worker, worker))
        {
            slot.Spares.Remove(worker);
        }
        else
        {
            slot.WatchRegistration?.Dispose();
        }

        RemoveFolder(temp);

        if (slot.Stopping || !ReferenceEquals(slot.Worker, worker))
        {
            return;
        }

        Log.WorkerEnded(_logger, slot.Id, exit.Describe());
        if (exit.ProtocolViolation is not null)
        {
            Audit.Append(new AuditEntry(AuditActions.ProtocolViolation, AuditDecision.Deny, AuditLayer.Host) { Plugin = slot.Id, Details = new Dictionary<string, string> { ["reason"] = exit.ProtocolViolation } });
            Raise(slot.Id, PluginEventKind.ProtocolViolation, exit.ProtocolViolation);
        }
        else if (slot.ResourceKill is { } kill)
        {
            // Audited by the watchdog handler already.
            _ = kill;
        }
        else if (exit.KillReason is null)
        {
            Audit.Append(new AuditEntry(AuditActions.PluginCrashed, AuditDecision.Info, AuditLayer.Host) { Plugin = slot.Id, Details = new Dictionary<string, string> { ["exit"] = exit.Describe() } });
            Raise(slot.Id, PluginEventKind.Crashed, $"worker {exit.Describe()}");
        }
    }

    private static string? RemoteType(Protocol.RemoteRpcException ex) =>
        ex.Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("type", out var t) ? t.GetString() : null;

    private static string? RemoteStack(Protocol.RemoteRpcException ex) =>
        ex.Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("stackTrace", out var t) ? t.GetString() : null;
}
