using System.Reflection;
using System.Text.Json;
using Stockade.Protocol;

namespace Stockade.Worker;

// One [PluginMethod]/[PluginHook] method: binds the JSON input to its parameter, calls it, awaits whatever it returns
// and turns the outcome into JSON. The shape is checked once at load; calls reuse the cached reflection.
internal sealed class PluginMethod
{
    private readonly MethodInfo _method;
    private readonly ParameterInfo? _input;
    private readonly int _inputIndex;
    private readonly int _tokenIndex;
    private readonly int _arity;
    // Whether a null input may bind: 0 not looked at yet, 1 yes, 2 no. Found on the first null input, not at load:
    // NullabilityInfoContext reads the nullable attributes by reflection, on the way to the first answer otherwise.
    private int _inputNullability;
    private readonly ReturnKind _returnKind;
    private readonly PropertyInfo? _taskResult;
    private readonly MethodInfo? _valueTaskAsTask;

    private PluginMethod(string name, MethodInfo method)
    {
        Name = name;
        _method = method;
        var parameters = method.GetParameters();
        _arity = parameters.Length;
        _inputIndex = -1;
        _tokenIndex = -1;
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].ParameterType == typeof(CancellationToken))
            {
                _tokenIndex = i;
            }
            else
            {
                _inputIndex = i;
                _input = parameters[i];
            }
        }

        var returnType = method.ReturnType;
        (_returnKind, _taskResult, _valueTaskAsTask) = returnType switch
        {
            _ when returnType == typeof(void) => (ReturnKind.Nothing, null, null),
            _ when returnType == typeof(Task) => (ReturnKind.Task, null, null),
            _ when returnType == typeof(ValueTask) => (ReturnKind.ValueTask, null, null),
            { IsGenericType: true } when returnType.GetGenericTypeDefinition() == typeof(Task<>) =>
                (ReturnKind.TaskOfT, returnType.GetProperty(nameof(Task<int>.Result)), null),
            { IsGenericType: true } when returnType.GetGenericTypeDefinition() == typeof(ValueTask<>) =>
                (ReturnKind.ValueTaskOfT, typeof(Task<>).MakeGenericType(returnType.GetGenericArguments()).GetProperty(nameof(Task<int>.Result)), returnType.GetMethod(nameof(ValueTask<int>.AsTask))),
            _ => (ReturnKind.Value, null, null),
        };
    }

    public string Name { get; }

    /// <summary>
    /// Builds ahead of the first call what that call would otherwise build on its way: the serializer's metadata for the
    /// input and result types and the method's compiled code. Calls no plugin method; anything that fails here is left
    /// for the call to report.
    /// </summary>
    public void Prepare()
    {
        try
        {
            if (_input is not null && _input.ParameterType != typeof(JsonElement))
            {
                PluginJson.Options.GetTypeInfo(_input.ParameterType);
            }

            var result = _returnKind switch
            {
                ReturnKind.Value => _method.ReturnType,
                ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT => _method.ReturnType.GetGenericArguments()[0],
                _ => null,
            };
            if (result is not null && result != typeof(JsonElement) && result != typeof(object))
            {
                PluginJson.Options.GetTypeInfo(result);
            }

            System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(_method.MethodHandle);
        }
#pragma warning disable CA1031 // a head start only: the call itself binds, runs and reports whatever failed here
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public static PluginMethod? TryCreate(string name, MethodInfo method, out string? problem)
    {
        problem = null;
        var parameters = method.GetParameters();
        // Loops rather than LINQ: System.Linq would be loaded for this alone at start-up.
        int inputs = 0, tokens = 0;
        var byRef = false;
        foreach (var parameter in parameters)
        {
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                tokens++;
            }
            else
            {
                inputs++;
            }

            byRef |= parameter.ParameterType.IsByRef;
        }

        if (method.IsStatic || method.IsGenericMethodDefinition || inputs > 1 || tokens > 1 || byRef)
        {
            problem = $"method '{method.Name}' ('{name}') must be a non-generic instance method with at most one input parameter and one CancellationToken";
            return null;
        }

        return new PluginMethod(name, method);
    }

    public async ValueTask<JsonElement?> InvokeAsync(object target, JsonElement? input, CancellationToken cancellationToken)
    {
        var arguments = _arity == 0 ? null : new object?[_arity];
        if (_tokenIndex >= 0)
        {
            arguments![_tokenIndex] = cancellationToken;
        }

        if (_input is not null)
        {
            arguments![_inputIndex] = Bind(_input, input);
        }

        var returned = _method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        object? value;
        switch (_returnKind)
        {
            case ReturnKind.Nothing:
                return null;
            case ReturnKind.Task:
                await ((Task)returned!).ConfigureAwait(false);
                return null;
            case ReturnKind.ValueTask:
                await ((ValueTask)returned!).ConfigureAwait(false);
                return null;
            case ReturnKind.TaskOfT:
                var task = (Task)returned!;
                await task.ConfigureAwait(false);
                value = _taskResult!.GetValue(task);
                break;
            case ReturnKind.ValueTaskOfT:
                var asTask = (Task)_valueTaskAsTask!.Invoke(returned, null)!;
                await asTask.ConfigureAwait(false);
                value = _taskResult!.GetValue(asTask);
                break;
            default:
                value = returned;
                break;
        }

        return value switch
        {
            null => null,
            // A JsonElement is its own JSON: the serializer would write it out and parse it back. Clone returns an element
            // that already owns its document (the input, say) as it is, and copies one whose document the plugin may
            // dispose; a disposed one throws here, inside the plugin call, as the serializer did.
            JsonElement { ValueKind: not JsonValueKind.Undefined } element => element.Clone(),
            _ => JsonSerializer.SerializeToElement(value, value.GetType(), PluginJson.Options),
        };
    }

    private object? Bind(ParameterInfo parameter, JsonElement? input)
    {
        var type = parameter.ParameterType;
        if (input is null || input.Value.ValueKind == JsonValueKind.Null)
        {
            if (type == typeof(JsonElement))
            {
                return JsonNullElement.Value;
            }

            if (!InputMayBeNull(parameter))
            {
                throw new RpcException(RpcErrorCode.InvalidParams, $"'{Name}' needs an input of type {type.Name}");
            }

            return parameter.HasDefaultValue ? parameter.DefaultValue : null;
        }

        if (type == typeof(JsonElement))
        {
            return input.Value;
        }

        try
        {
            return input.Value.Deserialize(type, PluginJson.Options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new RpcException(RpcErrorCode.InvalidParams, $"the input of '{Name}' does not fit {type.Name}: {e.Message}");
        }
    }

    private bool InputMayBeNull(ParameterInfo parameter)
    {
        var known = Volatile.Read(ref _inputNullability);
        if (known == 0)
        {
            var mayBeNull = parameter.HasDefaultValue
                || Nullable.GetUnderlyingType(parameter.ParameterType) is not null
                || (!parameter.ParameterType.IsValueType && new NullabilityInfoContext().Create(parameter).WriteState != NullabilityState.NotNull);
            known = mayBeNull ? 1 : 2;
            Volatile.Write(ref _inputNullability, known);
        }

        return known == 1;
    }

    // The JSON null bound to a JsonElement input, parsed on first use (a nested class so that its static constructor runs
    // only then). Parsed rather than serialised: touching the reflection-based serializer would cost start-up time.
    private static class JsonNullElement
    {
        public static readonly JsonElement Value = JsonDocument.Parse("null").RootElement;
    }

    private enum ReturnKind
    {
        Nothing,
        Value,
        Task,
        TaskOfT,
        ValueTask,
        ValueTaskOfT,
    }
}
