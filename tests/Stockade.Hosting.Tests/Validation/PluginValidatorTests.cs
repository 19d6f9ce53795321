using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Audit;
using Stockade.Hosting.Tests.Installation;
using Stockade.Hosting.Validation;

namespace Stockade.Hosting.Tests.Validation;

public sealed class PluginValidatorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Validate_GoodSample_IsValidWithIdentityAndUnsignedInfo()
    {
        var report = PluginValidator.Validate(PluginFixtures.Sample("plugins", "hello-python"), new ValidationOptions());

        report.IsValid.ShouldBeTrue(string.Join("\n", report.Items));
        report.PluginId.ShouldBe("samples.hello-python");
        report.Version.ShouldBe("1.0.0");
        report.Signature.Status.ShouldBe("unsigned");
        report.IsIntegrityFailure.ShouldBeFalse();
    }

    [Fact]
    public void Validate_PastItsTimeLimit_ReportsTheTimeoutAsAnError()
    {
        var dir = PluginFixtures.Write(_temp.Combine("slow"), "fixtures.slow", "1.0.0", [], []);
        for (var i = 0; i < 500; i++)
        {
            File.WriteAllText(Path.Combine(dir, $"f{i}.txt"), "x");
        }

        var report = PluginValidator.Validate(dir, new ValidationOptions { FolderLimits = Linux.FileSystem.PluginFolderLimits.Default with { Timeout = TimeSpan.FromTicks(1) } });

        report.IsTimeout.ShouldBeTrue();
        report.IsValid.ShouldBeFalse();
        report.Errors.ShouldHaveSingleItem().Code.ShouldBe("timeout");
        report.Errors[0].Message.ShouldContain("time limit");
    }

    [Fact]
    public void Validate_LinkToDevZeroAsTheManifest_IsRefusedWithoutReadingIt()
    {
        var dir = Directory.CreateDirectory(_temp.Combine("zero")).FullName;
        File.CreateSymbolicLink(Path.Combine(dir, "plugin.yaml"), "/dev/zero");

        var report = PluginValidator.Validate(dir, new ValidationOptions());

        var error = report.Errors.ShouldHaveSingleItem();
        error.Code.ShouldBe("refused");
        error.Location.ShouldBe("plugin.yaml");
        error.Message.ShouldContain("symbolic link");
    }

    [Fact]
    public void Validate_DeclaredPermissions_DescribedInPlainWords()
    {
        var dir = PluginFixtures.Write(_temp.Combine("p"), "fixtures.words", "1.0.0", ["file:read=/srv/photos/**"], ["network:request=api.example.com:443"]);

        var report = PluginValidator.Validate(dir, new ValidationOptions());

        report.Permissions.Select(p => (p.Permission, p.Required, p.Meaning)).ShouldBe([
            ("file:read=/srv/photos/**", true, "read files under /srv/photos"),
            ("network:request=api.example.com:443", false, "send HTTP requests to api.example.com (port 443)"),
        ]);
        report.Permissions.ShouldAllBe(p => p.Decision == null);
    }

    [Fact]
    public void Validate_BrokenManifest_ReportsManifestErrorWithLocationAndHint()
    {
        var report = PluginValidator.Validate(PluginFixtures.Sample("manifests-broken", "bad-permission"), new ValidationOptions());

        report.IsValid.ShouldBeFalse();
        var error = report.Errors.ShouldHaveSingleItem();
        error.Stage.ShouldBe("manifest");
        error.Code.ShouldBe("STKM004");
        error.Location.ShouldNotBeNull().ShouldEndWith(":9:7");
        error.Hint.ShouldNotBeNull();
        report.PluginId.ShouldBeNull();
    }

    [Fact]
    public void Validate_UndeclaredNetworkUse_WarningWhenSandboxedErrorWhenStrict()
    {
        var dir = PluginFixtures.Write(_temp.Combine("net"), "fixtures.net", "1.0.0", [], [], "\nimport urllib.request\nurllib.request.urlopen('https://example.com')\n");

        var sandboxed = PluginValidator.Validate(dir, new ValidationOptions { Level = "sandboxed" });
        var strict = PluginValidator.Validate(dir, new ValidationOptions { Level = "strict" });

        sandboxed.IsValid.ShouldBeTrue();
        sandboxed.Items.ShouldContain(i => i.Stage == "analysis" && i.Code == "undeclared-use" && i.Severity == "warning");
        strict.IsValid.ShouldBeFalse();
        strict.Errors.ShouldContain(i => i.Stage == "analysis" && i.Code == "undeclared-use" && i.Message.Contains("network:request", StringComparison.Ordinal));
        strict.Errors.ShouldContain(i => i.Stage == "signature" && i.Code == "unsigned");
    }

    [Fact]
    public async Task Validate_WithHome_ShowsDecisionsAndDeclaredConflicts()
    {
        var home = _temp.Combine("home");
        await using (var host = new PluginHost(new PluginHostOptions { Home = home, DefaultLevel = "limited" }))
        {
            new PluginInstaller(host).Install(PluginFixtures.Write(_temp.Combine("a"), "fixtures.a", "1.0.0", ["env:read=LANG"], []), new InstallOptions { Grants = ["all"] });
        }

        var conflicting = PluginFixtures.Write(_temp.Combine("b"), "fixtures.b", "1.0.0", [], []);
        File.AppendAllText(Path.Combine(conflicting, "plugin.yaml"), "\nconflicts:\n  - id: fixtures.a\n");
        var again = PluginValidator.Validate(_temp.Combine("a"), new ValidationOptions { Home = home });
        var report = PluginValidator.Validate(conflicting, new ValidationOptions { Home = home });

        again.Permissions.ShouldHaveSingleItem().Decision.ShouldBe("granted");
        report.Items.ShouldContain(i => i.Stage == "conflict" && i.Message.Contains("fixtures.a", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("env:read=LC_*", "read the environment variables whose names start with LC_")]
    [InlineData("file:write=$PLUGIN_DATA/**", "read, create and change files under $PLUGIN_DATA (its own data folder)")]
    [InlineData("subprocess:execute=/usr/bin/git", "run the program /usr/bin/git")]
    [InlineData("network:request=*.example.com", "send HTTP requests to any host under example.com (any port)")]
    public void Describe_Permission_PlainWords(string permission, string expected) =>
        PermissionDescriber.Describe(permission).ShouldBe(expected);
}
