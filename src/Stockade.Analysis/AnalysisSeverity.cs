namespace Stockade.Analysis;

/// <summary>How much a finding, a permission mismatch or a conflict matters.</summary>
public enum AnalysisSeverity
{
    /// <summary>Advice, e.g. a declared permission that the code never uses (least privilege).</summary>
    Hint = 0,

    /// <summary>Worth a person's review; does not refuse the plugin on its own.</summary>
    Warning = 1,

    /// <summary>Refuses the plugin (install, strict level, or load) until it is resolved.</summary>
    Error = 2,
}
