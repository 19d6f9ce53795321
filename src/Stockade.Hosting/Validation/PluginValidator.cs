using Stockade.Analysis;
using Stockade.Analysis.Conflicts;
using Stockade.Analysis.EntryPoints;
using Stockade.Analysis.Scripts;
using Stockade.Analysis.Signing;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Store;
using System.Text;
using Stockade.Linux.FileSystem;

namespace Stockade.Hosting.Validation;

/// <summary>
/// Checks a plugin folder before it is installed or run: manifest, entry, signature, static analysis
/// (declared against used permissions) and conflicts with the plugins installed in a home.
/// </summary>
public static class PluginValidator
{
    private const string SignatureFileName = "stockade.sig";

    /// <summary>Validates <paramref name="pluginDirectory"/>; never throws on a bad plugin, every problem is an item.</summary>
    /// <param name="pluginDirectory">The plugin folder.</param>
    /// <param name="options">The level and, optionally, the home to check against.</param>
    public static ValidationReport Validate(string pluginDirectory, ValidationOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginDirectory);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Home is null)
        {
            return Validate(pluginDirectory, options.Level, null, PermissionCatalog.Default, options.FolderLimits);
        }

        using var store = new StockadeStore(options.Home);
        return Validate(pluginDirectory, options.Level, store, Categories.AppCategoryRecord.HomeCatalog(store), options.FolderLimits); // the home's app categories (issue 18)
    }

    /// <summary>
    /// Validates a folder by path: it is walked first as hostile (<see cref="PluginFolder"/>); a refused entry or a
    /// time limit reached is the report's one error, and nothing else of the folder is read.
    /// </summary>
    internal static ValidationReport Validate(string pluginDirectory, string? levelText, StockadeStore? store, PermissionCatalog catalog, PluginFolderLimits? limits = null)
    {
        var directory = Path.GetFullPath(pluginDirectory);
        PluginFolder folder;
        try
        {
            folder = PluginFolder.Open(directory, limits);
        }
        catch (DirectoryNotFoundException)
        {
            return Validate(directory, null, levelText, store, catalog);
        }
        catch (PluginFolderRefusedException ex)
        {
            return Refused(directory, ex);
        }

        using (folder)
        {
            return Validate(folder, levelText, store, catalog);
        }
    }

    /// <summary>Validates a folder already walked; every file is read through its descriptors.</summary>
    internal static ValidationReport Validate(PluginFolder folder, string? levelText, StockadeStore? store, PermissionCatalog catalog)
    {
        try
        {
            return Validate(folder.Root, folder, levelText, store, catalog);
        }
        catch (PluginFolderRefusedException ex)
        {
            return Refused(folder.Root, ex);
        }
    }

    /// <summary>The report of a folder refused before anything in it was read.</summary>
    internal static ValidationReport Refused(string directory, PluginFolderRefusedException ex) => new()
    {
        Directory = directory,
        Items = [new ValidationItem("files", ValidationSeverities.Error, ex.TimedOut ? "timeout" : "refused", $"'{ex.Entry}' {ex.Problem}", ex.Entry, ex.NextStep)],
        Signature = new SignatureSummary("not-checked", null, "the plugin folder was refused"),
        IsTimeout = ex.TimedOut,
    };

    private static ValidationReport Validate(string directory, PluginFolder? folder, string? levelText, StockadeStore? store, PermissionCatalog catalog)
    {
        var items = new List<ValidationItem>();
        var level = SecurityLevel.Sandboxed;
        if (levelText is not null && store is not null && Policies.NamedPolicy.FromStore(store, levelText, catalog) is { } named)
        {
            levelText = named.Level.ToName(); // a host's named policy recorded in the home: judged at the level it is based on (issue 18)
        }

        if (levelText is not null && !SecurityLevelNames.TryParse(levelText, out level))
        {
            items.Add(new ValidationItem("manifest", ValidationSeverities.Error, "level", $"unknown security level '{levelText}'", null, "use one of: " + string.Join(", ", SecurityLevelNames.All)));
            level = SecurityLevel.Sandboxed;
        }

        var read = ReadManifest(directory, folder, catalog, items);
        items.AddRange(read.Diagnostics.Select(d => new ValidationItem(
            "manifest", Severity(d.Severity), d.Code, d.Message, $"{d.File}:{d.Line}:{d.Column}", d.Hint)));
        var manifest = read.Manifest;
        if (manifest is null)
        {
            return new ValidationReport { Directory = directory, Items = items, Signature = new SignatureSummary("not-checked", null, "the manifest could not be read") };
        }

        if (folder is null)
        {
            return new ValidationReport { Directory = directory, Items = items, Signature = new SignatureSummary("not-checked", null, "the plugin folder does not exist") };
        }

        CheckEntry(folder, manifest, items);
        var (signature, integrity) = CheckSignature(folder, level, store, items);
        CheckAnalysis(folder, manifest, level, items);
        var loadOrder = store is null ? [] : CheckConflicts(manifest, store, items);
        var grants = store is not null && store.GetPlugin(manifest.Id) is not null ? store.GetGrants(manifest.Id) : null;
        return new ValidationReport
        {
            Directory = directory,
            PluginId = manifest.Id,
            Name = manifest.Name,
            Version = manifest.Version,
            IsIntegrityFailure = integrity,
            Items = items,
            Signature = signature,
            Permissions = Views(manifest, grants, catalog),
            LoadOrder = loadOrder,
            Manifest = manifest,
        };
    }

    /// <summary>The manifest, read through the folder's descriptors (a link or FIFO named plugin.yaml was refused by the walk).</summary>
    private static ManifestReadResult ReadManifest(string directory, PluginFolder? folder, PermissionCatalog catalog, List<ValidationItem> items)
    {
        var yaml = folder?.Contains(ManifestReader.YamlFileName) == true;
        var json = folder?.Contains(ManifestReader.JsonFileName) == true;
        if (folder is null || (!yaml && !json))
        {
            return ManifestReader.ReadDirectory(directory, catalog); // reports the missing folder or manifest; reads nothing
        }

        if (yaml && json)
        {
            items.Add(new ValidationItem("manifest", ValidationSeverities.Error, ManifestDiagnosticCodes.File,
                $"both {ManifestReader.YamlFileName} and {ManifestReader.JsonFileName} are present; {ManifestReader.YamlFileName} was read", ManifestReader.JsonFileName,
                "delete one of them so there is no doubt which one applies"));
        }

        var name = yaml ? ManifestReader.YamlFileName : ManifestReader.JsonFileName;
        var text = Encoding.UTF8.GetString(folder.ReadAllBytes(name));
        return ManifestReader.Parse(text, Path.Combine(directory, name), yaml ? ManifestFormat.Yaml : ManifestFormat.Json, catalog);
    }

    /// <summary>The declared permissions as a person reviews them; with <paramref name="grants"/>, each one's decision.</summary>
    internal static IReadOnlyList<PermissionView> Views(PluginManifest manifest, IReadOnlyList<GrantRecord>? grants, PermissionCatalog catalog) =>
        [.. manifest.Permissions.Required.Select(r => View(r, true, grants, catalog)), .. manifest.Permissions.Optional.Select(r => View(r, false, grants, catalog))];

    internal static PermissionView View(PermissionRequest request, bool required, IReadOnlyList<GrantRecord>? grants, PermissionCatalog catalog) =>
        new(request.Permission.ToString(), required, request.Reason, PermissionDescriber.Describe(request.Permission), grants is null ? null : Decide(request.Permission, grants, catalog).Decision);

    /// <summary>The decision on a declared permission: an exact record first, then a granted narrower one, then a denial covering it.</summary>
    internal static (string Decision, GrantRecord? Record) Decide(Permission declared, IReadOnlyList<GrantRecord> grants, PermissionCatalog catalog)
    {
        var text = declared.ToString();
        if (grants.FirstOrDefault(g => g.Permission == text) is { } exact)
        {
            return (exact.Allowed ? "granted" : "denied", exact);
        }

        foreach (var grant in grants)
        {
            if (Permission.TryParse(grant.Permission, catalog, out var parsed, out _) && grant.Allowed && declared.Implies(parsed))
            {
                return ("partly-granted", grant);
            }
        }

        return ("not-granted", null);
    }

    private static void CheckEntry(PluginFolder folder, PluginManifest manifest, List<ValidationItem> items)
    {
        var directory = folder.Root;
        if (manifest.Runtime == PluginRuntime.Dotnet)
        {
            var entry = EntryValidator.ValidateFolder(folder, manifest.Entry, manifest.EntryType);
            items.AddRange(entry.Problems.Select(p => new ValidationItem("entry", ValidationSeverities.Error, "entry", p, manifest.Entry, null)));
            return;
        }

        var script = Path.GetRelativePath(directory, Path.GetFullPath(Path.Combine(directory, manifest.Entry))).Replace('\\', '/');
        if (!folder.Contains(script))
        {
            items.Add(new ValidationItem("entry", ValidationSeverities.Error, "entry", $"the entry '{manifest.Entry}' does not exist in {directory}", manifest.Entry, "fix 'entry' in the manifest or add the file"));
        }

        if (manifest.Interpreter is { } interpreter && !File.Exists(interpreter))
        {
            items.Add(new ValidationItem("entry", ValidationSeverities.Warning, "interpreter", $"the interpreter {interpreter} does not exist on this machine", null, "install it, or point 'interpreter' at one that exists"));
        }
    }

    /// <summary>
    /// What <paramref name="preset"/> requires of a plugin at load, for every way a plugin is started (a folder run
    /// as much as an installed copy): a valid signature from a trusted key, and analysis findings that match the
    /// declarations. Returns every item found; errors refuse the load. Nothing is checked when the preset requires
    /// neither, so lower levels pay nothing at start (their mismatches are warnings at validate and install).
    /// </summary>
    /// <param name="directory">The plugin folder.</param>
    /// <param name="manifest">Its manifest, already read.</param>
    /// <param name="preset">The level requested.</param>
    /// <param name="store">The trust store's home.</param>
    /// <param name="limits">Limits of the folder walk.</param>
    /// <param name="checkSignature">False when the caller verified the signature already (an installed copy).</param>
    internal static IReadOnlyList<ValidationItem> CheckForLoad(string directory, PluginManifest manifest, LevelPreset preset, StockadeStore store, PluginFolderLimits? limits, bool checkSignature)
    {
        var items = new List<ValidationItem>();
        var signature = checkSignature && preset.RequiresSignature;
        if (!signature && !preset.AnalysisMustMatchDeclarations)
        {
            return items;
        }

        try
        {
            using var folder = PluginFolder.Open(directory, limits);
            if (signature)
            {
                CheckSignature(folder, preset.Level, store, items);
            }

            if (preset.AnalysisMustMatchDeclarations)
            {
                CheckAnalysis(folder, manifest, preset.Level, items);
            }
        }
        catch (PluginFolderRefusedException ex)
        {
            items.AddRange(Refused(directory, ex).Items);
        }

        return items;
    }

    private static (SignatureSummary Summary, bool Integrity) CheckSignature(PluginFolder folder, SecurityLevel level, StockadeStore? store, List<ValidationItem> items)
    {
        var signed = folder.Contains(SignatureFileName);
        var required = LevelPresets.Get(level).RequiresSignature;
        var levelName = PluginHost.Name(level);
        if (store is null)
        {
            if (!signed)
            {
                items.Add(new ValidationItem("signature", required ? ValidationSeverities.Error : ValidationSeverities.Info, "unsigned", "the plugin is not signed",
                    null, required ? $"the {levelName} level needs a signature from a trusted key: sign it with 'stockade sign'" : null));
                return (new SignatureSummary("unsigned", null, "the plugin has no stockade.sig"), false);
            }

            items.Add(new ValidationItem("signature", ValidationSeverities.Info, "not-checked", "the plugin is signed; no home was given, so the key's trust was not checked", null, "pass --home to check it against the trusted keys"));
            return (new SignatureSummary("not-checked", null, null), false);
        }

        var result = PackageVerifier.VerifyFolder(folder, new StoreTrustStore(store));
        var status = StatusName(result.Status);
        var integrity = result.Status is SignatureStatus.BadSignature or SignatureStatus.FileChanged or SignatureStatus.FileAdded or SignatureStatus.FileRemoved;
        if (integrity)
        {
            items.Add(new ValidationItem("signature", ValidationSeverities.Error, status, result.Problem ?? status, SignatureFileName, null));
        }
        else if (result.Status is SignatureStatus.Unsigned or SignatureStatus.UntrustedKey)
        {
            items.Add(new ValidationItem("signature", required ? ValidationSeverities.Error : ValidationSeverities.Warning, status, result.Problem ?? status, null,
                required ? $"the {levelName} level needs a valid signature from a trusted key: sign it with 'stockade sign <folder> --key <pem>' and trust the key with 'stockade trust add', or run it at another level" : null));
        }

        return (new SignatureSummary(status, result.KeyId, result.Problem), integrity);
    }

    private static void CheckAnalysis(PluginFolder folder, PluginManifest manifest, SecurityLevel level, List<ValidationItem> items)
    {
        var report = manifest.Runtime == PluginRuntime.Dotnet ? PluginAnalyzer.AnalyzeFolder(folder) : ScriptAnalyzer.AnalyzeFolder(folder);
        var declared = manifest.Permissions.All.Select(p => p.Permission.ToString()).ToArray();
        var comparison = report.CompareWith(declared, strict: LevelPresets.Get(level).AnalysisMustMatchDeclarations);
        foreach (var mismatch in comparison.Mismatches)
        {
            var first = mismatch.Evidence.Count > 0 ? mismatch.Evidence[0] : null;
            items.Add(new ValidationItem("analysis", Severity(mismatch.Severity),
                mismatch.Kind == PermissionMismatchKind.UsedButNotDeclared ? "undeclared-use" : "unused-permission",
                mismatch.Message, first is null ? null : Where(first),
                mismatch.Kind == PermissionMismatchKind.UsedButNotDeclared
                    ? $"declare '{mismatch.Permission}' in the manifest (and grant it), or remove the code that uses it (found by {string.Join(", ", mismatch.Evidence.Select(e => e.RuleId).Distinct(StringComparer.Ordinal))})"
                    : null));
        }

        // Uses no permission can allow (native code, dynamic code, private reflection…) need a person's review.
        foreach (var finding in report.Findings.Where(f => f.RequiredPermission is null))
        {
            items.Add(new ValidationItem("analysis", Severity(finding.Severity), finding.RuleId, finding.Message, Where(finding), null));
        }

        foreach (var skipped in report.SkippedFiles)
        {
            items.Add(new ValidationItem("analysis", ValidationSeverities.Info, "skipped", skipped.Reason, skipped.Path, null));
        }
    }

    private static List<string> CheckConflicts(PluginManifest manifest, StockadeStore store, List<ValidationItem> items)
    {
        var home = new StockadeHome(store.HomeDirectory);
        var installed = new List<PluginDescriptor>();
        foreach (var record in store.ListPlugins().Where(p => p.Id != manifest.Id))
        {
            var other = ManifestReader.ReadDirectory(home.InstallDirectory(record.Id, record.Version)).Manifest;
            if (other is not null)
            {
                installed.Add(Descriptor(other));
            }
        }

        var report = ConflictResolver.Check(installed, Descriptor(manifest));
        foreach (var conflict in report.Conflicts)
        {
            items.Add(new ValidationItem("conflict", Severity(conflict.Severity), ConflictCode(conflict.Kind), conflict.Message,
                string.Join(", ", conflict.Plugins), conflict.Suggestions.Count == 0 ? null : string.Join("; ", conflict.Suggestions)));
        }

        return [.. report.LoadOrder];
    }

    internal static PluginDescriptor Descriptor(PluginManifest manifest) => new()
    {
        Id = manifest.Id,
        Version = manifest.Version,
        Provides = [.. manifest.Provides.Select(p => new Analysis.Conflicts.ProvidedApi(p.Api, p.Version.ToNormalizedString()))],
        Requires = manifest.Requires,
        Conflicts = [.. manifest.Conflicts.Select(c => new DeclaredConflict(c.Id, c.Range?.ToNormalizedString()))],
        Exclusive = manifest.Exclusive,
    };

    private static string ConflictCode(ConflictKind kind) => string.Concat(kind.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private static string Where(AnalysisFinding finding) =>
        finding.Line is { } line ? $"{finding.Assembly}:{line}"
        : finding.TypeName is null ? finding.Assembly
        : $"{finding.TypeName}.{finding.MethodName} in {finding.Assembly}";

    internal static string StatusName(SignatureStatus status) => status switch
    {
        SignatureStatus.Valid => "valid",
        SignatureStatus.Unsigned => "unsigned",
        SignatureStatus.UntrustedKey => "untrusted-key",
        SignatureStatus.BadSignature => "bad-signature",
        SignatureStatus.FileChanged => "file-changed",
        SignatureStatus.FileAdded => "file-added",
        _ => "file-removed",
    };

    private static string Severity(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => ValidationSeverities.Error,
        DiagnosticSeverity.Warning => ValidationSeverities.Warning,
        _ => ValidationSeverities.Info,
    };

    private static string Severity(AnalysisSeverity severity) => severity switch
    {
        AnalysisSeverity.Error => ValidationSeverities.Error,
        AnalysisSeverity.Warning => ValidationSeverities.Warning,
        _ => ValidationSeverities.Hint,
    };
}
