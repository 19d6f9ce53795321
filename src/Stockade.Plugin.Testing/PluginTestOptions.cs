using System.Net;
using Stockade.Hosting;
using Stockade.Hosting.Broker;
using Stockade.Hosting.Broker.Services;

namespace Stockade.Plugin.Testing;

/// <summary>
/// What a test gives the plugin's host besides its grants: the data the host keeps for it, the host services it may
/// call, how HTTP is answered (in process) and which user a confined worker runs as. Every property is optional.
/// </summary>
public sealed class PluginTestOptions
{
    /// <summary>The security level (<c>sandboxed</c> by default). Confined: refused when this machine cannot enforce it.</summary>
    public string? Level { get; init; }

    /// <summary>
    /// The plugin's configuration as the host holds it before the first call: key → value (serialised to JSON).
    /// Reading it still needs <c>config:read=KEY</c>.
    /// </summary>
    public IDictionary<string, object?> Config { get; init; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>
    /// The plugin's key-value store before the first call: <c>namespace/key</c> (or a bare key, namespace
    /// <c>default</c>) → value. Reading it still needs <c>database:read=NAMESPACE</c>.
    /// </summary>
    public IDictionary<string, string> Store { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Registers the host services the plugin may call (e.g. <c>r =&gt; r.Register("clock", new FakeClock())</c>).</summary>
    public Action<HostServiceRegistry>? Services { get; init; }

    /// <summary>Answers the plugin's requests for optional permissions; none: every request is refused.</summary>
    public IPermissionPrompt? PermissionPrompt { get; init; }

    /// <summary>
    /// In process: answers the plugin's HTTP requests that the manifest and the grants allow (the request's URI names
    /// the host the plugin asked for). None: an allowed request fails as a network failure would.
    /// </summary>
    public HttpMessageHandler? Http { get; init; }

    /// <summary>
    /// In process: what a host name resolves to (default: 192.0.2.1 for every name, a public address). Return a
    /// loopback or private address to see the broker refuse it unless a grant names that address.
    /// </summary>
    public Func<string, IPAddress[]>? NameResolver { get; init; }

    /// <summary>Confined: run the worker as this uid (and <see cref="WorkerGroupId"/>); default: the host's choice (a uid of its own when the test runs as root).</summary>
    public int? WorkerUserId { get; init; }

    /// <summary>Confined: the worker's group; default: the same number as <see cref="WorkerUserId"/>.</summary>
    public int? WorkerGroupId { get; init; }

    /// <summary>Confined: the host environment the plugin's <c>env:read</c> grants draw from (nothing else reaches the worker).</summary>
    public IDictionary<string, string>? Environment { get; init; }

    /// <summary>Changes anything else of the host's options (limits, quotas, budgets) before the host is built.</summary>
    public Action<PluginHostOptions>? Host { get; init; }
}
