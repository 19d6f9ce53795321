using Stockade.Analysis.Signing;
using Stockade.Core.Audit;
using Stockade.Core.Policy;
using Stockade.Hosting.Store;
using Stockade.Hosting.Validation;

namespace Stockade.Hosting.Loading;

/// <summary>
/// Checks an installed copy before it runs: its files are the ones installed (hash), and at strict and unrestricted it
/// carries a valid signature from a trusted key. A refusal is audited (<c>signature.failure</c>) before it is thrown.
/// </summary>
internal sealed class InstalledCopyVerifier(StockadeStore store, Func<Linux.FileSystem.PluginFolderLimits> folderLimits, Func<AuditEntry, ValueTask<AuditRecord>> audit)
{
    private readonly StockadeStore _store = store;
    private readonly Func<Linux.FileSystem.PluginFolderLimits> _folderLimits = folderLimits;
    private readonly Func<AuditEntry, ValueTask<AuditRecord>> _audit = audit;

    /// <summary>
    /// The installed copy must be the one that was installed (files hash), and at strict and unrestricted
    /// it must carry a valid signature from a trusted key.
    /// </summary>
    public async Task VerifyAsync(PluginRecord record, string directory, string levelText, LevelPreset? named = null)
    {
        string? problem = null;
        var integrity = false;
        string status;
        if (!Directory.Exists(directory))
        {
            (problem, integrity, status) = ($"the installed copy {directory} is missing", true, "missing");
        }
        else if (Installation.InstalledFiles.Hash(directory, _folderLimits()) != record.FilesHash)
        {
            (problem, integrity, status) = ($"the installed copy in {directory} changed after it was installed", true, "files-changed");
        }
        else
        {
            status = "ok";
            var preset = named ?? (SecurityLevelNames.TryParse(levelText, out var level) ? LevelPresets.Get(level) : null); // a host's named policy too (issue 18)
            if (preset is { RequiresSignature: true })
            {
                var verification = PackageVerifier.Verify(directory, new StoreTrustStore(_store));
                status = PluginValidator.StatusName(verification.Status);
                if (!verification.IsValid)
                {
                    integrity = verification.Status is not (Analysis.Signing.SignatureStatus.Unsigned or Analysis.Signing.SignatureStatus.UntrustedKey);
                    problem = $"the {preset.Name} level needs a valid signature from a trusted key: {verification.Problem}";
                }
            }
        }

        if (problem is null)
        {
            return;
        }

        await _audit(new AuditEntry(AuditActions.SignatureFailure, AuditDecision.Deny, AuditLayer.Loader)
        {
            Plugin = record.Id,
            Resource = directory,
            Details = new Dictionary<string, string> { ["status"] = status, ["version"] = record.Version },
        }).ConfigureAwait(false);
        throw new PluginRefusedException(record.Id, $"plugin '{record.Id}' was not loaded: {problem}", [problem],
            integrity ? $"reinstall it from a copy you trust: stockade install <folder> (the files may have been tampered with)" : "sign it and trust the key ('stockade trust add'), or run it at another level.",
            integrity);
    }
}
