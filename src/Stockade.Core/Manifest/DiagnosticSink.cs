namespace Stockade.Core.Manifest;

/// <summary>Collects the diagnostics of one read, stamping each with the file name.</summary>
internal sealed class DiagnosticSink(string file)
{
    private readonly List<ManifestDiagnostic> _items = [];

    public IReadOnlyList<ManifestDiagnostic> Items => _items;

    public void Error(string code, string message, string? hint, int line, int column, string? path) =>
        Add(DiagnosticSeverity.Error, code, message, hint, line, column, path);

    public void Warning(string code, string message, string? hint, int line, int column, string? path) =>
        Add(DiagnosticSeverity.Warning, code, message, hint, line, column, path);

    public void Error(string code, string message, string? hint, ManifestNode at, string? path) =>
        Add(DiagnosticSeverity.Error, code, message, hint, at.Line, at.Column, path);

    public void Warning(string code, string message, string? hint, ManifestNode at, string? path) =>
        Add(DiagnosticSeverity.Warning, code, message, hint, at.Line, at.Column, path);

    private void Add(DiagnosticSeverity severity, string code, string message, string? hint, int line, int column, string? path) =>
        _items.Add(new ManifestDiagnostic
        {
            Severity = severity,
            Code = code,
            Message = message,
            Hint = hint,
            File = file,
            Line = Math.Max(1, line),
            Column = Math.Max(1, column),
            Path = path,
        });
}
