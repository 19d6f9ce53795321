using System.Reflection;
using Stockade.Plugin;

namespace Stockade.Worker;

// Loads the entry assembly, finds the one IPlugin implementation (or the --type given) and creates it.
// Every failure becomes a message for stderr and exit code 2; nothing here throws for a bad plugin.
internal static class PluginLoader
{
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

        var type = FindPluginType(assembly, arguments.TypeName, out var error);
        if (type is null)
        {
            return LoadedPlugin.Failed(error!);
        }

        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            return LoadedPlugin.Failed($"plugin type '{type.FullName}' needs a public parameterless constructor");
        }

        var dispatcher = PluginDispatcher.Create(type, out error);
        if (dispatcher is null)
        {
            return LoadedPlugin.Failed(error!);
        }

        try
        {
            return new LoadedPlugin((IPlugin)Activator.CreateInstance(type)!, dispatcher, null);
        }
        catch (TargetInvocationException e)
        {
            var cause = e.InnerException ?? e;
            return LoadedPlugin.Failed($"the constructor of '{type.FullName}' threw {cause.GetType().Name}: {cause.Message}");
        }
    }

    private static Type? FindPluginType(Assembly assembly, string? typeName, out string? error)
    {
        error = null;
        if (typeName is not null)
        {
            var named = assembly.GetType(typeName, throwOnError: false);
            if (named is null || !IsPluginType(named))
            {
                error = $"type '{typeName}' is not a public, non-abstract class implementing IPlugin in '{assembly.GetName().Name}'; fix 'entryType' in plugin.yaml";
                return null;
            }

            return named;
        }

        Type[] candidates;
        try
        {
            candidates = [.. assembly.GetExportedTypes().Where(IsPluginType)];
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            error = $"the types of '{assembly.GetName().Name}' could not be loaded ({e.Message}); ship its dependencies next to it";
            return null;
        }

        switch (candidates.Length)
        {
            case 1:
                return candidates[0];
            case 0:
                error = $"'{assembly.GetName().Name}' has no public class implementing Stockade.Plugin.IPlugin";
                return null;
            default:
                error = $"'{assembly.GetName().Name}' has {candidates.Length} IPlugin classes ({string.Join(", ", candidates.Select(t => t.FullName))}); choose one with 'entryType' in plugin.yaml (--type)";
                return null;
        }
    }

    private static bool IsPluginType(Type type) =>
        type is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IPlugin).IsAssignableFrom(type);
}
