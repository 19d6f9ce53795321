using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Stockade.Analysis.Metadata;
using Stockade.Analysis.Rules;
using Stockade.Linux.FileSystem;

namespace Stockade.Analysis;

/// <summary>
/// Static analysis of .NET plugin assemblies with System.Reflection.Metadata: metadata and IL are read, the
/// assemblies are never loaded or run. Rules STK0001–STK0010 are described in <c>docs/analysis.md</c>.
/// </summary>
public static class PluginAnalyzer
{
    /// <summary>
    /// Analyses every <c>.dll</c> under <paramref name="pluginDir"/> (recursively, <c>obj/</c> folders and
    /// <see cref="AnalysisOptions.SkippedFileNames"/> excepted). Files that are not managed assemblies are listed in
    /// <see cref="AnalysisReport.SkippedFiles"/>; a missing folder gives an empty report with one skipped entry.
    /// </summary>
    /// <param name="pluginDir">The plugin folder.</param>
    /// <param name="options">Options; <see langword="null"/> for <see cref="AnalysisOptions.Default"/>.</param>
    public static AnalysisReport AnalyzeDirectory(string pluginDir, AnalysisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pluginDir);
        options ??= AnalysisOptions.Default;
        if (!Directory.Exists(pluginDir))
        {
            return new AnalysisReport([], [], [new SkippedFile(pluginDir, "The plugin folder does not exist; check the path.")], 0);
        }

        using var folder = PluginFolder.Open(pluginDir);
        return AnalyzeFolder(folder, options);
    }

    /// <summary>Analyses the <c>.dll</c> files of a folder already walked, reading them through its descriptors.</summary>
    /// <exception cref="PluginFolderRefusedException">A file changed while it was read, or the folder's time limit ran out.</exception>
    internal static AnalysisReport AnalyzeFolder(PluginFolder folder, AnalysisOptions? options = null)
    {
        options ??= AnalysisOptions.Default;
        var files = folder.Files
            .Where(f => f.RelativePath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Where(f => !options.SkippedFileNames.Contains(Path.GetFileName(f.RelativePath)))
            .Select(f => (f.RelativePath, (Func<byte[]>)(() => folder.ReadAllBytes(f.RelativePath))));
        return Analyze(files, options, folder);
    }

    /// <summary>Analyses one assembly file. A file that is missing or not a managed assembly gives a report with one skipped entry.</summary>
    /// <param name="path">Path of the assembly.</param>
    /// <param name="options">Options; <see langword="null"/> for <see cref="AnalysisOptions.Default"/>.</param>
    public static AnalysisReport AnalyzeAssembly(string path, AnalysisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Analyze([(Path.GetFileName(path), () => File.ReadAllBytes(path))], options ?? AnalysisOptions.Default, null);
    }

    private static AnalysisReport Analyze(IEnumerable<(string Relative, Func<byte[]> Read)> files, AnalysisOptions options, PluginFolder? folder)
    {
        var rules = AssemblyRules.All.Where(r => !options.DisabledRules.Contains(r.Id)).ToList();
        var findings = new List<AnalysisFinding>();
        var analyzed = new List<string>();
        var skipped = new List<SkippedFile>();
        var suppressed = 0;
        foreach (var (relative, read) in files)
        {
            folder?.ThrowIfLate(relative);
            try
            {
                using var stream = new MemoryStream(read(), writable: false);
                using var peReader = new PEReader(stream, PEStreamOptions.PrefetchEntireImage);
                if (!peReader.HasMetadata)
                {
                    skipped.Add(new SkippedFile(relative, "Not a managed assembly (no .NET metadata); native code shipped with a plugin is confined only by the kernel."));
                    continue;
                }

                var scan = new AssemblyScan(peReader.GetMetadataReader(), relative, Math.Max(1, options.MaxFindingsPerRuleAndAssembly));
                foreach (var rule in rules)
                {
                    rule.VisitAssembly(scan);
                }

                IlScanner.Scan(peReader, scan, rules);
                findings.AddRange(scan.Findings);
                suppressed += scan.Suppressed;
                analyzed.Add(relative);
            }
            catch (FileNotFoundException)
            {
                skipped.Add(new SkippedFile(relative, "The file does not exist; check the path."));
            }
            catch (Exception ex) when (ex is not PluginFolderRefusedException && ex is BadImageFormatException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedFile(relative, $"Could not be read as an assembly ({ex.Message}); rebuild the plugin or remove the file."));
            }
        }

        var ordered = findings
            .OrderBy(f => f.Assembly, StringComparer.Ordinal)
            .ThenBy(f => f.TypeName, StringComparer.Ordinal)
            .ThenBy(f => f.MethodName, StringComparer.Ordinal)
            .ThenBy(f => f.ILOffset)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ToList();
        return new AnalysisReport(ordered, analyzed, skipped, suppressed);
    }
}
