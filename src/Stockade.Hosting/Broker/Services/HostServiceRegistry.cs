using System.Buffers;
using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Threading.RateLimiting;
using Stockade.Hosting.Broker.RateLimiting;

namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// The services an application exposes to its plugins. Register an object under a service name; its
/// public instance methods marked <see cref="RequiresPermissionAttribute"/> become callable by plugins
/// that were granted that permission, and nothing else on the object is reachable.
/// </summary>
/// <remarks>
/// A method takes at most one data parameter (bound from the plugin's JSON with System.Text.Json),
/// optionally a <see cref="CancellationToken"/> and a <see cref="HostServiceCallContext"/>, and returns
/// <c>void</c>, a value, <see cref="Task"/>, <see cref="Task{TResult}"/>, <see cref="ValueTask"/> or
/// <see cref="ValueTask{TResult}"/>; the result is serialised back as JSON. Methods are analysed once,
/// at <see cref="Register"/>; a method that is marked but cannot be bound safely makes
/// <see cref="Register"/> throw, so mistakes show up at start, not at a plugin's first call.
/// Thread-safe.
/// </remarks>
public sealed class HostServiceRegistry : IDisposable
{
    private static readonly SearchValues<char> ServiceNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    private readonly Lock _gate = new();
    private readonly JsonSerializerOptions _json;
    private readonly PartitionedRateLimiter<MethodPartition> _limiter;
    private volatile Snapshot _snapshot = new(FrozenDictionary<string, FrozenDictionary<string, HostServiceMethod>>.Empty, []);

    /// <summary>Creates an empty registry.</summary>
    /// <param name="jsonOptions">Serializer options for arguments and results (made read-only here); default: <see cref="StockadeJson.Options"/>, the worker's conventions.</param>
    public HostServiceRegistry(JsonSerializerOptions? jsonOptions = null)
    {
        _json = jsonOptions ?? StockadeJson.Options;
        _json.MakeReadOnly(populateMissingResolver: true);
        _limiter = PartitionedRateLimiter.Create<MethodPartition, MethodPartition>(
            static p => RateLimitPartition.Get(p, static k => new TokenBucketRateLimiter(RateLimiterOptionsFactory.TokenBucket(k.Method.RateLimit!.Limit, k.Method.RateLimit.Period))),
            MethodPartitionComparer.Instance);
    }

    /// <summary>
    /// Every permission the registered services require (for example <c>clipboard:read</c>), sorted;
    /// the host registers them as host-defined categories so manifests may declare them.
    /// </summary>
    public IReadOnlyList<string> DeclaredPermissions => _snapshot.Permissions;

    /// <summary>Raised after a service is registered (the host records its categories in the home).</summary>
    internal event Action? Registered;

    /// <summary>The names of the registered services.</summary>
    public IReadOnlyCollection<string> ServiceNames => _snapshot.Services.Keys;

    /// <summary>Exposes the marked methods of <paramref name="instance"/> as service <paramref name="serviceName"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or has characters other than letters, digits, '-', '_' and '.'.</exception>
    /// <exception cref="InvalidOperationException">The name is taken, the object exposes no method, or a marked method cannot be bound (the message says which and why).</exception>
    public void Register(string serviceName, object instance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentNullException.ThrowIfNull(instance);
        if (serviceName.AsSpan().ContainsAnyExcept(ServiceNameChars))
        {
            throw new ArgumentException($"Service name '{serviceName}' may contain only letters, digits, '-', '_' and '.'.", nameof(serviceName));
        }

        var methods = new Dictionary<string, HostServiceMethod>(StringComparer.Ordinal);
        var nullability = new NullabilityInfoContext();
        foreach (var method in instance.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.DeclaringType == typeof(object) || HostServiceMethod.TryCreate(serviceName, instance, method, nullability) is not { } exposed)
            {
                continue;
            }

            if (!methods.TryAdd(exposed.Name, exposed))
            {
                throw new InvalidOperationException($"Service '{serviceName}' exposes two methods named '{exposed.Name}'; give one a different [HostServiceMethod] name.");
            }
        }

        if (methods.Count == 0)
        {
            throw new InvalidOperationException(
                $"Service '{serviceName}' ({instance.GetType().Name}) exposes no method; mark the methods plugins may call with [RequiresPermission(\"category:action\")].");
        }

        lock (_gate)
        {
            var current = _snapshot;
            if (current.Services.ContainsKey(serviceName))
            {
                throw new InvalidOperationException($"A service named '{serviceName}' is already registered.");
            }

            var services = new Dictionary<string, FrozenDictionary<string, HostServiceMethod>>(current.Services, StringComparer.Ordinal)
            {
                [serviceName] = methods.ToFrozenDictionary(StringComparer.Ordinal),
            };
            var permissions = services.Values.SelectMany(m => m.Values).Select(m => m.Permission)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            _snapshot = new Snapshot(services.ToFrozenDictionary(StringComparer.Ordinal), permissions);
        }

        Registered?.Invoke(); // outside the lock: the host records the categories the new service requires
    }

    /// <summary>Releases the per-method rate limiters.</summary>
    public void Dispose() => _limiter.Dispose();

    /// <summary>
    /// Finds <paramref name="service"/>.<paramref name="method"/>; false with a message for <c>not_found</c> (listing
    /// what is offered) when there is no such service or method. Checks and calls nothing.
    /// </summary>
    internal bool TryResolve(string? service, string? method, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HostServiceMethod? target, out string? error)
    {
        var snapshot = _snapshot;
        target = null;
        if (service is null || !snapshot.Services.TryGetValue(service, out var methods))
        {
            var known = snapshot.Services.Count == 0 ? "none" : string.Join(", ", snapshot.Services.Keys.Order(StringComparer.Ordinal));
            error = $"there is no host service '{service}'; services offered: {known}";
            return false;
        }

        if (method is null || !methods.TryGetValue(method, out target))
        {
            error = $"service '{service}' has no method '{method}'; methods: {string.Join(", ", methods.Keys.Order(StringComparer.Ordinal))}";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Counts one call of <paramref name="target"/> by <paramref name="pluginId"/> against its <c>[RateLimit]</c>, if it has one.</summary>
    internal RateDecision TryAcquire(string pluginId, HostServiceMethod target)
    {
        if (target.RateLimit is null)
        {
            return RateDecision.Allowed;
        }

        using var lease = _limiter.AttemptAcquire(new MethodPartition(pluginId, target));
        if (lease.IsAcquired)
        {
            return RateDecision.Allowed;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : target.RateLimit.Period;
        return RateDecision.Refused(target.RateLimit, retryAfter);
    }

    /// <summary>
    /// Calls <paramref name="target"/> for <paramref name="pluginId"/>, which the broker's pipeline has authorized, rate
    /// limited and recorded: arguments that do not bind → <c>invalid_params</c>; the service threw → <c>internal</c>
    /// with the exception's message only. Throws only <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    internal async Task<ServiceCallResult> InvokeAsync(string pluginId, HostServiceMethod target, JsonElement? args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pluginId);
        ArgumentNullException.ThrowIfNull(target);
        var context = new HostServiceCallContext(pluginId, target.Service, target.Name);
        if (target.TryBind(args, _json, context, cancellationToken, out var values) is { } bindError)
        {
            return ServiceCallResult.Failure(BrokerErrorCodes.InvalidParams, bindError, target.Permission);
        }

        object? returned;
        try
        {
            returned = await target.InvokeAsync(values);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return ServiceCallResult.Failure(BrokerErrorCodes.Internal, $"'{target.Service}.{target.Name}' failed: {ex.Message}", target.Permission, exception: ex);
        }

        try
        {
            return ServiceCallResult.Success(JsonSerializer.SerializeToElement(returned, target.ResultType, _json), target.Permission, target.Audited);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return ServiceCallResult.Failure(
                BrokerErrorCodes.Internal, $"'{target.Service}.{target.Name}' returned a value that cannot be sent as JSON", target.Permission, exception: ex);
        }
    }

    private sealed record Snapshot(FrozenDictionary<string, FrozenDictionary<string, HostServiceMethod>> Services, string[] Permissions);

    private readonly record struct MethodPartition(string PluginId, HostServiceMethod Method);

    private sealed class MethodPartitionComparer : IEqualityComparer<MethodPartition>
    {
        public static readonly MethodPartitionComparer Instance = new();

        public bool Equals(MethodPartition x, MethodPartition y) => ReferenceEquals(x.Method, y.Method) && string.Equals(x.PluginId, y.PluginId, StringComparison.Ordinal);

        public int GetHashCode(MethodPartition obj) => HashCode.Combine(StringComparer.Ordinal.GetHashCode(obj.PluginId), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Method));
    }
}
