using Stockade.Analysis;
using Stockade.Analysis.Scripts;
using Stockade.Analysis.Signing;
using Stockade.Core.Policy;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// Strict runs only plugins signed by a trusted key whose code uses nothing it does not declare (issue 15, folder
/// runs included). Tests that load a plugin at strict to watch the kernel contain it prepare its folder here: what
/// the analysis finds is declared as optional (never granted, so nothing is widened), then the folder is signed
/// with a throwaway key the host trusts.
/// </summary>
public static class StrictSigning
{
    /// <summary>Signs <paramref name="folder"/> with a new key and trusts that key in <paramref name="host"/>'s store.</summary>
    public static void SignAndTrust(PluginHost host, string folder)
    {
        var keys = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"stockade-keys-{Guid.NewGuid():N}")).FullName;
        try
        {
            var key = PackageSigner.GenerateKey(Path.Combine(keys, "signer"));
            PackageSigner.Sign(folder, File.ReadAllText(key.PrivateKeyPath)).Succeeded.ShouldBeTrue();
            host.Store.AddTrustedKey(new TrustedKey(key.KeyId, "tests", File.ReadAllText(key.PublicKeyPath), DateTimeOffset.UtcNow));
        }
        finally
        {
            Directory.Delete(keys, recursive: true);
        }
    }

    /// <summary>
    /// For a level that requires it: declares what the analysis finds as optional (when the level requires the
    /// findings to match), then signs the folder and trusts the key. Returns the folder.
    /// </summary>
    public static string ForLevel(PluginHost host, string folder, string? level)
    {
        if (level is null || !SecurityLevelNames.TryParse(level, out var parsed))
        {
            return folder;
        }

        var preset = LevelPresets.Get(parsed);
        if (preset.AnalysisMustMatchDeclarations)
        {
            DeclareFindings(folder);
        }

        if (preset.RequiresSignature)
        {
            SignAndTrust(host, folder);
        }

        return folder;
    }

    /// <summary>Adds an <c>optional:</c> list to the manifest's permissions with every use the analysis finds undeclared.</summary>
    public static void DeclareFindings(string folder)
    {
        var manifestPath = Path.Combine(folder, "plugin.yaml");
        var text = File.ReadAllText(manifestPath);
        var dotnet = text.Contains("runtime: dotnet", StringComparison.Ordinal);
        var report = dotnet ? PluginAnalyzer.AnalyzeDirectory(folder) : ScriptAnalyzer.AnalyzeDirectory(folder);
        var declared = Stockade.Core.Manifest.ManifestReader.ReadDirectory(folder).Manifest!.Permissions.All.Select(p => p.Permission.ToString()).ToArray();
        var missing = report.CompareWith(declared, strict: true).Mismatches
            .Where(m => m.Kind == PermissionMismatchKind.UsedButNotDeclared)
            .Where(m => !m.Permission.EndsWith(":*", StringComparison.Ordinal)) // a wildcard action is covered by the named ones listed beside it
            .Select(m => Scoped(m.Permission)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var lines = text.Split('\n').ToList();
        string[] optional = ["  optional:", .. missing.SelectMany(p => new[] { $"    - permission: {p}", "      reason: declared so strict's analysis matches; never granted" })];
        var at = lines.FindIndex(l => l.TrimEnd() == "  required:" || l.StartsWith("  required: ", StringComparison.Ordinal));
        if (at >= 0)
        {
            lines.InsertRange(at, optional);
        }
        else if (lines.Exists(l => l.StartsWith("permissions:", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"{manifestPath} has a 'permissions:' block without a 'required:' list to place the declarations before");
        }
        else
        {
            lines.InsertRange(lines.Count, ["permissions:", .. optional]); // a manifest that declares nothing
        }

        File.WriteAllText(manifestPath, string.Join('\n', lines));
    }

    /// <summary>A harmless scope for a used <c>category:action</c>, so the declaration parses and covers the use.</summary>
    private static string Scoped(string permission) => permission.Split(':')[0] switch
    {
        "file" => permission + "=$PLUGIN_DATA/**",
        "subprocess" => permission + "=/usr/bin/true",
        "network" => permission + "=example.invalid",
        "env" => permission + "=STOCKADE_UNUSED",
        _ => permission,
    };
}
