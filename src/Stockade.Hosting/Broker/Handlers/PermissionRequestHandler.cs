using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.permission.request</c>: the plugin asks for a declared optional permission. Needs no permission (asking
/// is always allowed); audited: a <c>permission.requested</c> record is sequenced before anyone is asked, and the
/// answer is recorded (<c>permission.granted</c> / <c>permission.denied</c>) before it takes effect — an "allow
/// always" answer is written before the grant is stored.
/// </summary>
internal sealed class PermissionRequestHandler : IBrokerHandler
{
    public IReadOnlyList<string> Methods { get; } = [ProtocolMethods.HostPermissionRequest];

    public BrokerAudit Audit => BrokerAudit.BeforePerform;

    public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters)
    {
        var p = BrokerJson.Read(parameters, ProtocolJsonContext.Default.PermissionRequestParams);
        if (!Permission.TryParse(p.Permission, session.Ports.Grants.Catalog, out var permission, out var error))
        {
            throw new RpcException(RpcErrorCode.InvalidParams, $"'{BrokerJson.Truncate(p.Permission ?? string.Empty, 200)}' is not a permission: {error}");
        }

        var reason = BrokerJson.Truncate(p.Reason ?? string.Empty, 500);
        return new BrokerCall
        {
            Method = method,
            RecordPermission = permission.ToString(),
            AllowAction = AuditActions.PermissionRequested,
            AllowDecision = AuditDecision.Info,
            Details = new Dictionary<string, string> { ["reason"] = reason },
            State = new Asked(permission, p.Reason ?? string.Empty),
        };
    }

    public async ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        var (permission, reason) = (Asked)call.State!;
        var text = permission.ToString();
        if (session.IsGranted(text))
        {
            return Answer(true);
        }

        var decision = session.Ports.Grants.CurrentPolicy().Check(permission);
        if (decision.Kind != DecisionKind.OptionalAsk)
        {
            await session.DenyAsync(text, null, AuditLayer.Broker, AuditActions.PermissionDenied, decision.Reason).ConfigureAwait(false);
            return Answer(false);
        }

        if (session.Ports.Grants.Catalog.TryGetCategory(permission.Category, out var category) && !category.GrantableAtRunTime)
        {
            // The category says why (kernel rules are fixed at start; 'stockade grant' restarts the worker).
            await session.DenyAsync(text, null, AuditLayer.Broker, AuditActions.PermissionDenied, $"{category.Summary}: it cannot be granted at run time; use 'stockade grant'").ConfigureAwait(false);
            return Answer(false);
        }

        var (answer, unanswered) = session.Ports.Prompt() is { } prompt
            ? await AskAsync(session, prompt, text, reason, cancellationToken).ConfigureAwait(false)
            : (PermissionAnswer.Deny, null);
        var granted = answer != PermissionAnswer.Deny;
        var details = new Dictionary<string, string> { ["answer"] = answer.ToString() };
        if (unanswered is not null)
        {
            details["unanswered"] = unanswered;
        }

        var answered = new AuditEntry(granted ? AuditActions.PermissionGranted : AuditActions.PermissionDenied, granted ? AuditDecision.Allow : AuditDecision.Deny, AuditLayer.Broker)
        {
            Plugin = session.PluginId,
            Permission = text,
            Details = details,
        };

        // The answer's record first, then its effect (audit before act).
        if (answer == PermissionAnswer.AllowAlways)
        {
            await session.Ports.Grants.RememberAsync(permission, answered).ConfigureAwait(false);
        }
        else
        {
            await session.AppendPerformedAsync(answered).ConfigureAwait(false);
        }

        if (granted)
        {
            session.GrantForSession(permission);
        }

        return Answer(granted);
    }

    /// <summary>
    /// Asks the person, with the plugin's call timeouts paused (it waits on the person, not on its own work) and within the
    /// host's deadline: no answer by then, or a prompt that fails, is a denial, with why (<c>unanswered</c>). The prompt's
    /// token is cancelled at the deadline so a dialog can close itself; one that ignores it is no longer waited for.
    /// </summary>
    private static async Task<(PermissionAnswer Answer, string? Unanswered)> AskAsync(PluginBroker session, IPermissionPrompt prompt, string permission, string reason, CancellationToken cancellationToken)
    {
        var deadline = session.Ports.Events.PromptTimeout;
        using var pause = session.Ports.Events.PauseCallTimeouts();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            return (await prompt.AskAsync(session.PluginId, permission, reason, timeout.Token).AsTask().WaitAsync(deadline, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is TimeoutException || timeout.IsCancellationRequested))
        {
            return (PermissionAnswer.Deny, $"no answer within {Workers.WorkerProcess.FormatTimeout(deadline)}: denied");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The application's prompt failed: nobody said yes, so it is a no (fail closed), and the audit says why.
            return (PermissionAnswer.Deny, $"the prompt failed ({ex.GetType().Name}): denied");
        }
    }

    private static JsonElement Answer(bool granted) =>
        BrokerJson.Serialize(new PermissionRequestResult(granted), ProtocolJsonContext.Default.PermissionRequestResult);

    private sealed record Asked(Permission Permission, string Reason);
}
