namespace Stockade.Analysis;

/// <summary>One use of a sensitive API found in a plugin without running it.</summary>
public sealed record AnalysisFinding
{
    /// <summary>Stable rule id, <c>STK0001</c>… for assemblies and <c>STK1001</c>… for scripts.</summary>
    public required string RuleId { get; init; }

    /// <summary>How much the finding matters.</summary>
    public required AnalysisSeverity Severity { get; init; }

    /// <summary>A sentence for a person: what was found and what to do about it.</summary>
    public required string Message { get; init; }

    /// <summary>Path of the analysed assembly (or script) relative to the plugin folder, or the file name when analysed alone.</summary>
    public required string Assembly { get; init; }

    /// <summary>Full name of the type whose code makes the call; <see langword="null"/> for assembly-level findings and scripts.</summary>
    public string? TypeName { get; init; }

    /// <summary>Name of the method whose code makes the call; <see langword="null"/> for assembly- or type-level findings and scripts.</summary>
    public string? MethodName { get; init; }

    /// <summary>Offset of the instruction in the method body's IL; <see langword="null"/> when the finding is not tied to an instruction.</summary>
    public int? ILOffset { get; init; }

    /// <summary>1-based line number for script findings; <see langword="null"/> for assemblies.</summary>
    public int? Line { get; init; }

    /// <summary>
    /// The permission (<c>category:action</c>, without scope) the plugin must declare for this use, e.g.
    /// <c>subprocess:execute</c>; <c>file:*</c> when the action cannot be told; <see langword="null"/> when no
    /// permission can allow it (native code, dynamic code…) and a person has to review it.
    /// </summary>
    public string? RequiredPermission { get; init; }

    /// <summary>The API or text that triggered the rule, e.g. <c>System.Diagnostics.Process.Start</c>.</summary>
    public required string Evidence { get; init; }
}
