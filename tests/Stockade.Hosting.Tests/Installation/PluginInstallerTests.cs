using System.Text.Json;
using Stockade.Analysis.Signing;
using Stockade.Core.Audit;
using Stockade.Hosting.Audit;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Store;
using Stockade.Hosting.Tests.Audit;

namespace Stockade.Hosting.Tests.Installation;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PluginInstallerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string HomePath => _temp.Combine("home");

    public void Dispose() => _temp.Dispose();

    private PluginHost NewHost(string level = "sandboxed") => new(new PluginHostOptions { Home = HomePath, DefaultLevel = level });

    private string Fixture(string name, string version = "1.0.0", string[]? required = null, string[]? optional = null) =>
        PluginFixtures.Write(_temp.Combine("src", name + "-" + version), "fixtures." + name, version, required ?? ["config:read=greeting"], optional ?? ["env:read=LANG"]);

    [Fact]
    public async Task Install_GrantAll_CopiesReadOnlyRecordsGrantsAndAudits()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);

        var result = installer.Install(Fixture("a"), new InstallOptions { Grants = ["all"] });

        result.PluginId.ShouldBe("fixtures.a");
        result.Upgraded.ShouldBeFalse();
        result.Directory.ShouldBe(host.Home.InstallDirectory("fixtures.a", "1.0.0"));
        File.GetUnixFileMode(Path.Combine(result.Directory, "plugin.py")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        ((int)File.GetUnixFileMode(result.Directory)).ShouldBe(0b101_101_101);
        var record = host.Store.GetPlugin("fixtures.a").ShouldNotBeNull();
        record.FilesHash.ShouldBe(DirectoryHash.Compute(result.Directory));
        host.Store.GetGrants("fixtures.a").Select(g => (g.Permission, g.Allowed, g.Optional))
            .ShouldBe([("config:read=greeting", true, false), ("env:read=LANG", true, true)]);
        result.Permissions.Single(p => p.Permission == "env:read=LANG").Meaning.ShouldBe("read the environment variable LANG");
        await host.Audit.FlushAsync();
        var actions = Actions(host);
        actions.ShouldContain(AuditActions.PluginInstalled);
        actions.Count(a => a == AuditActions.PermissionGranted).ShouldBe(2);
    }

    [Fact]
    public async Task Install_AskDeniesOptional_RecordsDenialAndLeavesRequiredAsked()
    {
        await using var host = NewHost();
        var asked = new List<string>();

        var result = new PluginInstaller(host).Install(Fixture("b"), new InstallOptions { Ask = view => { asked.Add(view.Permission); return view.Required; } });

        asked.ShouldBe(["config:read=greeting", "env:read=LANG"]);
        result.Permissions.Select(p => p.Decision).ShouldBe(["granted", "denied"]);
    }

    [Fact]
    public async Task Install_GrantWiderThanDeclared_RefusedAndNothingInstalled()
    {
        await using var host = NewHost();

        var ex = Should.Throw<PluginRefusedException>(() => new PluginInstaller(host).Install(Fixture("c"), new InstallOptions { Grants = ["env:read=*"] }));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("wider than anything plugin fixtures.c declares");
        host.Store.GetPlugin("fixtures.c").ShouldBeNull();
        Directory.Exists(Path.Combine(host.Home.PluginsRoot, "fixtures.c")).ShouldBeFalse();
    }

    [Fact]
    public async Task Install_BrokenManifest_RefusedWithEveryProblem()
    {
        await using var host = NewHost();

        var ex = Should.Throw<PluginRefusedException>(() => new PluginInstaller(host).Install(PluginFixtures.Sample("manifests-broken", "bad-permission"), new InstallOptions()));

        ex.Problems.ShouldContain(p => p.Contains("STKM004", StringComparison.Ordinal));
        ex.IsIntegrityFailure.ShouldBeFalse();
    }

    [Fact]
    public async Task Grant_WiderThanDeclared_RefusedWithPolicyMessage()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        installer.Install(Fixture("d"), new InstallOptions { Grants = ["none"] });

        var ex = Should.Throw<PluginRefusedException>(() => installer.Grant("fixtures.d", "config:read", "tester"));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("wider than anything plugin fixtures.d declares");
        host.Store.GetGrants("fixtures.d").ShouldBeEmpty();
    }

    [Fact]
    public async Task Grant_MalformedPermission_RefusedWithGrammar()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        installer.Install(Fixture("e"), new InstallOptions());

        var ex = Should.Throw<PluginRefusedException>(() => installer.Grant("fixtures.e", "env read LANG", "tester"));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("category:action[=scope]");
    }

    [Fact]
    public async Task GrantThenRevoke_RecordsDecisionsWithWhoAndAudits()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        installer.Install(Fixture("f"), new InstallOptions());

        var granted = installer.Grant("fixtures.f", "env:read=LANG", "ada");
        var revoked = installer.Revoke("fixtures.f", "env:read=LANG", "grace");

        granted.ShouldBe(new GrantChange("fixtures.f", "env:read=LANG", "not-granted", "granted", "read the environment variable LANG"));
        revoked.Before.ShouldBe("granted");
        revoked.After.ShouldBe("denied");
        var report = installer.GetPermissions("fixtures.f");
        var env = report.Permissions.Single(p => p.View.Permission == "env:read=LANG");
        env.View.Decision.ShouldBe("denied");
        env.DecidedBy.ShouldBe("grace");
        report.Permissions.Single(p => p.View.Permission == "config:read=greeting").View.Decision.ShouldBe("not-granted");
        await host.Audit.FlushAsync();
        Actions(host).ShouldContain(AuditActions.PermissionRevoked);
    }

    [Fact]
    public async Task Operations_UnknownPlugin_ThrowNotFound()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);

        Should.Throw<PluginNotFoundException>(() => installer.Uninstall("no.such"));
        Should.Throw<PluginNotFoundException>(() => installer.Grant("no.such", "env:read=LANG", "x"));
        Should.Throw<PluginNotFoundException>(() => installer.SetEnabled("no.such", false, "x"));
        Should.Throw<PluginNotFoundException>(() => installer.GetPermissions("no.such"));
    }

    [Fact]
    public async Task Uninstall_Installed_RemovesRecordFilesAndKeepsData()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        var result = installer.Install(Fixture("g"), new InstallOptions { Grants = ["all"] });
        Directory.CreateDirectory(host.Home.DataDirectory("fixtures.g"));

        installer.Uninstall("fixtures.g");

        host.Store.GetPlugin("fixtures.g").ShouldBeNull();
        host.Store.GetGrants("fixtures.g").ShouldBeEmpty();
        Directory.Exists(result.Directory).ShouldBeFalse();
        Directory.Exists(host.Home.DataDirectory("fixtures.g")).ShouldBeTrue();
        await host.Audit.FlushAsync();
        Actions(host).ShouldContain(AuditActions.PluginUninstalled);
    }

    [Fact]
    public async Task Install_Upgrade_KeepsStillDeclaredGrantsAsksForNewAndRemovesOldFolder()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        var v1 = installer.Install(Fixture("h", "1.0.0", ["config:read=greeting"], ["env:read=LANG"]), new InstallOptions { Grants = ["all"] });
        var asked = new List<string>();

        var v2 = installer.Install(Fixture("h", "2.0.0", ["config:read=greeting"], ["env:read=HOME"]),
            new InstallOptions { Ask = view => { asked.Add(view.Permission); return true; } });

        v2.Upgraded.ShouldBeTrue();
        asked.ShouldBe(["env:read=HOME"]);
        host.Store.GetGrants("fixtures.h").Select(g => g.Permission).ShouldBe(["config:read=greeting", "env:read=HOME"]);
        Directory.Exists(v1.Directory).ShouldBeFalse();
        Directory.Exists(v2.Directory).ShouldBeTrue();
        host.Store.GetPlugin("fixtures.h")!.Version.ShouldBe("2.0.0");
    }

    [Fact]
    public async Task Load_TamperedInstalledCopy_RefusedAsIntegrityFailureAndAudited()
    {
        await using var host = NewHost();
        var result = new PluginInstaller(host).Install(Fixture("i"), new InstallOptions { Grants = ["all"] });
        var script = Path.Combine(result.Directory, "plugin.py");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.AppendAllText(script, "\nimport os\n");

        var ex = await Should.ThrowAsync<PluginRefusedException>(() => host.LoadAsync("fixtures.i"));

        ex.IsIntegrityFailure.ShouldBeTrue();
        ex.Message.ShouldContain("changed after it was installed");
        await host.Audit.FlushAsync();
        Actions(host).ShouldContain(AuditActions.SignatureFailure);
    }

    [Fact]
    public async Task Load_Disabled_RefusedUntilEnabled()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        installer.Install(Fixture("j"), new InstallOptions { Grants = ["all"] });

        installer.SetEnabled("fixtures.j", false, "tester");

        (await Should.ThrowAsync<PluginRefusedException>(() => host.LoadAsync("fixtures.j"))).Message.ShouldContain("disabled");
        installer.SetEnabled("fixtures.j", true, "tester");
        var loaded = await host.LoadAsync("fixtures.j");
        loaded.IsInstalled.ShouldBeTrue();
    }

    [Fact]
    public async Task Install_SignedAtStrict_NeedsTrustedKeyAndRefusesTamperedPackage()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        var source = Fixture("k");
        var key = PackageSigner.GenerateKey(_temp.Combine("signer"));
        PackageSigner.Sign(source, File.ReadAllText(key.PrivateKeyPath)).Succeeded.ShouldBeTrue();

        var untrusted = Should.Throw<PluginRefusedException>(() => installer.Install(source, new InstallOptions { Level = "strict" }));
        untrusted.IsIntegrityFailure.ShouldBeFalse();
        untrusted.Problems.ShouldContain(p => p.Contains("untrusted-key", StringComparison.Ordinal));

        host.Store.AddTrustedKey(new TrustedKey(key.KeyId, "tester", File.ReadAllText(key.PublicKeyPath), DateTimeOffset.UtcNow));
        installer.Install(source, new InstallOptions { Level = "strict" }).PluginId.ShouldBe("fixtures.k");

        File.AppendAllText(Path.Combine(source, "plugin.py"), "\n# changed after signing\n");
        var tampered = Should.Throw<PluginRefusedException>(() => installer.Install(source, new InstallOptions { Level = "strict" }));
        tampered.IsIntegrityFailure.ShouldBeTrue();
    }

    [Fact]
    public async Task Revoke_ByAnotherHostOnSameHome_SeenOnNextBrokeredCall()
    {
        await using var host = NewHost();
        new PluginInstaller(host).Install(Fixture("l"), new InstallOptions { Grants = ["all"] });
        await host.LoadAsync("fixtures.l");
        (await host.InvokeAsync("fixtures.l", "config")).GetProperty("allowed").GetBoolean().ShouldBeTrue();

        // The CLI is another process with its own store connection; a second host on the same home is the same.
        await using (var cli = NewHost())
        {
            new PluginInstaller(cli).Revoke("fixtures.l", "config:read=greeting", "cli");
        }

        await Task.Delay(PluginHost.GrantCheckInterval * 2);
        var after = await host.InvokeAsync("fixtures.l", "config");

        after.GetProperty("allowed").GetBoolean().ShouldBeFalse();
        after.GetProperty("error").GetString().ShouldNotBeNull().ShouldContain("config:read=greeting");
        await host.Audit.FlushAsync();
        var records = Records(host);
        records.ShouldContain(r => r.Action == AuditActions.PermissionRevoked && r.Layer == AuditLayer.Host);
    }

    [Fact]
    public async Task RefreshGrants_EnvRevoked_RestartsWorkerUnderNewPolicy()
    {
        await using var host = NewHost();
        var installer = new PluginInstaller(host);
        installer.Install(Fixture("m"), new InstallOptions { Grants = ["all"] });
        var loaded = await host.LoadAsync("fixtures.m");
        var pidBefore = loaded.ProcessId;

        installer.Revoke("fixtures.m", "env:read=LANG", "tester"); // through the host: in force when it returns (issue 15)
        (await host.RefreshGrantsAsync("fixtures.m")).ShouldBeFalse("the revoke was applied, and the worker restarted, before Revoke returned");

        loaded.Policy.EnvironmentNames.ShouldBeEmpty();
        loaded.ProcessId.ShouldNotBeNull().ShouldNotBe(pidBefore!.Value);
        (await host.InvokeAsync("fixtures.m", "config")).GetProperty("allowed").GetBoolean().ShouldBeTrue();
    }

    private static List<string> Actions(PluginHost host) => [.. Records(host).Select(r => r.Action)];

    private static List<AuditRecord> Records(PluginHost host) => [.. new AuditReader(host.Home.AuditDirectory).Query(new AuditQuery())];
}
