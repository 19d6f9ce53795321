using System.Text;
using Stockade.Linux.FileSystem;

namespace Stockade.Analysis.Scripts;

/// <summary>
/// Line-based analysis of script plugins (<c>runtime: process</c>): Python (<c>.py</c>) and shell (<c>.sh</c>)
/// files, rules STK1001–STK1006. Patterns are heuristics: they catch the usual spellings, not obfuscation.
/// Lines whose first non-blank character is <c>#</c> are comments and are skipped.
/// </summary>
public static class ScriptAnalyzer
{
    /// <summary>Analyses every <c>.py</c> and <c>.sh</c> file under the folder (recursively, <c>obj/</c> excepted).</summary>
    /// <param name="pluginDir">The plugin folder; a missing folder gives a report with one skipped entry.</param>
    public static AnalysisReport AnalyzeDirectory(string pluginDir)
    {
        ArgumentNullException.ThrowIfNull(pluginDir);
        if (!Directory.Exists(pluginDir))
        {
            return new AnalysisReport([], [], [new SkippedFile(pluginDir, "The plugin folder does not exist; check the path.")], 0);
        }

        using var folder = PluginFolder.Open(pluginDir);
        return AnalyzeFolder(folder);
    }

    /// <summary>Analyses the scripts of a folder already walked, reading them through its descriptors.</summary>
    /// <exception cref="PluginFolderRefusedException">A file changed while it was read, or the folder's time limit ran out.</exception>
    internal static AnalysisReport AnalyzeFolder(PluginFolder folder) =>
        Analyze(folder.Files.Where(f => Language(f.RelativePath) is not null)
            .Select(f => (f.RelativePath, (Func<byte[]>)(() => folder.ReadAllBytes(f.RelativePath)))), folder);

    /// <summary>Analyses one script; the language comes from the extension (<c>.py</c> or <c>.sh</c>).</summary>
    /// <param name="path">The script file; a missing file or another extension gives a report with one skipped entry.</param>
    public static AnalysisReport AnalyzeFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Language(path) is null
            ? Analyze([(Path.GetFileName(path), () => [])], null)
            : Analyze([(Path.GetFileName(path), () => File.ReadAllBytes(path))], null);
    }

    private static AnalysisReport Analyze(IEnumerable<(string Relative, Func<byte[]> Read)> files, PluginFolder? folder)
    {
        var findings = new List<AnalysisFinding>();
        var analyzed = new List<string>();
        var skipped = new List<SkippedFile>();
        foreach (var (relative, read) in files)
        {
            folder?.ThrowIfLate(relative);
            var language = Language(relative);
            if (language is null)
            {
                skipped.Add(new SkippedFile(relative, "Only .py and .sh scripts are analysed."));
                continue;
            }

            string[] lines;
            try
            {
                lines = Encoding.UTF8.GetString(read()).ReplaceLineEndings("\n").Split('\n');
                if (lines.Length > 0 && lines[^1].Length == 0)
                {
                    lines = lines[..^1];
                }
            }
            catch (Exception ex) when (ex is not PluginFolderRefusedException && ex is IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedFile(relative, $"Could not be read ({ex.Message})."));
                continue;
            }

            analyzed.Add(relative);
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.TrimStart().StartsWith('#'))
                {
                    continue;
                }

                foreach (var rule in ScriptRules.All)
                {
                    var match = (language == ".py" ? rule.Python : rule.Shell)?.Match(line);
                    if (match is { Success: true })
                    {
                        findings.Add(new AnalysisFinding
                        {
                            RuleId = rule.Id,
                            Severity = rule.Severity,
                            Message = $"{relative}:{i + 1}: {rule.Title} ({match.Value.Trim()}); {rule.Advice}.",
                            Assembly = relative,
                            Line = i + 1,
                            RequiredPermission = rule.RequiredPermission,
                            Evidence = line.Trim(),
                        });
                    }
                }
            }
        }

        return new AnalysisReport(findings, analyzed, skipped, 0);
    }

    private static string? Language(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".py" => ".py",
        ".sh" => ".sh",
        _ => null,
    };
}
