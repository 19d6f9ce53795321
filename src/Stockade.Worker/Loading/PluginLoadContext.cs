using System.Reflection;
using System.Runtime.Loader;

namespace Stockade.Worker;

// The plugin's own load context: its private dependencies resolve from its deps.json, while the SDK (with its protocol
// plumbing) and System.Text.Json come from the default context so IPlugin, the attributes and JsonElement keep one
// identity, and a plugin folder's copy of the SDK is never run (the analysis skips those files by name).
internal sealed class PluginLoadContext(string entryPath) : AssemblyLoadContext("plugin", isCollectible: false)
{
    private static readonly string[] Shared = [typeof(Plugin.IPlugin).Assembly.GetName().Name!, "Stockade.Protocol", "System.Text.Json"];

    private readonly AssemblyDependencyResolver _resolver = new(entryPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (Array.IndexOf(Shared, assemblyName.Name) >= 0)
        {
            return null;
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
