using System.Text;
using System.Text.Json;
using Stockade.Analysis.Signing;
using Stockade.Core.Audit;
using Stockade.Core.Manifest;
using Stockade.Core.Permissions;
using Stockade.Core.Policy;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Store;
using Stockade.Hosting.Validation;
using Stockade.Linux.FileSystem;

namespace Stockade.Hosting.Installation;

/// <summary>
/// The operator's door to a home: installs, upgrades and uninstalls plugins, enables and disables them, records the
/// decisions on their permissions and manages the keys whose signatures the home trusts. Every change is audited
/// before it is made: when its record cannot be written (<see cref="AuditWriteException"/>) nothing was changed.
/// A running <see cref="PluginHost"/> on the same home sees grant changes (see <see cref="PluginHost.RefreshGrantsAsync"/>).
/// </summary>
public sealed class PluginInstaller
{
    private const string TrustAdded = "trust.added";
    private const string TrustRemoved = "trust.removed";
    private const string UnsignedAcknowledged = "audit.unsigned_acknowledged";
    private const string Grammar = "a permission is written category:action[=scope], e.g. file:read=/srv/photos/**, network:request=api.example.com:443, env:read=LANG";
    private readonly PluginHost _host;

    /// <summary>Creates an installer over the host's store, audit log and home.</summary>
    public PluginInstaller(PluginHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>
    /// Validates <paramref name="sourceDirectory"/>, copies it read-only into <c>plugins/&lt;id&gt;/&lt;version&gt;/</c>,
    /// records it and decides its permissions. An upgrade keeps the decisions the new manifest still covers and
    /// asks again for new permissions; the old version's folder is removed once the new one is in place.
    /// </summary>
    /// <exception cref="PluginRefusedException">Validation found errors (all listed), or a grant is wider than declared.</exception>
    /// <exception cref="AuditWriteException">Its audit record could not be written, or the space held for audit records is low; nothing was installed.</exception>
    public InstallResult Install(string sourceDirectory, InstallOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceDirectory);
        ArgumentNullException.ThrowIfNull(options);
        var catalog = _host.Catalog;
        var full = Path.GetFullPath(sourceDirectory);
        PluginFolder? folder = null;
        ValidationReport report;
        try
        {
            // Walked once as hostile; validation reads through it and the copy is made from its descriptors.
            folder = PluginFolder.Open(full, options.FolderLimits ?? _host.FolderLimits);
            report = PluginValidator.Validate(folder, options.Level ?? _host.DefaultLevel, _host.Store, catalog);
        }
        catch (DirectoryNotFoundException)
        {
            report = PluginValidator.Validate(full, options.Level ?? _host.DefaultLevel, _host.Store, catalog);
        }
        catch (PluginFolderRefusedException ex)
        {
            report = PluginValidator.Refused(full, ex);
        }

        using var _ = folder;
        var id = report.PluginId ?? Path.GetFileName(full);
        if (!report.IsValid)
        {
            if (report.IsIntegrityFailure)
            {
                Audit(AuditActions.SignatureFailure, AuditDecision.Deny, id, null, options.By, new() { ["status"] = report.Signature.Status, ["source"] = report.Directory });
            }

            throw new PluginRefusedException(id, $"plugin '{id}' cannot be installed: {report.Errors.Count} problem(s)", [.. report.Errors.Select(e => e.ToString())],
                report.IsIntegrityFailure ? "the package is not as its author signed it; get it again from its author." : $"fix them, then run 'stockade validate {sourceDirectory}' to check.",
                integrity: report.IsIntegrityFailure);
        }

        var manifest = report.Manifest!;
        var requested = ParseRequestedGrants(manifest, options.Grants, catalog);
        if (options.Review is { } review && !review(report))
        {
            // Declined at review (issue 18): the same report the copy below is made from, and nothing done yet.
            throw new PluginPermissionDeniedException(manifest.Id, $"plugin '{manifest.Id}' was not installed: its permissions were declined at review", null, "install", null);
        }

        RefuseWhileAuditReserveLow(); // an install adds what may run, like a grant
        var previous = _host.Store.GetPlugin(manifest.Id);
        var target = _host.Home.InstallDirectory(manifest.Id, manifest.Version);

        // Copied aside first (the copy is what the hash and the record name); nothing in the home changes until the
        // record is written (audit before act): a staging folder is all a failed record leaves, and it is removed.
        string staging, hash;
        try
        {
            (staging, hash) = StageCopy(folder!, manifest);
        }
        catch (PluginFolderRefusedException ex)
        {
            throw new PluginRefusedException(manifest.Id, $"plugin '{manifest.Id}' cannot be installed: '{ex.Entry}' {ex.Problem}", [], ex.NextStep);
        }

        try
        {
            Audit(AuditActions.PluginInstalled, AuditDecision.Info, manifest.Id, null, options.By, new()
            {
                ["version"] = manifest.Version,
                ["previous"] = previous?.Version ?? string.Empty,
                ["hash"] = hash,
                ["signature"] = report.Signature.Status,
            });
            foreach (var warning in report.Items.Where(i => i.Severity == ValidationSeverities.Warning))
            {
                // What the person was warned about at install stays on the record (DESIGN §9: validation warning).
                Audit(AuditActions.ValidationWarning, AuditDecision.Info, manifest.Id, null, options.By, new()
                {
                    ["version"] = manifest.Version,
                    ["stage"] = warning.Stage,
                    ["code"] = warning.Code,
                    ["message"] = warning.Message,
                    ["location"] = warning.Location ?? string.Empty,
                });
            }

            InstalledFiles.Delete(target);
            Directory.Move(staging, target);
        }
        finally
        {
            InstalledFiles.Delete(staging); // gone already when moved into place
            if (!Directory.Exists(target))
            {
                DeleteIfEmpty(Path.Combine(_host.Home.PluginsRoot, manifest.Id));
            }
        }

        _host.Store.UpsertPlugin(new PluginRecord(manifest.Id, manifest.Version, report.Directory, _host.Time.GetUtcNow(), hash, previous?.Enabled ?? true, ManifestSummary(manifest)));
        if (previous is not null && previous.Version != manifest.Version)
        {
            InstalledFiles.Delete(_host.Home.InstallDirectory(previous.Id, previous.Version));
        }

        DecideGrants(manifest, previous is not null, requested, options, catalog);
        return new InstallResult(manifest.Id, manifest.Version, target, previous is not null,
            PluginValidator.Views(manifest, _host.Store.GetGrants(manifest.Id), catalog),
            [.. report.Items.Where(i => i.Severity is ValidationSeverities.Warning or ValidationSeverities.Hint)]);
    }

    /// <summary>Removes the plugin: its record, grants, key-value data and config, and its installed files. The data folder is kept unless <paramref name="purgeData"/>.</summary>
    /// <exception cref="PluginNotFoundException">No plugin with that id is installed.</exception>
    /// <exception cref="AuditWriteException">Its audit record could not be written; nothing was removed.</exception>
    public void Uninstall(string pluginId, bool purgeData = false, string by = "cli")
    {
        var record = Require(pluginId);
        Audit(AuditActions.PluginUninstalled, AuditDecision.Info, record.Id, null, by, new() { ["version"] = record.Version, ["dataPurged"] = purgeData ? "true" : "false" });
        _host.Store.RemovePlugin(pluginId);
        InstalledFiles.Delete(Path.Combine(_host.Home.PluginsRoot, record.Id));
        if (purgeData)
        {
            // The plugin writes there: removed through descriptors, a planted link is unlinked, never followed.
            SafeTree.Remove(_host.Home.DataDirectory(record.Id));
        }
    }

    /// <summary>Grants a permission the manifest declares (or a narrower one).</summary>
    /// <exception cref="PluginNotFoundException">No plugin with that id is installed.</exception>
    /// <exception cref="PluginRefusedException">The permission is malformed, or wider than anything the manifest declares.</exception>
    /// <exception cref="AuditWriteException">Its audit record could not be written, or the space held for audit records is low; nothing was stored.</exception>
    public GrantChange Grant(string pluginId, string permission, string by)
    {
        var record = Require(pluginId);
        RefuseWhileAuditReserveLow();

        var catalog = _host.Catalog;
        var manifest = InstalledManifest(record, catalog);
        var parsed = ParseGrant(pluginId, permission, catalog);
        var validation = PolicyBuilder.ValidateGrant(manifest, parsed, catalog);
        if (!validation.Ok)
        {
            throw new PluginRefusedException(pluginId, $"'{parsed}' cannot be granted to '{pluginId}'", [validation.Message],
                $"grant only what it declares: 'stockade permissions {pluginId}' lists it.");
        }

        // Through the host, so a loaded plugin's policy changes before this returns (PluginHost.ChangeGrants).
        return _host.ChangeGrants(pluginId, () =>
        {
            var before = StoredDecision(pluginId, parsed.ToString());
            Store(pluginId, parsed, allowed: true, Optional(manifest, parsed), by);
            return new GrantChange(pluginId, parsed.ToString(), before, "granted", PermissionDescriber.Describe(parsed));
        });
    }

    /// <summary>
    /// Revokes a permission: every granted permission it covers becomes denied. A running host applies it on
    /// the plugin's next brokered call, or restarts its worker for file, subprocess and env permissions.
    /// </summary>
    /// <exception cref="PluginNotFoundException">No plugin with that id is installed.</exception>
    /// <exception cref="PluginRefusedException">The permission is malformed.</exception>
    public GrantChange Revoke(string pluginId, string permission, string by)
    {
        var record = Require(pluginId);
        var catalog = _host.Catalog;
        var manifest = InstalledManifest(record, catalog);
        var parsed = ParseGrant(pluginId, permission, catalog);
        var text = parsed.ToString();

        // Through the host, so a loaded plugin's policy changes before this returns (PluginHost.ChangeGrants); the
        // record first, then the store (audit before act): a revoke that cannot be recorded changes nothing.
        return _host.ChangeGrants(pluginId, () =>
        {
            var covered = _host.Store.GetGrants(pluginId).Where(g => g.Allowed)
                .Where(g => g.Permission == text || (Permission.TryParse(g.Permission, catalog, out var stored, out _) && parsed.Implies(stored)))
                .ToList();
            var before = covered.Count > 0 ? "granted" : StoredDecision(pluginId, text);
            Audit(AuditActions.PermissionRevoked, AuditDecision.Deny, pluginId, text, by, []);
            foreach (var grant in covered)
            {
                _host.Store.RemoveGrant(pluginId, grant.Permission);
            }

            _host.Store.SetGrant(new GrantRecord(pluginId, text, false, Optional(manifest, parsed), _host.Time.GetUtcNow(), by));
            return new GrantChange(pluginId, text, before, "denied", PermissionDescriber.Describe(parsed));
        });
    }

    /// <summary>Enables or disables a plugin; a disabled plugin cannot be loaded.</summary>
    /// <exception cref="PluginNotFoundException">No plugin with that id is installed.</exception>
    /// <exception cref="AuditWriteException">Its audit record could not be written (or, to enable, the space held for audit records is low); nothing was changed.</exception>
    public void SetEnabled(string pluginId, bool enabled, string by)
    {
        Require(pluginId);
        if (enabled)
        {
            RefuseWhileAuditReserveLow(); // enabling lets it run again; disabling narrows and may use the reserve
        }

        Audit(enabled ? AuditActions.PluginEnabled : AuditActions.PluginDisabled, AuditDecision.Info, pluginId, null, by, []);
        _host.Store.SetEnabled(pluginId, enabled);
    }

    /// <summary>The plugins installed in the home, ordered by id.</summary>
    public IReadOnlyList<InstalledPlugin> ListInstalled() =>
        [.. _host.Store.ListPlugins().Select(p => new InstalledPlugin(p.Id, p.Version, p.Enabled, p.InstalledAt, p.Source, p.FilesHash))];

    /// <summary>
    /// Trusts a signing key: packages it signed verify, and at the strict level only signed packages load. Trusting a
    /// key already trusted renames it.
    /// </summary>
    /// <param name="publicKeyPem">The ECDSA P-256 public key, PEM (the <c>.pub.pem</c> file of <c>stockade keygen</c>).</param>
    /// <param name="name">A name to remember it by.</param>
    /// <param name="by">Who trusts it (recorded).</param>
    /// <returns>The key as trusted, with its id.</returns>
    /// <exception cref="ArgumentException"><paramref name="publicKeyPem"/> is not a public key in PEM form (a private key is refused).</exception>
    /// <exception cref="AuditWriteException">Its audit record could not be written, or the space held for audit records is low; nothing was trusted.</exception>
    public TrustedKey TrustKey(string publicKeyPem, string name, string by)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKeyPem);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(by);
        if (publicKeyPem.Contains("PRIVATE KEY", StringComparison.Ordinal) || !PackageSigner.TryComputeKeyId(publicKeyPem, out var keyId))
        {
            throw new ArgumentException("not a public key in PEM form (give the .pub.pem file written by 'stockade keygen', never the private key)", nameof(publicKeyPem));
        }

        RefuseWhileAuditReserveLow(); // a trusted key lets more packages in
        var key = new TrustedKey(keyId, name, publicKeyPem, _host.Time.GetUtcNow());
        AuditTrust(TrustAdded, keyId, name, by);
        _host.Store.AddTrustedKey(key);
        return key;
    }

    /// <summary>The keys the home trusts, ordered by name then id.</summary>
    public IReadOnlyList<TrustedKey> ListTrustedKeys() => _host.Store.ListTrustedKeys();

    /// <summary>Stops trusting a key. False (and nothing recorded) when it was not trusted.</summary>
    /// <param name="keyId">The key id (<see cref="TrustedKey.KeyId"/>).</param>
    /// <param name="by">Who removes it (recorded).</param>
    /// <exception cref="AuditWriteException">Its audit record could not be written; the key is still trusted.</exception>
    public bool DistrustKey(string keyId, string by)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentNullException.ThrowIfNull(by);
        if (_host.Store.ListTrustedKeys().FirstOrDefault(k => k.KeyId == keyId) is not { } key)
        {
            return false;
        }

        AuditTrust(TrustRemoved, key.KeyId, key.Name, by);
        return _host.Store.RemoveTrustedKey(keyId);
    }

    /// <summary>
    /// Acknowledges audit records no signed head covers and no running writer will sign — a writer killed (power cut,
    /// SIGKILL) before its next head leaves such a span, and <c>verify</c> fails on it until a person who has read the
    /// records vouches for them. <paramref name="from"/>–<paramref name="to"/> must be exactly the span <c>verify</c>
    /// names; the acknowledgement is recorded first (<c>audit.unsigned_acknowledged</c>: the span, who, why), then a
    /// head over the span is signed with <paramref name="key"/> (reason <c>recovered</c>). Never automatic: records
    /// appended by hand while no writer ran look the same, so only a person may vouch for them.
    /// </summary>
    /// <param name="from">The first record of the span.</param>
    /// <param name="to">The last record of the span.</param>
    /// <param name="reason">Why the operator vouches for them (recorded).</param>
    /// <param name="by">Who acknowledges (recorded).</param>
    /// <param name="key">The audit signing key (private part): the one that signs this home's heads.</param>
    /// <returns>The log verified again after the acknowledgement.</returns>
    /// <exception cref="InvalidOperationException">There is no such span: the log verifies, has another problem, or the span differs (the message names what <c>verify</c> found).</exception>
    /// <exception cref="AuditWriteException">The record or the head could not be written; nothing was acknowledged if the record failed.</exception>
    public AuditVerifyResult AcknowledgeUnsignedRecords(long from, long to, string reason, string by, AuditSigningKey key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentNullException.ThrowIfNull(by);
        ArgumentNullException.ThrowIfNull(key);
        if (!key.CanSign)
        {
            throw new InvalidOperationException($"the key {key.KeyId} holds only a public part: acknowledging needs the private audit signing key");
        }

        var directory = _host.Home.AuditDirectory;
        AuditVerifyResult Verify() => AuditVerifier.Verify(directory, new AuditVerifyOptions
        {
            StoreHead = _host.Store.Read(),
            RequireStoreHead = true,
            Key = key,
            WriterOpen = AuditLog.IsOpenByAWriter(directory),
        });

        _host.Audit.FlushAsync().GetAwaiter().GetResult();
        var before = Verify();
        if (before.Ok)
        {
            throw new InvalidOperationException(before.UnsignedTail is > 0
                ? $"records {before.Records - before.UnsignedTail + 1}–{before.Records} are waiting for their running writer's next signed head: nothing to acknowledge — verify again in a few seconds"
                : "the audit log verifies: no record is left unsigned, nothing to acknowledge");
        }

        if (before.UnsignedFrom is not { } foundFrom || before.UnsignedTo is not { } foundTo)
        {
            throw new InvalidOperationException($"the audit log has another problem than unsigned records, which no acknowledgement mends: {before.Problem}");
        }

        if (foundFrom != from || foundTo != to)
        {
            throw new InvalidOperationException($"records {foundFrom}–{foundTo} are the ones left unsigned, not {from}–{to}: acknowledge exactly the span verify names, after reading it");
        }

        var last = FindRecord(directory, to)
            ?? throw new InvalidOperationException($"record {to} was not found in {directory} although verify saw it: run verify again");

        // The record first: if it cannot be written, nothing is acknowledged.
        _host.Audit.AppendAsync(new AuditEntry(UnsignedAcknowledged, AuditDecision.Info, AuditLayer.Cli)
        {
            Resource = $"{from}-{to}",
            Details = new Dictionary<string, string> { ["from"] = from.ToString(System.Globalization.CultureInfo.InvariantCulture), ["to"] = to.ToString(System.Globalization.CultureInfo.InvariantCulture), ["reason"] = reason, ["by"] = by },
        }).AsTask().GetAwaiter().GetResult();
        _host.Audit.FlushAsync().GetAwaiter().GetResult();

        var head = AuditSignedHead.Create(to, last.Record.Hash, last.File, _host.Time.GetUtcNow(), AuditVerifier.RecoveredReason, [(from, to)], key, writer: "operator");
        AuditFileWriter.AppendOperatorHead(directory, head, TimeSpan.FromSeconds(10));
        return Verify();
    }

    private static (AuditRecord Record, string File)? FindRecord(string directory, long seq)
    {
        foreach (var (_, path) in AuditFiles.List(directory))
        {
            foreach (var (_, line) in JsonlLines.Read(path))
            {
                if (AuditRecordFormat.TryParseLine(line.Span, out var record, out _) && record!.Seq == seq)
                {
                    return (record, Path.GetFileName(path));
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Every declared permission of an installed plugin: required or optional, its decision, meaning, when and by whom.
    /// The decisions come from the policy the broker enforces (<see cref="SandboxPolicy.Check"/> on the policy built
    /// from the stored grants), so what the review calls granted is exactly what a brokered call is allowed:
    /// <c>granted</c> (all of it), <c>partly-granted</c> (only narrower grants, listed among the other grants),
    /// <c>denied</c>, or <c>not-granted</c>; another stored grant is <c>granted</c>, <c>denied</c> or <c>ignored</c>
    /// (no declaration covers it, so the broker does not honour it).
    /// </summary>
    /// <exception cref="PluginNotFoundException">No plugin with that id is installed.</exception>
    public PermissionsReport GetPermissions(string pluginId)
    {
        var record = Require(pluginId);
        var catalog = _host.Catalog;
        var manifest = InstalledManifest(record, catalog);
        var grants = _host.Store.GetGrants(pluginId);
        var policy = _host.BuildPolicy(manifest, [.. grants.Select(_host.ToGrant).OfType<Grant>()], SecurityLevel.Sandboxed, _host.Home.InstallDirectory(record.Id, record.Version));
        var declared = new List<PermissionStatus>();
        var exact = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (request, required) in manifest.Permissions.Required.Select(r => (r, true)).Concat(manifest.Permissions.Optional.Select(r => (r, false))))
        {
            var text = request.Permission.ToString();
            var grant = grants.FirstOrDefault(g => g.Permission == text);
            if (grant is not null)
            {
                exact.Add(grant.Permission);
            }

            var decision = ReviewDecision(policy.Check(request.Permission).Kind, request.Permission, grants, catalog);
            declared.Add(new PermissionStatus(new PermissionView(text, required, request.Reason, PermissionDescriber.Describe(request.Permission), decision), grant?.GrantedAt, grant?.GrantedBy));
        }

        var others = grants.Where(g => !exact.Contains(g.Permission)).Select(g => new PermissionStatus(
            new PermissionView(g.Permission, !g.Optional, null, PermissionDescriber.Describe(g.Permission, catalog), OtherDecision(g, policy, catalog)), g.GrantedAt, g.GrantedBy)).ToList();
        return new PermissionsReport(record.Id, record.Version, record.Enabled, declared, others);
    }

    /// <summary>The review's word for the broker's decision on a declared permission.</summary>
    private static string ReviewDecision(DecisionKind kind, Permission declared, IReadOnlyList<GrantRecord> grants, PermissionCatalog catalog) => kind switch
    {
        DecisionKind.Granted => "granted",
        DecisionKind.Denied => "denied",
        _ when grants.Any(g => g.Allowed && Permission.TryParse(g.Permission, catalog, out var narrower, out _) && declared.Implies(narrower)) => "partly-granted",
        _ => "not-granted",
    };

    private static string OtherDecision(GrantRecord grant, SandboxPolicy policy, PermissionCatalog catalog)
    {
        if (!grant.Allowed)
        {
            return "denied";
        }

        return Permission.TryParse(grant.Permission, catalog, out var parsed, out _) && policy.Check(parsed).Kind == DecisionKind.Granted ? "granted" : "ignored";
    }

    private void DecideGrants(PluginManifest manifest, bool upgrade, IReadOnlyList<Permission>? requested, InstallOptions options, PermissionCatalog catalog)
    {
        // An upgrade keeps only the decisions the new manifest still covers.
        if (upgrade)
        {
            foreach (var grant in _host.Store.GetGrants(manifest.Id))
            {
                if (!Permission.TryParse(grant.Permission, catalog, out var stored, out _) || !PolicyBuilder.ValidateGrant(manifest, stored, catalog).Ok)
                {
                    Audit(AuditActions.PermissionRevoked, AuditDecision.Deny, manifest.Id, grant.Permission, options.By, new() { ["reason"] = $"version {manifest.Version} no longer declares it" });
                    _host.Store.RemoveGrant(manifest.Id, grant.Permission);
                }
            }
        }

        foreach (var permission in requested ?? [])
        {
            Store(manifest.Id, permission, allowed: true, Optional(manifest, permission), options.By);
        }

        var all = options.Grants.Any(g => string.Equals(g, "all", StringComparison.OrdinalIgnoreCase));
        var none = options.Grants.Any(g => string.Equals(g, "none", StringComparison.OrdinalIgnoreCase));
        foreach (var (request, required) in manifest.Permissions.Required.Select(r => (r, true)).Concat(manifest.Permissions.Optional.Select(r => (r, false))))
        {
            var grants = _host.Store.GetGrants(manifest.Id);
            var (decision, _) = PluginValidator.Decide(request.Permission, grants, catalog);
            if (decision != "not-granted" || grants.Any(g => !g.Allowed && g.Permission == request.Permission.ToString()))
            {
                continue;
            }

            if (all)
            {
                Store(manifest.Id, request.Permission, allowed: true, !required, options.By);
            }
            else if (!none && !options.Yes && options.Ask is { } ask)
            {
                var view = PluginValidator.View(request, required, grants, catalog);
                Store(manifest.Id, request.Permission, ask(view), !required, options.By);
            }
        }
    }

    private List<Permission>? ParseRequestedGrants(PluginManifest manifest, IReadOnlyList<string> texts, PermissionCatalog catalog)
    {
        var problems = new List<string>();
        var parsed = new List<Permission>();
        foreach (var text in texts.Where(t => !string.Equals(t, "all", StringComparison.OrdinalIgnoreCase) && !string.Equals(t, "none", StringComparison.OrdinalIgnoreCase)))
        {
            if (!Permission.TryParse(text, catalog, out var permission, out var error))
            {
                problems.Add($"--grant {text}: {error}; {Grammar}");
                continue;
            }

            var validation = PolicyBuilder.ValidateGrant(manifest, permission, catalog);
            if (validation.Ok)
            {
                parsed.Add(permission);
            }
            else
            {
                problems.Add($"--grant {text}: {validation.Message}");
            }
        }

        return problems.Count == 0
            ? parsed
            : throw new PluginRefusedException(manifest.Id, $"plugin '{manifest.Id}' was not installed: some grants cannot be given", problems,
                $"grant only what the manifest declares ('stockade validate <folder>' lists it); nothing was installed.");
    }

    // The copy, made read-only beside its final place (same file system, so moving it there is a rename).
    // A native plugin's entry stays executable in the copy (the launcher execs it); nothing else does.
    private (string Staging, string Hash) StageCopy(PluginFolder source, PluginManifest manifest)
    {
        var staging = Path.Combine(_host.Home.PluginsRoot, manifest.Id, $".staging-{Guid.NewGuid():N}");
        try
        {
            var hash = InstalledFiles.Copy(source, staging);
            InstalledFiles.MakeReadOnly(staging, manifest.Runtime == PluginRuntime.Native ? manifest.Entry : null);
            return (staging, hash);
        }
        catch
        {
            InstalledFiles.Delete(staging);
            throw;
        }
    }

    private static void DeleteIfEmpty(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not empty, or already gone: either way nothing of a failed install is left in it.
        }
    }

    private void RefuseWhileAuditReserveLow()
    {
        if (_host.Audit.AdmissionRefusal is { } low)
        {
            // What widens what may run (install, enable, grant, trust) is refused, like a brokered call, while the
            // space held for audit records is low; what narrows it (uninstall, disable, revoke, distrust) may use it.
            throw new AuditWriteException(low);
        }
    }

    private void AuditTrust(string action, string keyId, string name, string by) =>
        _host.Audit.AppendAsync(new AuditEntry(action, AuditDecision.Info, AuditLayer.Cli)
        {
            Resource = keyId,
            Details = new Dictionary<string, string> { ["name"] = name, ["by"] = by },
        }).AsTask().GetAwaiter().GetResult();

    private void Store(string pluginId, Permission permission, bool allowed, bool optional, string by, string? action = null)
    {
        // The record first: a grant whose record cannot be written is not stored (AuditWriteException).
        Audit(action ?? (allowed ? AuditActions.PermissionGranted : AuditActions.PermissionDenied), allowed ? AuditDecision.Allow : AuditDecision.Deny, pluginId, permission.ToString(), by, []);
        _host.Store.SetGrant(new GrantRecord(pluginId, permission.ToString(), allowed, optional, _host.Time.GetUtcNow(), by));
    }

    private string StoredDecision(string pluginId, string text) =>
        _host.Store.GetGrants(pluginId).FirstOrDefault(g => g.Permission == text) is { } g ? (g.Allowed ? "granted" : "denied") : "not-granted";

    private static bool Optional(PluginManifest manifest, Permission permission) =>
        !manifest.Permissions.Required.Any(r => r.Permission.Implies(permission));

    private static Permission ParseGrant(string pluginId, string text, PermissionCatalog catalog) =>
        Permission.TryParse(text, catalog, out var permission, out var error)
            ? permission
            : throw new PluginRefusedException(pluginId, $"'{text}' is not a permission: {error}", [Grammar], "write it as category:action[=scope], as the manifest declares it.");

    private PluginRecord Require(string pluginId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pluginId);
        return _host.Store.GetPlugin(pluginId)
            ?? throw new PluginNotFoundException(pluginId, $"no plugin '{pluginId}' is installed", "run 'stockade list' to see the installed plugins.");
    }

    private PluginManifest InstalledManifest(PluginRecord record, PermissionCatalog catalog)
    {
        var directory = _host.Home.InstallDirectory(record.Id, record.Version);
        return ManifestReader.ReadDirectory(directory, catalog).Manifest
            ?? throw new PluginRefusedException(record.Id, $"the installed copy of '{record.Id}' in {directory} has no readable manifest", [],
                $"install it again: stockade install <its folder>");
    }

    private void Audit(string action, AuditDecision decision, string pluginId, string? permission, string by, Dictionary<string, string> details)
    {
        details["by"] = by;
        _host.Audit.AppendAsync(new AuditEntry(action, decision, AuditLayer.Cli) { Plugin = pluginId, Permission = permission, Details = details }).AsTask().GetAwaiter().GetResult();
    }

    private static string ManifestSummary(PluginManifest manifest)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", manifest.Id);
            json.WriteString("name", manifest.Name);
            json.WriteString("version", manifest.Version);
            json.WriteString("description", manifest.Description);
            json.WriteString("publisher", manifest.Publisher);
            json.WriteString("runtime", manifest.Runtime.ToString().ToLowerInvariant());
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
