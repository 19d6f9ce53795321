namespace Stockade.Analysis;

/// <summary>What static analysis found in a plugin: findings, the files analysed and the files that could not be.</summary>
public sealed class AnalysisReport
{
    // Categories whose use the analysis can see completely in plugin code. Network, hooks, config, database and
    // host-defined services are reached through the SDK and the broker, so a declaration there that the code
    // "never uses" would be a false hint.
    private static readonly HashSet<string> ObservableCategories = new(StringComparer.Ordinal) { "file", "env", "subprocess" };

    internal AnalysisReport(IReadOnlyList<AnalysisFinding> findings, IReadOnlyList<string> analyzedFiles, IReadOnlyList<SkippedFile> skippedFiles, int suppressedFindingCount)
    {
        Findings = findings;
        AnalyzedFiles = analyzedFiles;
        SkippedFiles = skippedFiles;
        SuppressedFindingCount = suppressedFindingCount;
    }

    /// <summary>Every finding, ordered by file, then type, method and IL offset (or line).</summary>
    public IReadOnlyList<AnalysisFinding> Findings { get; }

    /// <summary>Files analysed, relative to the plugin folder.</summary>
    public IReadOnlyList<string> AnalyzedFiles { get; }

    /// <summary>Files found but not analysed (not a managed assembly, unreadable…).</summary>
    public IReadOnlyList<SkippedFile> SkippedFiles { get; }

    /// <summary>Findings dropped because a rule hit <see cref="AnalysisOptions.MaxFindingsPerRuleAndAssembly"/> in one file.</summary>
    public int SuppressedFindingCount { get; }

    /// <summary>True when some finding has <see cref="AnalysisSeverity.Error"/>.</summary>
    public bool HasErrors => Findings.Any(f => f.Severity == AnalysisSeverity.Error);

    /// <summary>Distinct permissions (<c>category:action</c>) the findings require, ordered.</summary>
    public IReadOnlyList<string> UsedPermissions =>
        Findings.Where(f => f.RequiredPermission is not null).Select(f => f.RequiredPermission!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Compares the permissions the code uses with the ones the manifest declares. Declarations may be full
    /// permissions (<c>file:read=$PLUGIN_DATA/**</c>), <c>category:action</c> or a bare category (<c>file</c>); scopes
    /// are ignored because they are not known statically, and <c>write</c> implies <c>read</c>.
    /// </summary>
    /// <param name="declaredPermissionCategoriesOrPermissions">Required and optional permissions from the manifest.</param>
    /// <param name="strict">When true an undeclared use is an <see cref="AnalysisSeverity.Error"/> (the <c>strict</c> level), otherwise a warning.</param>
    /// <returns>Undeclared uses and unused declarations; unused declarations are reported only for file, env and subprocess, whose use is fully visible in plugin code.</returns>
    public PermissionComparison CompareWith(IReadOnlyCollection<string> declaredPermissionCategoriesOrPermissions, bool strict)
    {
        ArgumentNullException.ThrowIfNull(declaredPermissionCategoriesOrPermissions);
        var declared = declaredPermissionCategoriesOrPermissions
            .Where(p => !string.IsNullOrWhiteSpace(p))
            .Select(p => (Text: p.Trim(), Key: PermissionKey.Parse(p)))
            .ToList();
        var used = Findings
            .Where(f => f.RequiredPermission is not null)
            .GroupBy(f => PermissionKey.Parse(f.RequiredPermission!))
            .OrderBy(g => g.Key.ToString(), StringComparer.Ordinal)
            .ToList();

        var mismatches = new List<PermissionMismatch>();
        foreach (var use in used)
        {
            if (declared.Any(d => d.Key.Allows(use.Key)))
            {
                continue;
            }

            var first = use.First();
            var where = first.TypeName is null ? first.Assembly : $"{first.TypeName}.{first.MethodName} in {first.Assembly}";
            mismatches.Add(new PermissionMismatch
            {
                Kind = PermissionMismatchKind.UsedButNotDeclared,
                Severity = strict ? AnalysisSeverity.Error : AnalysisSeverity.Warning,
                Permission = use.Key.ToString(),
                Message = $"The code uses {first.Evidence} ({where}{(use.Count() > 1 ? $" and {use.Count() - 1} more" : string.Empty)}) but the manifest does not declare '{use.Key}'. Add it to permissions (with a scope) or remove the call.",
                Evidence = use.ToList(),
            });
        }

        foreach (var (text, key) in declared.OrderBy(d => d.Text, StringComparer.Ordinal))
        {
            if (ObservableCategories.Contains(key.Category) && !used.Any(u => key.Allows(u.Key)))
            {
                mismatches.Add(new PermissionMismatch
                {
                    Kind = PermissionMismatchKind.DeclaredButNotUsed,
                    Severity = AnalysisSeverity.Hint,
                    Permission = text,
                    Message = $"The manifest declares '{text}' but no code was seen using it; remove it to keep the plugin's privileges least.",
                    Evidence = [],
                });
            }
        }

        return new PermissionComparison(mismatches);
    }
}
