using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// The shape rules of a served method, checked at build time: the same rules the worker's reflection dispatch applies
// at load, plus what reflection silently skips (static or non-public methods carrying the attribute).
internal static class MethodShape
{
    /// <summary>Fills the method's input and return shape; returns the problem and its fix, or null when it can be served.</summary>
    public static (string Problem, string Fix)? Analyze(ServedMethod served, KnownSymbols known, bool remote)
    {
        var method = served.Method;
        if (method.IsStatic)
        {
            return ("it is static", "make it an instance method");
        }

        if (method.DeclaredAccessibility != Accessibility.Public && method.ContainingType.TypeKind != TypeKind.Interface)
        {
            return ("it is not public", "make it public");
        }

        if (method.IsGenericMethod)
        {
            return ("it is generic", "give it concrete parameter and result types");
        }

        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                return ($"parameter '{parameter.Name}' is passed by reference", "take it by value (a record holding every value)");
            }

            if (KnownSymbols.Is(parameter.Type, known.CancellationToken))
            {
                if (served.Token is not null)
                {
                    return ("it takes two CancellationTokens", "keep one");
                }

                served.Token = parameter;
            }
            else
            {
                if (served.Input is not null)
                {
                    return ("it takes more than one input parameter", "take one record holding every value, e.g. Greet(GreetInput input)");
                }

                served.Input = parameter;
            }
        }

        if (served.Input is { } input)
        {
            if (Unknowable(input.Type) is { } why)
            {
                return ($"its input is {why}", "take a concrete type, or JsonElement for any JSON");
            }

            served.InputIsElement = KnownSymbols.Is(input.Type, known.JsonElement);
            served.InputMayBeNull = input.HasExplicitDefaultValue
                || input.Type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                || (!input.Type.IsValueType && input.NullableAnnotation != NullableAnnotation.NotAnnotated);
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            return ("it returns by reference", "return the value");
        }

        var returnType = method.ReturnType;
        if (method.ReturnsVoid)
        {
            served.Shape = ReturnShape.Void;
        }
        else if (KnownSymbols.Is(returnType, known.Task))
        {
            served.Shape = ReturnShape.Task;
        }
        else if (KnownSymbols.Is(returnType, known.ValueTask))
        {
            served.Shape = ReturnShape.ValueTask;
        }
        else if (returnType is INamedTypeSymbol { IsGenericType: true } generic && KnownSymbols.Is(generic.OriginalDefinition, known.TaskOfT))
        {
            served.Shape = ReturnShape.TaskOfT;
            served.Result = generic.TypeArguments[0];
        }
        else if (returnType is INamedTypeSymbol { IsGenericType: true } valueGeneric && KnownSymbols.Is(valueGeneric.OriginalDefinition, known.ValueTaskOfT))
        {
            served.Shape = ReturnShape.ValueTaskOfT;
            served.Result = valueGeneric.TypeArguments[0];
        }
        else
        {
            served.Shape = ReturnShape.Value;
            served.Result = returnType;
        }

        if (remote && served.Shape is ReturnShape.Void or ReturnShape.Value)
        {
            return ("a contract method is called across processes, so it cannot return synchronously",
                method.ReturnsVoid ? "return Task or ValueTask" : $"return Task<{Shown(returnType)}> or ValueTask<{Shown(returnType)}>");
        }

        if (served.Result is { } result)
        {
            if (Unknowable(result) is { } why)
            {
                return ($"its result is {why}", "return a concrete type, or JsonElement for any JSON");
            }

            served.ResultIsElement = KnownSymbols.Is(result, known.JsonElement);
        }

        return null;
    }

    // Types whose JSON shape cannot be known at build time (or cannot be a value at all).
    private static string? Unknowable(ITypeSymbol type) => type switch
    {
        { SpecialType: SpecialType.System_Object } => "object, whose JSON shape is only known at run time",
        IDynamicTypeSymbol => "dynamic, whose JSON shape is only known at run time",
        ITypeParameterSymbol => "a type parameter",
        IPointerTypeSymbol or IFunctionPointerTypeSymbol => "a pointer",
        INamedTypeSymbol { IsRefLikeType: true } => "a ref struct, which cannot be serialised",
        _ => null,
    };

    private static string Shown(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
