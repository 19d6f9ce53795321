namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>How the pipeline records a handler's calls: a declared property of every <see cref="IBrokerHandler"/>.</summary>
internal enum BrokerAudit
{
    /// <summary>
    /// An allowed call's record is sequenced (decision 14: it has its place in the audit writer's queue) before the
    /// call is performed; a refusal is recorded instead, and the call is not performed.
    /// </summary>
    BeforePerform,

    /// <summary>
    /// The call is itself a report of something that already happened in the worker (a kernel denial it saw): its
    /// record is written (summarised under the audit budget) before anything else is done with it.
    /// </summary>
    Report,

    /// <summary>
    /// Not written to the audit log. Only for calls that use no right and change nothing the audit log describes;
    /// the handler must say why in <see cref="IBrokerHandler.NotAuditedBecause"/>.
    /// </summary>
    NotAudited,
}
