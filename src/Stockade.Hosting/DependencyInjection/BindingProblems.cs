using System.Runtime.CompilerServices;

namespace Stockade.Hosting;

/// <summary>Problems met while binding a <see cref="PluginHostOptions"/> instance from configuration, reported by its validation.</summary>
internal static class BindingProblems
{
    private static readonly ConditionalWeakTable<PluginHostOptions, List<string>> Table = [];

    public static void Add(PluginHostOptions options, string problem)
    {
        var list = Table.GetOrCreateValue(options);
        lock (list)
        {
            list.Add(problem);
        }
    }

    public static IReadOnlyList<string> Of(PluginHostOptions options)
    {
        if (!Table.TryGetValue(options, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }
}
