namespace Stockade.Analysis;

/// <summary>Options for <see cref="PluginAnalyzer"/>.</summary>
public sealed class AnalysisOptions
{
    /// <summary>
    /// File names (not paths) that are not analysed. Default: <c>Stockade.Plugin.dll</c>, the SDK that every
    /// plugin ships and that talks to the broker on the plugin's behalf, and <c>Stockade.Protocol.dll</c>, the SDK's
    /// protocol plumbing beside it. The worker never runs a plugin's copies of either: both come from its own load
    /// context, whatever the plugin folder holds.
    /// </summary>
    public ISet<string> SkippedFileNames { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Stockade.Plugin.dll", "Stockade.Protocol.dll" };

    /// <summary>Rule ids (e.g. <c>STK0009</c>) that are not run. Default: none.</summary>
    public ISet<string> DisabledRules { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Upper bound on findings kept per rule and assembly, so that a large dependency does not flood a report.
    /// Further findings are counted in <see cref="AnalysisReport.SuppressedFindingCount"/>. Default: 50.
    /// </summary>
    public int MaxFindingsPerRuleAndAssembly { get; set; } = 50;

    /// <summary>The defaults described on each property.</summary>
    public static AnalysisOptions Default => new();
}
