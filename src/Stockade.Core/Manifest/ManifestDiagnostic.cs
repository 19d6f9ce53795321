using System.Globalization;

namespace Stockade.Core.Manifest;

/// <summary>One finding about a manifest, with its location. Every diagnostic has a 1-based line and column.</summary>
public sealed record ManifestDiagnostic
{
    /// <summary>How serious it is.</summary>
    public required DiagnosticSeverity Severity { get; init; }

    /// <summary>Stable code, one of <see cref="ManifestDiagnosticCodes"/>.</summary>
    public required string Code { get; init; }

    /// <summary>What is wrong, in plain words.</summary>
    public required string Message { get; init; }

    /// <summary>How to fix it, or null when the message already says.</summary>
    public string? Hint { get; init; }

    /// <summary>The manifest file as given to the reader.</summary>
    public required string File { get; init; }

    /// <summary>1-based line.</summary>
    public required int Line { get; init; }

    /// <summary>1-based column.</summary>
    public required int Column { get; init; }

    /// <summary>Where in the document, e.g. <c>permissions.required[2]</c>; null for the whole file.</summary>
    public string? Path { get; init; }

    /// <summary>Compiler style: <c>plugin.yaml:12:5: error STKM004: message</c>.</summary>
    public override string ToString()
    {
        var severity = Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "info",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {severity} {Code}: {Message}");
    }
}
