using Stockade.Hosting.Broker.Budgets;
using Stockade.Hosting.Broker.Http;
using Stockade.Hosting.Broker.RateLimiting;
using Stockade.Hosting.Broker.Services;

namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// Everything a <see cref="PluginBroker"/> reaches outside itself, as narrow parts: the broker never sees the
/// <see cref="PluginHost"/>. Built by the host for each worker (<c>PluginHost.NewBroker</c>).
/// </summary>
internal sealed record BrokerPorts(
    string PluginId,
    IPluginGrants Grants,
    IBrokerAuditSink Audit,
    IPluginData Data,
    HostServiceRegistry Services,
    BrokeredHttp Http,
    BrokerRateLimiter RateLimiter,
    IBrokerEvents Events,
    Func<IPermissionPrompt?> Prompt,
    BudgetOptions Budgets,
    TimeProvider Time);
