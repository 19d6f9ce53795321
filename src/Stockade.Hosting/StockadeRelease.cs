using System.Reflection;

namespace Stockade.Hosting;

/// <summary>
/// The Stockade version this library belongs to: one version for every Stockade package (<c>StockadeVersion</c> in
/// Directory.Build.props). The runtime stamp next to the launcher and the store say which version they are; a
/// mismatch is refused with the fix (docs/packaging.md, "Versions").
/// </summary>
internal static class StockadeRelease
{
    /// <summary>This library's version, e.g. <c>0.1.0</c> (the informational version without build metadata).</summary>
    public static string Version { get; } = Read();

    /// <summary>The file next to the launcher that says which Stockade version the launcher and worker are.</summary>
    public const string StampFileName = "stockade-runtime.json";

    private static string Read()
    {
        var informational = typeof(StockadeRelease).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var version = informational ?? typeof(StockadeRelease).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
