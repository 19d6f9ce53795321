using System.Text.Json;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Installation;

/// <summary>
/// Issue 15: the grant review (<c>stockade permissions</c>) shows as granted exactly what the broker allows.
/// A plugin declares <c>config:write=theme</c> (which implies read) and is granted only <c>config:read=theme</c>:
/// the review must not call the write granted, and every line it shows is checked against a real brokered call.
/// </summary>
[Trait("Issue", "15")]
public sealed class GrantReviewTests : HostWorldTest
{
    private const string Id = "t.review";
    [Fact]
    public async Task GetPermissions_PartialGrant_ShowsExactlyWhatTheBrokerAllows()
    {
        var folder = World.Plugin("capabilities-csharp", Id, """
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            timeouts: { init: 30s, call: 10s, hook: 2s }
            permissions:
              required:
                - permission: config:write=theme
                  reason: tests
                - permission: config:write=size
                  reason: tests
            """);
        var installer = new PluginInstaller(Host);
        installer.Install(folder, new InstallOptions { Grants = ["config:read=theme", "config:write=size"], Level = "sandboxed" });
        Host.Store.SetConfig(Id, "theme", "\"dark\"").ShouldBeTrue();

        var report = installer.GetPermissions(Id);

        var theme = report.Permissions.Single(p => p.View.Permission == "config:write=theme");
        theme.View.Decision.ShouldBe("partly-granted");
        report.Permissions.Single(p => p.View.Permission == "config:write=size").View.Decision.ShouldBe("granted");
        report.OtherGrants.Single(p => p.View.Permission == "config:read=theme").View.Decision.ShouldBe("granted");

        // Every line of the review against the broker itself.
        await Host.LoadAsync(Id, new PluginLoadOptions { Level = "sandboxed" });
        var readTheme = await CallAsync("configGet", new { key = "theme" });
        var writeTheme = await CallAsync("configSet", new { key = "theme", value = "light" });
        var writeSize = await CallAsync("configSet", new { key = "size", value = "12" });
        var readSize = await CallAsync("configGet", new { key = "size" });

        readTheme.GetProperty("ok").GetBoolean().ShouldBeTrue(readTheme.ToString());
        writeTheme.GetProperty("ok").GetBoolean().ShouldBeFalse(writeTheme.ToString());
        writeTheme.GetProperty("code").GetString().ShouldBe("permission_denied");
        writeSize.GetProperty("ok").GetBoolean().ShouldBeTrue(writeSize.ToString());
        readSize.GetProperty("ok").GetBoolean().ShouldBeTrue(readSize.ToString()); // write implies read: granted means both
        Host.Store.GetConfig(Id, "theme").ShouldBe("\"dark\"");
    }

    [Fact]
    public void GetPermissions_GrantThatNoDeclarationCovers_IsNotShownAsGranted()
    {
        var folder = World.Plugin("capabilities-csharp", Id, """
            runtime: dotnet
            entry: bin/CapabilitiesPlugin.dll
            entryType: Samples.Capabilities.CapabilitiesPlugin
            permissions:
              required:
                - permission: config:read=theme
                  reason: tests
            """);
        var installer = new PluginInstaller(Host);
        installer.Install(folder, new InstallOptions { Grants = ["none"], Level = "sandboxed" });
        // A stored grant wider than the manifest (e.g. left by an older version) is ignored by the broker.
        Host.Store.SetGrant(new Stockade.Hosting.Store.GrantRecord(Id, "config:write=*", true, false, DateTimeOffset.UtcNow, "tests"));

        var report = installer.GetPermissions(Id);

        report.Permissions.Single().View.Decision.ShouldBe("not-granted");
        report.OtherGrants.Single(p => p.View.Permission == "config:write=*").View.Decision.ShouldBe("ignored");
    }

    private async Task<JsonElement> CallAsync(string method, object input) =>
        await Host.InvokeAsync(Id, method, JsonSerializer.SerializeToElement(input));
}
