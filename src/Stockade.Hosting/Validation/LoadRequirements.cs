using Stockade.Core.Audit;
using Stockade.Core.Manifest;
using Stockade.Core.Policy;

namespace Stockade.Hosting.Validation;

/// <summary>
/// Enforces at load what a level requires of a plugin (see <see cref="LevelPreset.RequiresSignature"/> and
/// <see cref="LevelPreset.AnalysisMustMatchDeclarations"/>), the same way for a folder run and an installed copy,
/// before any worker exists. A refusal is audited first (<c>signature.failure</c> or <c>validation.warning</c>
/// with decision deny, layer loader) and then thrown.
/// </summary>
internal static class LoadRequirements
{
    /// <summary>Checks <paramref name="directory"/> against <paramref name="preset"/> (a built-in level's or a host's named policy).</summary>
    /// <exception cref="PluginRefusedException">The level's requirements are not met; every problem is listed.</exception>
    internal static async Task EnforceAsync(PluginHost host, string directory, PluginManifest manifest, LevelPreset preset, bool installed)
    {
        var items = PluginValidator.CheckForLoad(directory, manifest, preset, host.Store, host.FolderLimits, checkSignature: !installed);
        var errors = items.Where(i => i.Severity == ValidationSeverities.Error).ToList();
        if (errors.Count == 0)
        {
            return;
        }

        var integrity = false;
        foreach (var error in errors)
        {
            var signature = error.Stage == "signature";
            integrity |= signature && error.Code is not ("unsigned" or "untrusted-key");
            await host.Audit.AppendAsync(new AuditEntry(signature ? AuditActions.SignatureFailure : AuditActions.ValidationWarning, AuditDecision.Deny, AuditLayer.Loader)
            {
                Plugin = manifest.Id,
                Resource = directory,
                Details = new Dictionary<string, string>
                {
                    ["level"] = preset.Name,
                    ["stage"] = error.Stage,
                    ["code"] = error.Code,
                    ["message"] = error.Message,
                    ["location"] = error.Location ?? string.Empty,
                },
            }).ConfigureAwait(false);
        }

        var name = preset.Name;
        var nextStep = errors.Any(e => e.Stage == "signature")
            ? integrity
                ? "the files are not as their author signed them; get the plugin again from its author."
                : $"the {name} level runs only plugins signed by a trusted key: create a key with 'stockade keygen --out <prefix>', sign with 'stockade sign <folder> --key <prefix>.key.pem', trust it with 'stockade trust add <prefix>.pub.pem', or run it at a lower level (--level sandboxed)."
            : $"the {name} level runs only plugins whose code uses nothing beyond what they declare: declare what the findings name, or run it at a lower level (--level sandboxed).";
        throw new PluginRefusedException(manifest.Id, $"plugin '{manifest.Id}' was not loaded at the {name} level: {errors.Count} problem(s)",
            [.. errors.Select(e => e.ToString())], nextStep, integrity);
    }
}
