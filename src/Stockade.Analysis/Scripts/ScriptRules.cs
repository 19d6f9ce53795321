using System.Text.RegularExpressions;

namespace Stockade.Analysis.Scripts;

/// <summary>The script rules STK1001–STK1006. Patterns are heuristics on single lines, comments excluded.</summary>
internal static partial class ScriptRules
{
    public static IReadOnlyList<ScriptRule> All { get; } =
    [
        new("STK1001", "Subprocess", AnalysisSeverity.Warning, "subprocess:execute", PythonSubprocess(), ShellSubprocess(),
            "declare 'subprocess:execute=<absolute path>' for each program it runs"),
        new("STK1002", "Dynamic evaluation", AnalysisSeverity.Warning, null, PythonEval(), ShellEval(),
            "evaluated text cannot be analysed; remove it or review it"),
        new("STK1003", "Dynamic import", AnalysisSeverity.Warning, null, PythonDynamicImport(), null,
            "modules imported by name cannot be analysed; import them statically"),
        new("STK1004", "Recursive delete", AnalysisSeverity.Warning, "file:delete", PythonRecursiveDelete(), ShellRecursiveDelete(),
            "declare 'file:delete=<path>' with the narrowest path"),
        new("STK1005", "Raw sockets", AnalysisSeverity.Warning, "network:request", PythonSocket(), ShellSocket(),
            "a sandboxed worker has no IP sockets; declare 'network:request=<host>' and use the broker's HTTP"),
        new("STK1006", "HTTP client", AnalysisSeverity.Warning, "network:request", PythonHttp(), ShellHttp(),
            "declare 'network:request=<host>' and use the broker's HTTP"),
    ];

    [GeneratedRegex(@"\bsubprocess\b|\bos\.(system|popen|exec\w*|spawn\w*|posix_spawn\w*)\s*\(|\bpty\.spawn\b")]
    private static partial Regex PythonSubprocess();

    [GeneratedRegex(@"\b(exec|xargs|nohup|setsid|env)\s+\S|\$\(|`")]
    private static partial Regex ShellSubprocess();

    [GeneratedRegex(@"(?<![\w.])(eval|exec|compile)\s*\(")]
    private static partial Regex PythonEval();

    [GeneratedRegex(@"(^|[;&|]\s*)eval\b|\bsource\s+\$|(^|[;&|]\s*)\.\s+\$")]
    private static partial Regex ShellEval();

    [GeneratedRegex(@"\b__import__\s*\(|\bimportlib\b")]
    private static partial Regex PythonDynamicImport();

    [GeneratedRegex(@"\bshutil\.rmtree\b")]
    private static partial Regex PythonRecursiveDelete();

    [GeneratedRegex(@"\brm\s+(-[a-zA-Z]*r[a-zA-Z]*f[a-zA-Z]*|-[a-zA-Z]*f[a-zA-Z]*r[a-zA-Z]*|-r\s+-f|-f\s+-r|--recursive)\b")]
    private static partial Regex ShellRecursiveDelete();

    [GeneratedRegex(@"^\s*(import|from)\s+socket\b|\bsocket\.socket\s*\(")]
    private static partial Regex PythonSocket();

    [GeneratedRegex(@"/dev/(tcp|udp)/|\b(nc|ncat|netcat|socat|telnet)\s")]
    private static partial Regex ShellSocket();

    [GeneratedRegex(@"^\s*(import|from)\s+(urllib\d?|requests|httpx|aiohttp|http\.client)\b|\b(urllib\d?\.request|requests|httpx|http\.client)\.\w+\s*\(")]
    private static partial Regex PythonHttp();

    [GeneratedRegex(@"\b(curl|wget)\s")]
    private static partial Regex ShellHttp();
}
