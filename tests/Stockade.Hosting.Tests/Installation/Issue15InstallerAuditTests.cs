using Stockade.Analysis.Signing;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Audit;

namespace Stockade.Hosting.Tests.Installation;

/// <summary>
/// Issue 15, audit before act for every operator change, as for grants: install, upgrade, uninstall, enable, disable
/// and trusting a key write their audit record first, so when the record cannot be written
/// (<see cref="AuditWriteException"/>) nothing was stored, copied or removed.
/// </summary>
[Trait("Issue", "15")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class Issue15InstallerAuditTests : IAsyncLifetime
{
    private const string Id = "fixtures.audited";
    private static readonly DateTimeOffset Today = new(DateTimeOffset.UtcNow.UtcDateTime.Date.AddHours(12), TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly ManualTimeProvider _time = new(Today);
    private PluginHost _host = null!;

    private PluginInstaller Installer => new(_host);

    public Task InitializeAsync()
    {
        _host = new PluginHost(new PluginHostOptions { Home = _temp.Combine("home"), DefaultLevel = "sandboxed" }, timeProvider: _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Install_AuditRecordCannotBeWritten_NothingInstalled()
    {
        await BlockAuditAsync(() => Installer.Install(Fixture("1.0.0"), new InstallOptions { Grants = ["all"] }));

        _host.Store.GetPlugin(Id).ShouldBeNull("the plugin was recorded as installed without its audit record");
        _host.Store.GetGrants(Id).ShouldBeEmpty();
        Directory.Exists(Path.Combine(_host.Home.PluginsRoot, Id)).ShouldBeFalse("the copy was left in the home");
    }

    [Fact]
    public async Task Upgrade_AuditRecordCannotBeWritten_OldVersionStaysInstalledAndIntact()
    {
        Installer.Install(Fixture("1.0.0"), new InstallOptions { Grants = ["all"] });
        var before = _host.Store.GetPlugin(Id).ShouldNotBeNull();

        await BlockAuditAsync(() => Installer.Install(Fixture("2.0.0"), new InstallOptions { Grants = ["all"] }));

        var after = _host.Store.GetPlugin(Id).ShouldNotBeNull();
        after.Version.ShouldBe("1.0.0");
        after.FilesHash.ShouldBe(before.FilesHash);
        DirectoryHash.Compute(_host.Home.InstallDirectory(Id, "1.0.0")).ShouldBe(before.FilesHash);
        Directory.Exists(_host.Home.InstallDirectory(Id, "2.0.0")).ShouldBeFalse();
        Directory.GetDirectories(Path.Combine(_host.Home.PluginsRoot, Id)).Length.ShouldBe(1, "a staging copy was left behind");
    }

    [Fact]
    public async Task Reinstall_SameVersion_AuditRecordCannotBeWritten_InstalledCopyUntouched()
    {
        Installer.Install(Fixture("1.0.0"), new InstallOptions { Grants = ["all"] });
        var before = _host.Store.GetPlugin(Id).ShouldNotBeNull();

        await BlockAuditAsync(() => Installer.Install(Fixture("1.0.0", extra: "# changed\n"), new InstallOptions { Grants = ["all"] }));

        _host.Store.GetPlugin(Id).ShouldNotBeNull().FilesHash.ShouldBe(before.FilesHash);
        DirectoryHash.Compute(_host.Home.InstallDirectory(Id, "1.0.0")).ShouldBe(before.FilesHash, "the installed copy was replaced without a record");
    }

    [Fact]
    public async Task Uninstall_AuditRecordCannotBeWritten_NothingRemoved()
    {
        Installer.Install(Fixture("1.0.0"), new InstallOptions { Grants = ["all"] });
        var data = Directory.CreateDirectory(_host.Home.DataDirectory(Id)).FullName;
        File.WriteAllText(Path.Combine(data, "kept.txt"), "data");

        await BlockAuditAsync(() => Installer.Uninstall(Id, purgeData: true, by: "test"));

        _host.Store.GetPlugin(Id).ShouldNotBeNull("the plugin was uninstalled without its audit record");
        _host.Store.GetGrants(Id).ShouldNotBeEmpty();
        Directory.Exists(_host.Home.InstallDirectory(Id, "1.0.0")).ShouldBeTrue();
        File.Exists(Path.Combine(data, "kept.txt")).ShouldBeTrue();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SetEnabled_AuditRecordCannotBeWritten_NothingChanged(bool enable)
    {
        Installer.Install(Fixture("1.0.0"), new InstallOptions { Grants = ["all"] });
        if (enable)
        {
            Installer.SetEnabled(Id, false, "test");
        }

        await BlockAuditAsync(() => Installer.SetEnabled(Id, enable, "test"));

        _host.Store.GetPlugin(Id).ShouldNotBeNull().Enabled.ShouldBe(!enable, $"the plugin was {(enable ? "enabled" : "disabled")} without its audit record");
    }

    [Fact]
    public async Task TrustKey_AuditRecordCannotBeWritten_KeyNotTrusted()
    {
        var key = PackageSigner.GenerateKey(_temp.Combine("signer"));
        var pem = File.ReadAllText(key.PublicKeyPath);

        await BlockAuditAsync(() => Installer.TrustKey(pem, "signer", "test"));

        Installer.ListTrustedKeys().ShouldBeEmpty("a key was trusted without its audit record");
    }

    [Fact]
    public async Task DistrustKey_AuditRecordCannotBeWritten_KeyStaysTrusted()
    {
        var key = PackageSigner.GenerateKey(_temp.Combine("signer"));
        var trusted = Installer.TrustKey(File.ReadAllText(key.PublicKeyPath), "signer", "test");

        await BlockAuditAsync(() => Installer.DistrustKey(trusted.KeyId, "test"));

        Installer.ListTrustedKeys().Select(k => k.KeyId).ShouldBe([trusted.KeyId]);
    }

    [Fact]
    public async Task OperatorChanges_RecordThenAct_EveryChangeHasItsRecord()
    {
        var key = PackageSigner.GenerateKey(_temp.Combine("signer"));
        var trusted = Installer.TrustKey(File.ReadAllText(key.PublicKeyPath), "signer", "test");
        Installer.Install(Fixture("1.0.0"), new InstallOptions { Grants = ["all"] });
        Installer.Install(Fixture("2.0.0"), new InstallOptions { Grants = ["all"] });
        Installer.SetEnabled(Id, false, "test");
        Installer.SetEnabled(Id, true, "test");
        Installer.DistrustKey(trusted.KeyId, "test");
        Installer.Uninstall(Id, by: "test");
        await _host.Audit.FlushAsync();

        var records = new AuditReader(_host.Home.AuditDirectory).Query(new AuditQuery()).ToList();
        records.Select(r => r.Action).Where(a => a is "trust.added" or "trust.removed" || a.StartsWith("plugin.", StringComparison.Ordinal)).ShouldBe(
        [
            "trust.added", AuditActions.PluginInstalled, AuditActions.PluginInstalled, AuditActions.PluginDisabled,
            AuditActions.PluginEnabled, "trust.removed", AuditActions.PluginUninstalled,
        ]);
        records.Where(r => r.Action is "trust.added" or "trust.removed").ShouldAllBe(r => r.Resource == trusted.KeyId);
    }

    // Moves the clock to tomorrow, whose audit file a folder stands in place of: the next record cannot be written.
    private async Task BlockAuditAsync(Action act)
    {
        await _host.Audit.FlushAsync();
        var blocker = Directory.CreateDirectory(Path.Combine(_host.Home.AuditDirectory, $"audit-{Today.AddDays(1):yyyy-MM-dd}.jsonl"));
        _time.Set(Today.AddDays(1));
        try
        {
            Should.Throw<AuditWriteException>(act);
        }
        finally
        {
            blocker.Delete(); // so the host can record its own shutdown
        }
    }

    private string Fixture(string version, string? extra = null) =>
        PluginFixtures.Write(_temp.Combine("src", $"{Id}-{version}-{Guid.NewGuid():N}"), Id, version, ["config:read=greeting"], ["env:read=LANG"], extra);
}
