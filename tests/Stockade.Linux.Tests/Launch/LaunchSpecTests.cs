using System.Text;
using Stockade.Linux.Landlock;
using Stockade.Linux.Launch;

namespace Stockade.Linux.Tests.Launch;

public sealed class LaunchSpecTests
{
    [Fact]
    public void ToArgument_RoundTrip_KeepsEveryField()
    {
        var spec = new LaunchSpec
        {
            Executable = "/usr/share/dotnet/dotnet",
            Arguments = ["dotnet", "/w/Stockade.Worker.dll"],
            WorkingDirectory = "/w",
            Rlimits = new LaunchRlimits { OpenFiles = 256, DataBytes = 512L << 20, CoreBytes = 0 },
            Landlock = new LaunchLandlock
            {
                PathRules = [new LaunchPathRule { Path = "/w", Access = [LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir] }],
                ConnectTcpPorts = [443],
                PinPaths = ["/proc/self"],
            },
            User = new LaunchUser { Uid = 65534, Gid = 65534 },
            ParentDeathSignal = 9,
            ExpectedParentPid = 1234,
            InheritFds = [0, 1, 2, 5],
        };

        LaunchSpec.TryFromArgument(spec.ToArgument(), out LaunchSpec? parsed, out string? error).ShouldBeTrue(error);

        parsed.ToJson().ShouldBe(spec.ToJson());
        parsed.Landlock!.PathRules[0].Access.ShouldBe([LandlockFsAccess.ReadFile, LandlockFsAccess.ReadDir]);
        parsed.User!.Uid.ShouldBe(65534u);
    }

    [Fact]
    public void ToJson_Access_IsWrittenAsNamesInCamelCase()
    {
        var spec = new LaunchSpec
        {
            Executable = "/bin/true",
            Arguments = ["true"],
            Landlock = new LaunchLandlock { PathRules = [new LaunchPathRule { Path = "/", Access = [LandlockFsAccess.Execute] }] },
        };

        string json = spec.ToJson();

        json.ShouldContain("\"access\":[\"Execute\"]");
        json.ShouldContain("\"noNewPrivileges\":true");
    }

    [Fact]
    public void TryFromJson_MissingOptionalMembers_KeepsDefaults()
    {
        LaunchSpec.TryFromJson("""{"executable":"/bin/true","arguments":["true"],"landlock":{}}""", out LaunchSpec? spec, out string? error)
            .ShouldBeTrue(error);

        spec.NoNewPrivileges.ShouldBeTrue();
        spec.InheritFds.ShouldBe([0, 1, 2]);
        spec.Landlock!.Required.ShouldBeTrue();
        spec.Landlock.ScopeSignals.ShouldBeTrue();
        spec.Landlock.ConnectTcpPorts.ShouldBeEmpty();
    }

    [Fact]
    public void TryFromArgument_NotBase64_ExplainsWhatToPass()
    {
        LaunchSpec.TryFromArgument("not base64!", out _, out string? error).ShouldBeFalse();
        error.ShouldContain("--spec-file");
    }

    [Fact]
    public void TryFromJson_UnknownRight_ReturnsErrorInsteadOfThrowing()
    {
        const string json = """{"executable":"/bin/true","arguments":["true"],"landlock":{"pathRules":[{"path":"/","access":["Teleport"]}]}}""";
        LaunchSpec.TryFromJson(json, out _, out string? error).ShouldBeFalse();
        error.ShouldContain("not valid JSON for LaunchSpec");
    }

    [Fact]
    public void TryFromArgument_RelativePathsAndBadPort_ListsEveryProblem()
    {
        string json = """{"executable":"dotnet","arguments":[],"workingDirectory":"w","landlock":{"pathRules":[{"path":"rel","access":[]}],"bindTcpPorts":[70000]}}""";
        LaunchSpec.TryFromArgument(Convert.ToBase64String(Encoding.UTF8.GetBytes(json)), out _, out string? error).ShouldBeFalse();

        error.ShouldContain("executable 'dotnet' must be an absolute path");
        error.ShouldContain("argv[0]");
        error.ShouldContain("workingDirectory");
        error.ShouldContain("'rel'");
        error.ShouldContain("70000");
    }

    [Fact]
    public void TryFromJson_ExplicitNulls_AreReportedNotDereferenced()
    {
        const string json = """{"executable":"/bin/true","arguments":["true"],"rlimits":null,"inheritFds":null,"landlock":{"pathRules":null}}""";

        LaunchSpec.TryFromJson(json, out _, out string? error).ShouldBeFalse();

        error.ShouldContain("rlimits must be an object");
        error.ShouldContain("inheritFds must be an array");
        error.ShouldContain("landlock.pathRules");
    }
}
