using System.Reflection.Metadata;

namespace Stockade.Analysis.Metadata;

/// <summary>Full names of types and members as rules see them (<c>Namespace.Outer+Inner</c>).</summary>
internal static class MetadataNames
{
    public static string GetTypeName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = reader.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return GetTypeName(reader, declaring) + "+" + name;
        }

        var ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    public static string GetTypeName(MetadataReader reader, TypeReferenceHandle handle)
    {
        var type = reader.GetTypeReference(handle);
        var name = reader.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return GetTypeName(reader, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
        }

        var ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Name of a TypeDef, TypeRef or TypeSpec; empty for a nil handle or anything else.</summary>
    public static string GetTypeName(MetadataReader reader, EntityHandle handle) => handle.IsNil ? string.Empty : handle.Kind switch
    {
        HandleKind.TypeDefinition => GetTypeName(reader, (TypeDefinitionHandle)handle),
        HandleKind.TypeReference => GetTypeName(reader, (TypeReferenceHandle)handle),
        HandleKind.TypeSpecification => reader.GetTypeSpecification((TypeSpecificationHandle)handle)
            .DecodeSignature(TypeNameProvider.Instance, genericContext: null),
        _ => string.Empty,
    };

    /// <summary>Full name of a custom attribute's type.</summary>
    public static string GetAttributeTypeName(MetadataReader reader, CustomAttribute attribute) => attribute.Constructor.Kind switch
    {
        HandleKind.MethodDefinition => GetTypeName(reader, reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType()),
        HandleKind.MemberReference => GetTypeName(reader, reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent),
        _ => string.Empty,
    };
}
