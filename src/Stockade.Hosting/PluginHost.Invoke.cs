using System.Globalization;
using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Hosting.Workers;
using Stockade.Protocol;

namespace Stockade.Hosting;

public sealed partial class PluginHost
{
    /// <summary>
    /// Calls <paramref name="method"/> of a loaded plugin with a JSON input and returns its JSON
    /// result. The call's timeout comes from the manifest (capped by the host); a plugin that runs
    /// past it is killed, since .NET cannot abort a thread. A crashed worker is restarted on the next
    /// call, within the restart policy.
    /// </summary>
    /// <exception cref="PluginNotFoundException">No such plugin or method.</exception>
    /// <exception cref="PluginTimeoutException">The call ran past its timeout; the worker was killed.</exception>
    /// <exception cref="PluginPermissionDeniedException">The plugin was refused something it needed.</exception>
    /// <exception cref="PluginKilledException">The worker was killed for a resource limit.</exception>
    /// <exception cref="PluginFailedException">The plugin threw, crashed or broke the protocol.</exception>
    /// <remarks>
    /// An undefined <paramref name="input"/> (<c>default(JsonElement)</c>, what ASP.NET Core binds for a request without a
    /// body) is no input, as <see langword="null"/> is.
    /// </remarks>
    public Task<JsonElement> InvokeAsync(string pluginId, string method, JsonElement? input = null, CancellationToken cancellationToken = default) =>
        InvokeCoreAsync(pluginId, method, input, contract: null, cancellationToken);

    // The one invoke path: by name (contract null) and typed (PluginHost.Contracts.cs), which is refused before anything is
    // sent when the running worker's plugin does not implement the contract at the host's version.
    private async Task<JsonElement> InvokeCoreAsync(string pluginId, string method, JsonElement? input, Contracts.ContractIdentity? contract, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        using var call = StartCall(pluginId, method, cancellationToken); // Diagnostics/: span, count, duration, failure kind
        input = NoInputIfUndefined(input);
        var slot = GetSlot(pluginId);
        var worker = await EnsureWorkerAsync(slot, cancellationToken).ConfigureAwait(false);
        if (contract is not null && ContractMismatch(slot.Plugin, contract) is { } mismatch)
        {
            throw call.Failed(mismatch);
        }

        if (slot.Plugin.Methods.Count > 0 && !slot.Plugin.Methods.Contains(method, StringComparer.Ordinal))
        {
            throw new PluginNotFoundException(pluginId, $"plugin '{pluginId}' has no method '{method}'",
                $"it exports: {string.Join(", ", slot.Plugin.Methods)}");
        }

        var parameters = JsonSerializer.SerializeToElement(call.Stamp(new InvokeParams(method, input)), ProtocolJsonContext.Default.InvokeParams);
        var denialsBefore = slot.Broker?.DenialCount ?? 0;
        try
        {
            var result = await worker.CallAsync("invoke", parameters, slot.Plugin.Policy.Timeouts.Call, cancellationToken, slot.Pauses).ConfigureAwait(false);
            return call.Succeeded(result ?? default);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw call.Failed(await TranslateFailureAsync(slot, worker, method, ex, denialsBefore).ConfigureAwait(false));
        }
        finally
        {
            slot.CountCall();
        }
    }

    /// <summary>
    /// Calls a method with a typed input and reads its result as <typeparamref name="TResult"/>, with the worker's JSON
    /// conventions (<see cref="StockadeJson.Options"/>: camelCase names, read without regard to case) unless
    /// <paramref name="jsonOptions"/> says otherwise. A <see cref="JsonElement"/> input is passed as it is; an undefined one,
    /// or <see langword="null"/>, is no input. A JSON <c>null</c> result (or none) gives <c>default</c>.
    /// </summary>
    /// <exception cref="PluginFailedException">
    /// Besides the failures of <see cref="InvokeAsync(string, string, JsonElement?, CancellationToken)"/>: the result does
    /// not fit <typeparamref name="TResult"/> (<see cref="PluginFailureKind.InvalidResult"/>, the serializer's exception inside).
    /// </exception>
    public async Task<TResult?> InvokeAsync<TResult>(string pluginId, string method, object? input = null, JsonSerializerOptions? jsonOptions = null, CancellationToken cancellationToken = default)
    {
        var json = jsonOptions ?? StockadeJson.Options;
        var result = await InvokeAsync(pluginId, method, ToPayload(input, json), cancellationToken).ConfigureAwait(false);
        if (result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return default;
        }

        try
        {
            return result.Deserialize<TResult>(json);
        }
        catch (JsonException ex)
        {
            throw InvalidResult<TResult>(pluginId, method, ex, "camelCase names, the worker's conventions: StockadeJson.Options");
        }
    }

    // The plugin's result is untrusted data: a shape the caller did not expect is a failure of this call, said in the
    // caller's terms, not a serializer exception from deep inside.
    private static PluginFailedException InvalidResult<TResult>(string pluginId, string method, JsonException ex, string conventions) =>
        new(pluginId, PluginFailureKind.InvalidResult,
            $"plugin '{pluginId}' answered '{method}' with a result that does not fit {typeof(TResult).Name}: {ex.Message}", ex,
            $"check that {typeof(TResult).Name} matches what the plugin returns ({conventions}); the worker keeps serving.");

    /// <summary>
    /// Calls a method with a typed input and reads its result as <typeparamref name="TResult"/> with
    /// <see cref="StockadeJson.Options"/>; see <see cref="InvokeAsync{TResult}(string, string, object?, JsonSerializerOptions?, CancellationToken)"/>.
    /// </summary>
    public Task<TResult?> InvokeAsync<TResult>(string pluginId, string method, object? input, CancellationToken cancellationToken) =>
        InvokeAsync<TResult>(pluginId, method, input, null, cancellationToken);

    /// <summary>
    /// A typed input as the worker reads it: a <see cref="JsonElement"/> as it is, anything else written with
    /// <paramref name="json"/>; null and an undefined element are no input.
    /// </summary>
    internal static JsonElement? ToPayload(object? input, JsonSerializerOptions json) => input switch
    {
        null => null,
        JsonElement element => NoInputIfUndefined(element),
        JsonDocument document => NoInputIfUndefined(document.RootElement),
        _ => JsonSerializer.SerializeToElement(input, input.GetType(), json),
    };

    // default(JsonElement) has no document behind it: every read of it throws InvalidOperationException, far from the caller.
    private static JsonElement? NoInputIfUndefined(JsonElement? input) =>
        input is { ValueKind: JsonValueKind.Undefined } ? null : input;

    /// <summary>
    /// Fires a hook on every loaded plugin registered for it, in parallel, each bounded by its hook
    /// timeout (5 s by default); a slow or crashing plugin never delays or breaks the others.
    /// </summary>
    public async Task<IReadOnlyList<HookResult>> FireHookAsync(string hookName, JsonElement? payload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hookName);
        payload = NoInputIfUndefined(payload);
        var targets = _slots.Values.Where(s => s.Plugin.Manifest.Hooks.Contains(hookName, StringComparer.Ordinal) && HookAllowed(s, hookName)).ToArray();
        var calls = targets.Select(slot => FireOneAsync(slot, hookName, payload, cancellationToken));
        return await Task.WhenAll(calls).ConfigureAwait(false);
    }

    private bool HookAllowed(PluginSlot slot, string hookName) =>
        Permission.TryParse($"hook:register={hookName}", Catalog, out var permission, out _) && slot.Plugin.Policy.Check(permission).IsGranted;

    private async Task<HookResult> FireOneAsync(PluginSlot slot, string hookName, JsonElement? payload, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var call = StartCall(slot.Id, hookName, cancellationToken, hook: true); // Diagnostics/
        WorkerProcess? worker = null;
        try
        {
            worker = await EnsureWorkerAsync(slot, cancellationToken).ConfigureAwait(false);
            var parameters = JsonSerializer.SerializeToElement(call.Stamp(new HookParams(hookName, payload)), ProtocolJsonContext.Default.HookParams);
            var result = await worker.CallAsync("hook", parameters, slot.Plugin.Policy.Timeouts.Hook, cancellationToken, slot.Pauses).ConfigureAwait(false);
            return call.Succeeded(new HookResult(slot.Id, true, result, null, _time.GetElapsedTime(started)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var failure = call.Failed(worker is null ? ex : await TranslateFailureAsync(slot, worker, $"hook {hookName}", ex, slot.Broker?.DenialCount ?? 0).ConfigureAwait(false));
            return new HookResult(slot.Id, false, null, failure.Message, _time.GetElapsedTime(started));
        }
    }

    private async Task<WorkerProcess> EnsureWorkerAsync(PluginSlot slot, CancellationToken cancellationToken)
    {
        // Not a worker being stopped because the plugin was turned off (the reason is set before the stop, under the
        // start lock): such a call waits for the lock and is refused with the reason, instead of reaching a worker that
        // is shutting down and reporting it as crashed.
        // Not a worker the host has just killed either (a timeout, a cancel): the call right after a timeout would reach it
        // in the moment before its exit is seen, and fail as "crashed" (issue 18).
        var worker = slot.Worker;
        if (worker is not null && !worker.IsEnding && slot.DisabledReason is null)
        {
            return worker;
        }

        await slot.StartLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (slot.DisabledReason is not null)
            {
                throw new PluginFailedException(slot.Id, PluginFailureKind.Crashed, $"plugin '{slot.Id}' is disabled: {slot.DisabledReason}",
                    nextStep: slot.DisabledNextStep ?? $"fix the cause, then re-enable it: stockade enable {slot.Id}");
            }

            worker = slot.Worker;
            if (worker is not null && !worker.IsEnding)
            {
                return worker;
            }

            if (worker is { HasExited: false })
            {
                // Killed, its exit not yet seen: wait for it (a SIGKILL, so briefly), so its end is judged and recorded
                // before the restart reads it.
                await Task.WhenAny(worker.Exited, Task.Delay(TimeSpan.FromSeconds(10), _time, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }

            await PlanRestartAsync(slot, cancellationToken).ConfigureAwait(false); // PluginHost.Restarts.cs: budget, back-off, the limits (stricter after a resource kill) or disable
            if (slot.Worker is not null)
            {
                await slot.Worker.DisposeAsync().ConfigureAwait(false);
            }

            await StartWorkerAsync(slot, restart: true, cancellationToken).ConfigureAwait(false);
            return slot.Worker!;
        }
        finally
        {
            slot.StartLock.Release();
        }
    }

    private async Task<Exception> TranslateFailureAsync(PluginSlot slot, WorkerProcess worker, string operation, Exception ex, int denialsBefore)
    {
        if (ex is WorkerExitedException)
        {
            // The worker's end (and its violation) is on record before the caller hears of it.
            await WorkerEndRecordedAsync(worker).ConfigureAwait(false);
        }

        switch (ex)
        {
            case WorkerTimeoutException timeout:
                await AuditAsync(AuditActions.PluginTimedOut, AuditDecision.Info, AuditLayer.Host, slot.Id,
                    details: new Dictionary<string, string> { ["operation"] = operation, ["timeoutMs"] = ((long)timeout.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) }).ConfigureAwait(false);
                Raise(slot.Id, PluginEventKind.TimedOut, $"'{operation}' did not finish within {WorkerProcess.FormatTimeout(timeout.Timeout)}; worker killed");
                return new PluginTimeoutException(slot.Id, operation, timeout.Timeout);

            case WorkerExitedException exited when exited.Exit.StoppedByHost:
                return new PluginFailedException(slot.Id, PluginFailureKind.StoppedByHost,
                    $"plugin '{slot.Id}' was stopped by the host during '{operation}' ({exited.Exit.KillReason ?? "asked to stop"}); the call did not finish",
                    nextStep: "nothing is wrong with the plugin: it was unloaded, reloaded, restarted under new grants, disabled, or the host shut down. Call it again once it is loaded.");

            case WorkerExitedException exited when exited.Exit.Kill is WorkerKillKind.Timeout or WorkerKillKind.Cancelled:
                // Another call on the same worker ran past its timeout or was cancelled, and the worker was killed for it:
                // this call is a casualty, not a crash of the plugin.
                return new PluginFailedException(slot.Id, PluginFailureKind.StoppedByHost,
                    $"plugin '{slot.Id}' was ended during '{operation}' because another call on the same worker {(exited.Exit.Kill == WorkerKillKind.Timeout ? "ran past its timeout" : "was cancelled")}; this call did not finish",
                    nextStep: "call it again: the next call starts a fresh worker.");

            case WorkerExitedException exited when exited.Exit.Kill == WorkerKillKind.StreamEnded:
                return new PluginFailedException(slot.Id, PluginFailureKind.Crashed,
                    $"plugin '{slot.Id}' closed its protocol stream during '{operation}' without answering, and was ended",
                    workerOutput: exited.Stderr, nextStep: "the host is unaffected; the worker restarts on the next call. A plugin must keep its standard output open for the protocol.");

            case WorkerExitedException when worker.Verdict is { } kill:
                return WorkerSupervisor.Killed(slot.Id, kill, $"plugin '{slot.Id}' was {kill.Describe()} during '{operation}'");

            case WorkerExitedException exited when exited.Exit.ProtocolViolation is not null:
                return new PluginFailedException(slot.Id, PluginFailureKind.ProtocolViolation,
                    $"plugin '{slot.Id}' broke the protocol and was ended: {exited.Exit.ProtocolViolation}", workerOutput: exited.Stderr);

            case WorkerExitedException exited:
                return new PluginFailedException(slot.Id, PluginFailureKind.Crashed, $"plugin '{slot.Id}' crashed during '{operation}': the worker {exited.Exit.Describe()}",
                    workerOutput: exited.Stderr, nextStep: "the host is unaffected; the worker restarts on the next call. The worker's last output is shown above.");

            case RemoteRpcException remote when remote.Code == RpcErrorCode.PermissionDenied:
                // The answer's code, message and data are the worker's word. Only a refusal the host
                // itself recorded during this call names a permission (and so a 'stockade grant' line);
                // a plugin that merely says "permission denied" has failed, and names nothing.
                if (slot.Broker?.LastDenialSince(denialsBefore) is { } refused)
                {
                    return new PluginPermissionDeniedException(slot.Id, $"plugin '{slot.Id}' was refused: {remote.Message}",
                        HostPermission(slot, refused.Permission), refused.Layer == "broker" ? "broker" : "kernel", refused.Resource);
                }

                return new PluginFailedException(slot.Id, PluginFailureKind.Threw, $"plugin '{slot.Id}' failed in '{operation}' (it reports a refusal the host did not make): {remote.Message}",
                    nextStep: "the error comes from the plugin's own code; the host refused nothing during this call.");

            case RemoteRpcException remote when remote.Code == RpcErrorCode.NotFound:
                return new PluginNotFoundException(slot.Id, $"plugin '{slot.Id}': {remote.Message}", slot.Plugin.Methods.Count > 0 ? $"it exports: {string.Join(", ", slot.Plugin.Methods)}" : null);

            case RemoteRpcException remote:
                // The plugin failed after the host refused it something during this call: the refusal is what
                // happened (exit 3), whether or not the plugin caught it (a C# plugin that lets the SDK's
                // PermissionDeniedException escape fails with its own error, not permission_denied).
                var denial = slot.Broker?.LastDenialSince(denialsBefore);
                if (denial is not null)
                {
                    var by = denial.Layer == "broker" ? "the broker" : $"the kernel ({denial.Layer})";
                    return new PluginPermissionDeniedException(slot.Id,
                        $"plugin '{slot.Id}' was refused {denial.Operation} of {denial.Resource} by {by}, and failed: {remote.Message}",
                        HostPermission(slot, denial.Permission), denial.Layer == "broker" ? "broker" : "kernel", denial.Resource);
                }

                return new PluginFailedException(slot.Id, PluginFailureKind.Threw, $"plugin '{slot.Id}' failed in '{operation}': {remote.Message}", WorkerSupervisor.RemoteType(remote), WorkerSupervisor.RemoteStack(remote),
                    nextStep: "the error comes from the plugin's own code; the worker keeps serving.");

            default:
                return ex;
        }
    }

    // A refused permission as the host prints it: parsed by the host's grammar and written back in its
    // canonical form, or nothing (a kernel denial's path is the worker's report; it is never echoed raw).
    // When the manifest declares a pattern that covers it, that pattern is what a person grants (the one
    // file refused is rarely all the plugin reads), preferring one with the same action (read, not write).
    private string? HostPermission(PluginSlot slot, string? recorded)
    {
        if (recorded is null || !Permission.TryParse(recorded, Catalog, out var parsed, out _))
        {
            return null;
        }

        var declared = slot.Plugin.Manifest.Permissions.Required.Concat(slot.Plugin.Manifest.Permissions.Optional)
            .Select(r => r.Permission)
            .Where(p => WouldAllow(slot, p, parsed))
            .OrderBy(p => p.Action == parsed.Action ? 0 : 1)
            .FirstOrDefault();
        return (declared ?? parsed).ToString();
    }

    // Whether granting a declared permission would allow the refused one. A declared path with an alias
    // ($CONFIG/notes/**) is compared to the refused real path through the policy it would make.
    private bool WouldAllow(PluginSlot slot, Permission declared, Permission refused)
    {
        if (declared.Implies(refused))
        {
            return true;
        }

        if (declared.PathScope is not { IsResolved: false } || declared.Category != refused.Category)
        {
            return false;
        }

        var plugin = slot.Plugin;
        var grant = new Core.Policy.Grant(declared, Allowed: true, _time.GetUtcNow(), "advice");
        return Resolver.BuildPolicy(plugin.Manifest, [grant], plugin.EffectiveLevel, plugin.Directory).Check(refused).IsGranted;
    }
}
