using System.Reflection;
using System.Text.Json;
using Stockade.Hosting.Broker.RateLimiting;

namespace Stockade.Hosting.Broker.Services;

/// <summary>
/// One exposed method, analysed once at registration: its name, permission, limits, how its argument is
/// bound and how its result is awaited. A call then costs one <see cref="MethodInvoker"/> invocation.
/// </summary>
internal sealed class HostServiceMethod
{
    private static readonly MethodInfo AwaitTaskOfT = typeof(HostServiceMethod).GetMethod(nameof(AwaitTaskAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AwaitValueTaskOfT = typeof(HostServiceMethod).GetMethod(nameof(AwaitValueTaskAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly object _instance;
    private readonly MethodInvoker _invoker;
    private readonly ParameterSlot[] _slots;
    private readonly Type? _argumentType;
    private readonly bool _argumentOptional;
    private readonly object? _argumentDefault;
    private readonly Func<object?, Task<object?>> _await;

    private HostServiceMethod(
        string service, string name, string permission, RateRule? rateLimit, bool audited, object instance, MethodInfo method,
        ParameterSlot[] slots, Type? argumentType, bool argumentOptional, object? argumentDefault, Type resultType, Func<object?, Task<object?>> await)
    {
        Service = service;
        Name = name;
        Permission = permission;
        RateLimit = rateLimit;
        Audited = audited;
        _instance = instance;
        _invoker = MethodInvoker.Create(method);
        _slots = slots;
        _argumentType = argumentType;
        _argumentOptional = argumentOptional;
        _argumentDefault = argumentDefault;
        ResultType = resultType;
        _await = await;
    }

    private enum ParameterSlot
    {
        Argument,
        CancellationToken,
        Context,
    }

    public string Service { get; }

    public string Name { get; }

    public string Permission { get; }

    /// <summary>From <c>[RateLimit]</c>: a per-plugin limit on this method alone.</summary>
    public RateRule? RateLimit { get; }

    public bool Audited { get; }

    /// <summary>The type serialised back to the plugin (<see cref="object"/> for void).</summary>
    public Type ResultType { get; }

    /// <summary>Analyses <paramref name="method"/>; returns null when it is not exposed; throws for a method that is exposed but cannot be called safely.</summary>
    public static HostServiceMethod? TryCreate(string service, object instance, MethodInfo method, NullabilityInfoContext nullability)
    {
        var requires = method.GetCustomAttribute<RequiresPermissionAttribute>();
        var naming = method.GetCustomAttribute<HostServiceMethodAttribute>();
        var where = $"{method.DeclaringType?.Name}.{method.Name}";
        if (requires is null)
        {
            return naming is null
                ? null
                : throw new InvalidOperationException($"{where} has [HostServiceMethod] but no [RequiresPermission]; add one, or the method is never exposed.");
        }

        if (!IsPermission(requires.Permission))
        {
            throw new InvalidOperationException($"{where}: '{requires.Permission}' is not a permission; write it as 'category:action', e.g. 'clipboard:read'.");
        }

        if (method.IsGenericMethodDefinition || method.ReturnType.IsByRef)
        {
            throw new InvalidOperationException($"{where} cannot be a host service method: generic methods and ref returns are not supported.");
        }

        var name = naming?.Name ?? CamelCase(method.Name);
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace))
        {
            throw new InvalidOperationException($"{where}: '{name}' is not a usable method name.");
        }

        RateRule? rateLimit = null;
        if (method.GetCustomAttribute<RateLimitAttribute>() is { } limit)
        {
            if (limit.Limit <= 0 || !RatePeriod.TryParse(limit.Period, out var period))
            {
                throw new InvalidOperationException($"{where}: [RateLimit({limit.Limit}, \"{limit.Period}\")] needs a positive limit and a period such as \"1s\", \"500ms\" or \"5m\".");
            }

            rateLimit = new RateRule(requires.Permission, limit.Limit, period);
        }

        var audited = method.GetCustomAttribute<AuditedAttribute>()?.Enabled ?? true;

        var parameters = method.GetParameters();
        var slots = new ParameterSlot[parameters.Length];
        ParameterInfo? argument = null;
        bool hasToken = false, hasContext = false;
        for (var i = 0; i < parameters.Length; i++)
        {
            var p = parameters[i];
            if (p.ParameterType.IsByRef || p.ParameterType.IsPointer)
            {
                throw new InvalidOperationException($"{where}: parameter '{p.Name}' is by-reference; host service parameters are passed by value.");
            }

            if (p.ParameterType == typeof(CancellationToken) && !hasToken)
            {
                hasToken = true;
                slots[i] = ParameterSlot.CancellationToken;
            }
            else if (p.ParameterType == typeof(HostServiceCallContext) && !hasContext)
            {
                hasContext = true;
                slots[i] = ParameterSlot.Context;
            }
            else if (argument is null)
            {
                argument = p;
                slots[i] = ParameterSlot.Argument;
            }
            else
            {
                throw new InvalidOperationException(
                    $"{where} has more than one data parameter ('{argument.Name}', '{p.Name}'); take one object that holds both.");
            }
        }

        var optional = argument is not null && (argument.HasDefaultValue
            || Nullable.GetUnderlyingType(argument.ParameterType) is not null
            || (!argument.ParameterType.IsValueType && nullability.Create(argument).WriteState != NullabilityState.NotNull));
        var argumentDefault = argument is { HasDefaultValue: true } ? argument.DefaultValue : null;

        var (resultType, await) = Awaiter(method.ReturnType);
        return new HostServiceMethod(
            service, name, requires.Permission, rateLimit, audited, instance, method, slots,
            argument?.ParameterType, optional, argumentDefault, resultType, await);
    }

    /// <summary>Binds <paramref name="args"/> to the data parameter; on failure returns a message for <c>invalid_params</c>.</summary>
    public string? TryBind(JsonElement? args, JsonSerializerOptions options, HostServiceCallContext context, CancellationToken ct, out object?[] values)
    {
        values = new object?[_slots.Length];
        object? bound = null;
        var absent = args is not { } element || element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;
        if (_argumentType is null)
        {
            if (!absent && !IsEmptyContainer(args!.Value))
            {
                return $"'{Service}.{Name}' takes no parameters; send none (or null).";
            }
        }
        else if (absent)
        {
            if (!_argumentOptional)
            {
                return $"'{Service}.{Name}' needs parameters of type {DescribeType(_argumentType)}.";
            }

            bound = _argumentDefault;
        }
        else
        {
            try
            {
                bound = args!.Value.Deserialize(_argumentType, options);
            }
            catch (JsonException ex)
            {
                return $"the parameters of '{Service}.{Name}' do not fit {DescribeType(_argumentType)}: {ex.Message}";
            }
            catch (NotSupportedException ex)
            {
                return $"the parameters of '{Service}.{Name}' cannot be read: {ex.Message}";
            }

            if (bound is null && !_argumentOptional)
            {
                return $"'{Service}.{Name}' needs parameters of type {DescribeType(_argumentType)}.";
            }
        }

        for (var i = 0; i < _slots.Length; i++)
        {
            values[i] = _slots[i] switch
            {
                ParameterSlot.Argument => bound,
                ParameterSlot.CancellationToken => ct,
                _ => context,
            };
        }

        return null;
    }

    /// <summary>Calls the method and awaits it; exceptions thrown by the service propagate unwrapped.</summary>
    public Task<object?> InvokeAsync(object?[] values)
    {
        object? returned;
        try
        {
            returned = _invoker.Invoke(_instance, values.AsSpan());
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }

        return _await(returned);
    }

    private static (Type ResultType, Func<object?, Task<object?>> Await) Awaiter(Type returnType)
    {
        if (returnType == typeof(void))
        {
            return (typeof(object), static _ => Task.FromResult<object?>(null));
        }

        if (returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return (typeof(object), returnType == typeof(Task) ? AwaitPlainTaskAsync : AwaitPlainValueTaskAsync);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var t = returnType.GetGenericArguments()[0];
            return (t, AwaitTaskOfT.MakeGenericMethod(t).CreateDelegate<Func<object?, Task<object?>>>());
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var t = returnType.GetGenericArguments()[0];
            return (t, AwaitValueTaskOfT.MakeGenericMethod(t).CreateDelegate<Func<object?, Task<object?>>>());
        }

        return (returnType, static value => Task.FromResult(value));
    }

    private static async Task<object?> AwaitPlainTaskAsync(object? task)
    {
        await (Task)task!;
        return null;
    }

    private static async Task<object?> AwaitPlainValueTaskAsync(object? task)
    {
        await (ValueTask)task!;
        return null;
    }

    private static async Task<object?> AwaitTaskAsync<T>(object? task) => await (Task<T>)task!;

    private static async Task<object?> AwaitValueTaskAsync<T>(object? task) => await (ValueTask<T>)task!;

    private static bool IsEmptyContainer(JsonElement element) =>
        (element.ValueKind == JsonValueKind.Object && !element.EnumerateObject().Any())
        || (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 0);

    private static bool IsPermission(string? permission)
    {
        if (string.IsNullOrEmpty(permission))
        {
            return false;
        }

        var colon = permission.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < permission.Length - 1
            && !permission.AsSpan().ContainsAny(" \t\r\n*")
            && !permission.AsSpan(colon + 1).Contains(':');
    }

    private static string CamelCase(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : string.Concat(char.ToLowerInvariant(name[0]).ToString(), name.AsSpan(1));

    private static string DescribeType(Type type) =>
        type.IsPrimitive || type == typeof(string) ? type.Name.ToLowerInvariant() : $"a JSON value shaped like {type.Name}";
}
