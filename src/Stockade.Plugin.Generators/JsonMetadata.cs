using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// Where the serialisation metadata of an input or result type comes from. Source generators cannot see each other's
// output, so the System.Text.Json metadata is the project's own JsonSerializerContext (found by its [JsonSerializable]
// roots); the few primitive types the serializer ships converters for need none.
internal sealed class JsonMetadata
{
    // Types System.Text.Json has a public converter for (JsonMetadataServices.<name>Converter): no context needed.
    private static readonly Dictionary<SpecialType, string> PrimitiveConverters = new()
    {
        [SpecialType.System_Boolean] = "BooleanConverter",
        [SpecialType.System_Byte] = "ByteConverter",
        [SpecialType.System_SByte] = "SByteConverter",
        [SpecialType.System_Int16] = "Int16Converter",
        [SpecialType.System_UInt16] = "UInt16Converter",
        [SpecialType.System_Int32] = "Int32Converter",
        [SpecialType.System_UInt32] = "UInt32Converter",
        [SpecialType.System_Int64] = "Int64Converter",
        [SpecialType.System_UInt64] = "UInt64Converter",
        [SpecialType.System_Single] = "SingleConverter",
        [SpecialType.System_Double] = "DoubleConverter",
        [SpecialType.System_Decimal] = "DecimalConverter",
        [SpecialType.System_Char] = "CharConverter",
        [SpecialType.System_String] = "StringConverter",
        [SpecialType.System_DateTime] = "DateTimeConverter",
    };

    private readonly KnownSymbols _known;
    private readonly List<(INamedTypeSymbol Context, HashSet<ITypeSymbol> Roots)> _contexts = [];

    public JsonMetadata(KnownSymbols known, IEnumerable<INamedTypeSymbol> candidates)
    {
        _known = known;
        if (known.JsonSerializerContext is null || known.JsonSerializableAttribute is null)
        {
            return;
        }

        foreach (var candidate in candidates)
        {
            if (!DerivesFrom(candidate, known.JsonSerializerContext) || candidate.DeclaredAccessibility == Accessibility.Private)
            {
                continue;
            }

            var roots = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var attribute in candidate.GetAttributes())
            {
                if (KnownSymbols.Is(attribute.AttributeClass, known.JsonSerializableAttribute)
                    && attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is ITypeSymbol root)
                {
                    roots.Add(root.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
                }
            }

            _contexts.Add((candidate, roots));
        }

        _contexts.Sort((a, b) => string.CompareOrdinal(a.Context.ToDisplayString(), b.Context.ToDisplayString()));
    }

    public IReadOnlyList<INamedTypeSymbol> Contexts
    {
        get
        {
            var contexts = new List<INamedTypeSymbol>(_contexts.Count);
            foreach (var (context, _) in _contexts)
            {
                contexts.Add(context);
            }

            return contexts;
        }
    }

    /// <summary>How the generated code gets the metadata of <paramref name="type"/>, or null (then <paramref name="fix"/> says what to add).</summary>
    public TypeMetadata? Find(ITypeSymbol type, string owner, out string? fix)
    {
        fix = null;
        var plain = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        foreach (var (context, roots) in _contexts)
        {
            if (roots.Contains(plain))
            {
                return new TypeMetadata(plain, Converter: null);
            }
        }

        if (KnownSymbols.Is(plain, _known.JsonElement))
        {
            return new TypeMetadata(plain, "JsonElementConverter");
        }

        if (PrimitiveConverters.TryGetValue(plain.SpecialType, out var converter))
        {
            return new TypeMetadata(plain, converter);
        }

        var shown = plain.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        fix = _contexts.Count > 0
            ? $"add [JsonSerializable(typeof({shown}))] to {_contexts[0].Context.Name}"
            : $"declare a JsonSerializerContext in the project: [JsonSerializable(typeof({shown}))] internal sealed partial class {owner}Json : JsonSerializerContext {{ }}";
        return null;
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (KnownSymbols.Is(current, baseType))
            {
                return true;
            }
        }

        return false;
    }
}

// One type's metadata source: the project's contexts (Converter null) or a built-in converter.
internal sealed record TypeMetadata(ITypeSymbol Type, string? Converter);
