using System.Text.Json;
using Stockade.Analysis.Signing;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Store;
using Stockade.Hosting.Tests.Host;
using Stockade.Hosting.Tests.Installation;

namespace Stockade.Hosting.Tests.Validation;

/// <summary>
/// Issue 15: strict means strict for every way a plugin is started. A folder run at strict needs a valid
/// signature from a trusted key, and code that uses what it does not declare (here: Python's HTTP client with
/// no network permission) is refused at strict with the finding named, before any worker starts; at sandboxed
/// it loads, and the install records the mismatch as a <c>validation.warning</c>.
/// </summary>
[Trait("Issue", "15")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StrictLoadTests : HostWorldTest
{
    private const string Id = "t.strict15";
    private const string NetworkUse = "\nimport urllib.request\n";
    [Fact]
    public async Task LoadAsync_FolderAtStrict_Unsigned_RefusedSayingHowToSign_AndAudited()
    {
        var folder = Fixture();

        var refused = await Should.ThrowAsync<PluginRefusedException>(() => Host.LoadAsync(folder, new PluginLoadOptions { Level = "strict" }));

        refused.IsIntegrityFailure.ShouldBeFalse();
        refused.NextStep.ShouldNotBeNull().ShouldContain("stockade sign");
        refused.Problems.ShouldContain(p => p.Contains("unsigned", StringComparison.Ordinal));
        Host.Plugins.ShouldBeEmpty();
        var records = await AuditAsync();
        records.ShouldContain(r => r.Action == AuditActions.SignatureFailure && r.Decision == AuditDecision.Deny && r.Layer == AuditLayer.Loader);
        records.ShouldNotContain(r => r.Action == AuditActions.PluginStarted);
    }

    [Fact]
    public async Task LoadAsync_FolderAtStrict_SignedByTrustedKey_Loads()
    {
        var folder = Fixture();
        SignAndTrust(folder);

        await Host.LoadAsync(folder, new PluginLoadOptions { Level = "strict" });
        var result = await Host.InvokeAsync(Id, "config", JsonSerializer.SerializeToElement(new { }));

        result.GetProperty("allowed").GetBoolean().ShouldBeFalse(); // loaded and served; config:read=greeting was not granted
    }

    [Fact]
    public async Task LoadAsync_FolderAtStrict_UndeclaredNetworkUse_RefusedNamingTheFinding()
    {
        var folder = Fixture(NetworkUse);
        SignAndTrust(folder);

        var refused = await Should.ThrowAsync<PluginRefusedException>(() => Host.LoadAsync(folder, new PluginLoadOptions { Level = "strict" }));

        refused.Problems.ShouldContain(p => p.Contains("undeclared-use", StringComparison.Ordinal) && p.Contains("network:request", StringComparison.Ordinal) && p.Contains("STK1006", StringComparison.Ordinal));
        Host.Plugins.ShouldBeEmpty();
        (await AuditAsync()).ShouldContain(r => r.Action == AuditActions.ValidationWarning && r.Decision == AuditDecision.Deny && r.Details != null && r.Details["code"] == "undeclared-use");
    }

    [Fact]
    public async Task LoadAsync_InstalledAtSandboxedRunAtStrict_UndeclaredNetworkUse_Refused()
    {
        var folder = Fixture(NetworkUse);
        SignAndTrust(folder);
        new PluginInstaller(Host).Install(folder, new InstallOptions { Grants = ["none"], Level = "sandboxed" });

        var refused = await Should.ThrowAsync<PluginRefusedException>(() => Host.LoadAsync(Id, new PluginLoadOptions { Level = "strict" }));

        refused.Problems.ShouldContain(p => p.Contains("network:request", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Install_AtSandboxed_UndeclaredNetworkUse_InstallsAndRecordsTheWarning()
    {
        var folder = Fixture(NetworkUse);

        new PluginInstaller(Host).Install(folder, new InstallOptions { Grants = ["none"], Level = "sandboxed" });
        await Host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });

        var warnings = (await AuditAsync()).Where(r => r.Action == AuditActions.ValidationWarning).ToList();
        warnings.ShouldContain(r => r.Decision == AuditDecision.Info && r.Details != null && r.Details["code"] == "undeclared-use" && r.Details["message"].Contains("network:request", StringComparison.Ordinal));
    }

    private string Fixture(string? extraCode = null) =>
        PluginFixtures.Write(Path.Combine(World.Plugins, Id), Id, "1.0.0", ["config:read=greeting"], [], extraCode);

    private void SignAndTrust(string folder)
    {
        var key = PackageSigner.GenerateKey(Path.Combine(World.Root, "signer-" + Guid.NewGuid().ToString("N")));
        PackageSigner.Sign(folder, File.ReadAllText(key.PrivateKeyPath)).Succeeded.ShouldBeTrue();
        Host.Store.AddTrustedKey(new TrustedKey(key.KeyId, "tester", File.ReadAllText(key.PublicKeyPath), DateTimeOffset.UtcNow));
    }

    private async Task<List<AuditRecord>> AuditAsync()
    {
        await Host.Audit.FlushAsync();
        return [.. new AuditReader(Host.Home.AuditDirectory).Query(new AuditQuery { Plugin = Id })];
    }
}
