using System.Text.Json;
using Stockade.Core.Audit;
using Stockade.Hosting.Broker.Pipeline;
using Stockade.Hosting.Workers;
using Stockade.Protocol;

namespace Stockade.Hosting.Broker.Handlers;

/// <summary>
/// <c>host.denial</c> (a notification): the worker saw the kernel refuse something (Landlock, seccomp). A report of
/// what already happened, so it needs no permission; audited as a report: the record (<c>file.*</c> or
/// <c>syscall.blocked</c>, layer <c>kernel</c>) is written first, summarised under the audit budget, then the
/// denial is kept for the caller's <c>stockade grant</c> hint and raised as an event. The path is plugin text:
/// truncated, never trusted.
/// </summary>
internal sealed class DenialReportHandler : IBrokerHandler
{
    public IReadOnlyList<string> Methods { get; } = [ProtocolMethods.HostDenial];

    public BrokerAudit Audit => BrokerAudit.Report;

    public BrokerCall Prepare(PluginBroker session, string method, JsonElement? parameters)
    {
        var p = BrokerJson.Read(parameters, ProtocolJsonContext.Default.DenialParams);
        var path = p.Path is null ? null : BrokerJson.Truncate(p.Path, 4096);
        var operation = p.Operation is null ? "access" : BrokerJson.Truncate(p.Operation, 32);
        var action = operation switch
        {
            "write" => AuditActions.FileWrite,
            "delete" => AuditActions.FileDelete,
            "read" or "list" => AuditActions.FileRead,
            _ => p.Kind == "file" ? AuditActions.FileRead : AuditActions.SyscallBlocked,
        };
        // A path a terminal would act on is named (made visible) but earns no grant advice: advice is copied into a shell.
        var permission = p.Kind == "file" && path is not null && path.StartsWith('/') && ReferenceEquals(StderrText.Visible(path), path)
            ? $"file:{(operation is "write" or "delete" ? operation : "read")}={path}"
            : null;
        return new BrokerCall
        {
            Method = method,
            RecordPermission = permission, // the grant that would allow it (the hint); a report needs none
            Resource = path,
            AllowAction = action,
            AllowDecision = AuditDecision.Deny,
            Details = new Dictionary<string, string> { ["reason"] = $"errno {p.Errno}" },
            State = operation,
        };
    }

    public ValueTask<JsonElement?> PerformAsync(PluginBroker session, BrokerCall call, AuditTicket ticket, CancellationToken cancellationToken)
    {
        session.RememberDenial(call.RecordPermission, call.Resource, AuditLayer.Kernel, call.AllowAction!, (string)call.State!, logged: ticket.Record is not null);
        return default;
    }
}
