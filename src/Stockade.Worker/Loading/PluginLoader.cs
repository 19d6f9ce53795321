using System.Reflection;
using Stockade.Plugin;
using Stockade.Plugin.Generated;

namespace Stockade.Worker;

// Loads the entry assembly, finds the one IPlugin implementation (or the --type given) and creates it.
// Every failure becomes a message for stderr and exit code 2; nothing here throws for a bad plugin.
internal static class PluginLoader
{
    /// <summary>
    /// A plugin built against a newer Stockade.Plugin than the one this worker carries would fail later with a missing
    /// method; refuse it now with the fix (docs/packaging.md, "Versions": the SDK only grows within a version line).
    /// </summary>
    internal static string? NewerSdk(Assembly plugin)
    {
        var own = typeof(IPlugin).Assembly.GetName();
        foreach (var reference in plugin.GetReferencedAssemblies())
        {
            if (reference.Name == own.Name && reference.Version is { } wanted && own.Version is { } have && wanted > have)
            {
                return $"the plugin was built against Stockade.Plugin {wanted.ToString(3)}, newer than the {have.ToString(3)} this host carries; "
                    + $"update the host's Stockade.Hosting package (or the stockade tool) to {wanted.ToString(3)} or later, or build the plugin against Stockade.Plugin {have.ToString(3)}";
            }
        }

        return null;
    }

    public static LoadedPlugin Load(WorkerArguments arguments)
    {
        var pluginDirectory = Path.GetFullPath(arguments.PluginDirectory);
        var entryPath = Path.GetFullPath(Path.Combine(pluginDirectory, arguments.Entry));
        if (!entryPath.StartsWith(pluginDirectory.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            return LoadedPlugin.Failed($"entry '{arguments.Entry}' points outside the plugin folder '{pluginDirectory}'; give a path inside it");
        }

        if (!File.Exists(entryPath))
        {
            return LoadedPlugin.Failed($"entry '{entryPath}' does not exist; build the plugin or fix 'entry' in plugin.yaml");
        }

        Assembly assembly;
        try
        {
            assembly = new PluginLoadContext(entryPath).LoadFromAssemblyPath(entryPath);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            return LoadedPlugin.Failed($"entry '{entryPath}' is not a loadable .NET assembly ({e.Message})");
        }

        if (NewerSdk(assembly) is { } newer)
        {
            return LoadedPlugin.Failed(newer);
        }

        // A table generated at build time names its plugin class: no search of the exported types, no reflection over
        // the methods. Without one (a plugin built without the generator), the class is found and dispatched by reflection.
        if (GeneratedTable(assembly, arguments.TypeName, out var error) is { } generated)
        {
            return Create(generated);
        }

        if (error is not null)
        {
            return LoadedPlugin.Failed(error);
        }

        var type = FindPluginType(assembly, arguments.TypeName, out error);
        if (type is null)
        {
            return LoadedPlugin.Failed(error!);
        }

        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            return LoadedPlugin.Failed($"plugin type '{type.FullName}' needs a public parameterless constructor");
        }

        var table = ReflectionDispatchTable.Create(type, out error);
        return table is null ? LoadedPlugin.Failed(error!) : Create(table);
    }

    private static LoadedPlugin Create(IPluginDispatchTable table)
    {
        try
        {
            return new LoadedPlugin(table.CreatePlugin(), table, null);
        }
        catch (Exception e)
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            return LoadedPlugin.Failed($"the constructor of '{table.PluginType.FullName}' threw {cause.GetType().Name}: {cause.Message}");
        }
    }

    // The generated table of the plugin class, when the assembly names one ([assembly: PluginDispatchTable]) for the
    // class plugin.yaml chose (or for its only class). Null with no error when there is none: reflection takes over.
    internal static IPluginDispatchTable? GeneratedTable(Assembly assembly, string? typeName, out string? error)
    {
        error = null;
        PluginDispatchTableAttribute? chosen = null;
        var count = 0;
        foreach (var attribute in assembly.GetCustomAttributes<PluginDispatchTableAttribute>())
        {
            count++;
            if (typeName is null ? count == 1 : string.Equals(attribute.PluginType.FullName, typeName, StringComparison.Ordinal))
            {
                chosen = attribute;
            }
        }

        // Several plugin classes and no choice: the reflection path reports the ambiguity with the names to choose from.
        if (chosen is null || (typeName is null && count > 1))
        {
            return null;
        }

        if (!IsPluginType(chosen.PluginType) || !typeof(IPluginDispatchTable).IsAssignableFrom(chosen.TableType) || chosen.TableType.GetConstructor(Type.EmptyTypes) is null)
        {
            error = $"the dispatch table '{chosen.TableType.FullName}' of '{chosen.PluginType.FullName}' is not a usable generated table; rebuild the plugin with the Stockade.Plugin package's generator";
            return null;
        }

        try
        {
            var table = (IPluginDispatchTable)Activator.CreateInstance(chosen.TableType)!;
            if (table.PluginType != chosen.PluginType)
            {
                error = $"the dispatch table '{chosen.TableType.FullName}' serves '{table.PluginType.FullName}', not '{chosen.PluginType.FullName}'; rebuild the plugin";
                return null;
            }

            return table;
        }
        catch (TargetInvocationException e)
        {
            var cause = e.InnerException ?? e;
            error = $"the dispatch table of '{chosen.PluginType.FullName}' failed to start ({cause.GetType().Name}: {cause.Message}); rebuild the plugin";
            return null;
        }
    }

    private static Type? FindPluginType(Assembly assembly, string? typeName, out string? error)
    {
        error = null;
        if (typeName is not null)
        {
            // A plain full name is found among the exported types by comparison: Assembly.GetType parses the name first,
            // and the parser's first use JIT-compiled its vectorised search code, about 15 ms of every worker start
            // (docs/performance.md, session 11). Any other spelling (nested, generic, escaped), or exported types that do
            // not load, still go to the parser, so the same names are found as before.
            var named = FindByFullName(assembly, typeName) ?? assembly.GetType(typeName, throwOnError: false);
            if (named is null || !IsPluginType(named))
            {
                error = $"type '{typeName}' is not a public, non-abstract class implementing IPlugin in '{assembly.GetName().Name}'; fix 'entryType' in plugin.yaml";
                return null;
            }

            return named;
        }

        Type[] exported;
        try
        {
            exported = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            error = $"the types of '{assembly.GetName().Name}' could not be loaded ({e.Message}); ship its dependencies next to it";
            return null;
        }

        // Loops rather than LINQ: System.Linq is not otherwise needed before the plugin runs.
        Type? found = null;
        var count = 0;
        foreach (var candidate in exported)
        {
            if (IsPluginType(candidate))
            {
                found ??= candidate;
                count++;
            }
        }

        switch (count)
        {
            case 1:
                return found;
            case 0:
                error = $"'{assembly.GetName().Name}' has no public class implementing Stockade.Plugin.IPlugin";
                return null;
            default:
                error = $"'{assembly.GetName().Name}' has {count} IPlugin classes ({PluginTypeNames(exported)}); choose one with 'entryType' in plugin.yaml (--type)";
                return null;
        }
    }

    private static Type? FindByFullName(Assembly assembly, string fullName)
    {
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            return null;
        }

        foreach (var type in types)
        {
            if (string.Equals(type.FullName, fullName, StringComparison.Ordinal))
            {
                return type;
            }
        }

        return null;
    }

    private static string PluginTypeNames(Type[] types)
    {
        var names = new List<string>();
        foreach (var type in types)
        {
            if (IsPluginType(type))
            {
                names.Add(type.FullName ?? type.Name);
            }
        }

        return string.Join(", ", names);
    }

    private static bool IsPluginType(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IPlugin).IsAssignableFrom(type);
}
