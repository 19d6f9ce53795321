using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Stockade.Analysis.Metadata;
using Stockade.Linux.FileSystem;

namespace Stockade.Analysis.EntryPoints;

/// <summary>
/// Checks a .NET plugin's entry point from metadata alone: the assembly exists inside the plugin folder, is
/// managed, and has a public, concrete type with a public parameterless constructor that implements
/// <c>Stockade.Plugin.IPlugin</c> (matched by name, directly or through a base class in the same assembly).
/// </summary>
public static class EntryValidator
{
    /// <summary>Full name of the interface an entry type must implement.</summary>
    public const string PluginInterface = "Stockade.Plugin.IPlugin";

    /// <summary>Validates the entry. Bad input gives problems, never exceptions.</summary>
    /// <param name="pluginDir">The plugin folder.</param>
    /// <param name="entryRelativePath">The manifest's entry assembly, relative to the plugin folder.</param>
    /// <param name="entryTypeName">The manifest's entry type (full name, nested types with <c>+</c>); <see langword="null"/> to require exactly one candidate.</param>
    public static EntryValidationResult Validate(string pluginDir, string entryRelativePath, string? entryTypeName = null)
    {
        ArgumentNullException.ThrowIfNull(pluginDir);
        ArgumentNullException.ThrowIfNull(entryRelativePath);
        var root = Path.GetFullPath(pluginDir);
        var path = Path.GetFullPath(Path.Combine(root, entryRelativePath));
        if (Path.IsPathRooted(entryRelativePath) || !path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return Fail(null, $"The entry '{entryRelativePath}' is not a relative path inside the plugin folder; give it relative to the folder, without '..'.");
        }

        if (!File.Exists(path))
        {
            return Fail(null, $"The entry assembly '{entryRelativePath}' does not exist in '{pluginDir}'; build the plugin or fix 'entry' in the manifest.");
        }

        try
        {
            using var folder = PluginFolder.Open(root);
            return ValidateFolder(folder, entryRelativePath, entryTypeName);
        }
        catch (PluginFolderRefusedException ex)
        {
            return Fail(null, $"The plugin folder is refused: {ex.Message}.");
        }
    }

    /// <summary>Validates the entry of a folder already walked, reading it through its descriptors.</summary>
    /// <exception cref="PluginFolderRefusedException">The entry changed while it was read, or the folder's time limit ran out.</exception>
    internal static EntryValidationResult ValidateFolder(PluginFolder folder, string entryRelativePath, string? entryTypeName)
    {
        var root = folder.Root;
        var path = Path.GetFullPath(Path.Combine(root, entryRelativePath));
        if (Path.IsPathRooted(entryRelativePath) || !path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return Fail(null, $"The entry '{entryRelativePath}' is not a relative path inside the plugin folder; give it relative to the folder, without '..'.");
        }

        var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
        if (!folder.Contains(relative))
        {
            return Fail(null, $"The entry assembly '{entryRelativePath}' does not exist in '{root}' (or is under an obj/ folder); build the plugin or fix 'entry' in the manifest.");
        }

        try
        {
            using var stream = new MemoryStream(folder.ReadAllBytes(relative), writable: false);
            using var peReader = new PEReader(stream);
            if (!peReader.HasMetadata || !peReader.GetMetadataReader().IsAssembly)
            {
                return Fail(null, $"'{entryRelativePath}' is not a managed .NET assembly; point 'entry' at the plugin's .dll.");
            }

            return ValidateTypes(peReader.GetMetadataReader(), entryRelativePath, entryTypeName);
        }
        catch (Exception ex) when (ex is not PluginFolderRefusedException && ex is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            return Fail(null, $"'{entryRelativePath}' cannot be read as an assembly ({ex.Message}); rebuild the plugin.");
        }
    }

    private static EntryValidationResult ValidateTypes(MetadataReader reader, string entry, string? entryTypeName)
    {
        var types = reader.TypeDefinitions.ToDictionary(h => MetadataNames.GetTypeName(reader, h), h => h, StringComparer.Ordinal);
        if (entryTypeName is not null)
        {
            if (!types.TryGetValue(entryTypeName, out var handle))
            {
                return Fail(entryTypeName, $"'{entry}' has no type '{entryTypeName}'; fix 'entryType' in the manifest (full name with namespace).");
            }

            var named = CheckType(reader, handle, entryTypeName);
            return new EntryValidationResult(named.Count == 0, entryTypeName, named);
        }

        var candidates = types
            .Where(t => ImplementsPlugin(reader, t.Value) && IsConcreteClass(reader.GetTypeDefinition(t.Value)))
            .Select(t => t.Key)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (candidates.Count != 1)
        {
            return Fail(null, candidates.Count == 0
                ? $"'{entry}' has no class implementing {PluginInterface}; implement it on the plugin's entry class."
                : $"'{entry}' has {candidates.Count} classes implementing {PluginInterface} ({string.Join(", ", candidates)}); name one as 'entryType' in the manifest.");
        }

        var found = CheckType(reader, types[candidates[0]], candidates[0]);
        return new EntryValidationResult(found.Count == 0, candidates[0], found);
    }

    private static List<string> CheckType(MetadataReader reader, TypeDefinitionHandle handle, string name)
    {
        var problems = new List<string>();
        var type = reader.GetTypeDefinition(handle);
        if (!ImplementsPlugin(reader, handle))
        {
            problems.Add($"'{name}' does not implement {PluginInterface}; implement it.");
        }

        if (!IsVisible(reader, handle))
        {
            problems.Add($"'{name}' is not public; make it (and any enclosing type) public.");
        }

        if (!IsConcreteClass(type))
        {
            problems.Add($"'{name}' is abstract, an interface or generic; the entry must be a concrete, non-generic class.");
        }
        else if (!HasPublicParameterlessConstructor(reader, type))
        {
            problems.Add($"'{name}' has no public parameterless constructor; add one, the worker creates the plugin with it.");
        }

        return problems;
    }

    private static bool ImplementsPlugin(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var seen = new HashSet<TypeDefinitionHandle>();
        while (seen.Add(handle))
        {
            var type = reader.GetTypeDefinition(handle);
            if (type.GetInterfaceImplementations().Any(i => MetadataNames.GetTypeName(reader, reader.GetInterfaceImplementation(i).Interface) == PluginInterface))
            {
                return true;
            }

            if (type.BaseType.Kind != HandleKind.TypeDefinition || type.BaseType.IsNil)
            {
                return false;
            }

            handle = (TypeDefinitionHandle)type.BaseType;
        }

        return false;
    }

    private static bool IsConcreteClass(TypeDefinition type) =>
        (type.Attributes & (TypeAttributes.Abstract | TypeAttributes.Interface)) == 0 && type.GetGenericParameters().Count == 0;

    private static bool IsVisible(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        return (type.Attributes & TypeAttributes.VisibilityMask) switch
        {
            TypeAttributes.Public => true,
            TypeAttributes.NestedPublic => IsVisible(reader, type.GetDeclaringType()),
            _ => false,
        };
    }

    private static bool HasPublicParameterlessConstructor(MetadataReader reader, TypeDefinition type) =>
        type.GetMethods().Select(reader.GetMethodDefinition).Any(m =>
            reader.GetString(m.Name) == ".ctor"
            && (m.Attributes & MethodAttributes.MemberAccessMask) == MethodAttributes.Public
            && (m.Attributes & MethodAttributes.Static) == 0
            && m.DecodeSignature(TypeNameProvider.Instance, genericContext: null).ParameterTypes.Length == 0);

    private static EntryValidationResult Fail(string? typeName, string problem) => new(false, typeName, [problem]);
}
