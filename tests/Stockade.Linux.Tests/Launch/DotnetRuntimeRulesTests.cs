using Stockade.Linux.Landlock;
using Stockade.Linux.Launch;

namespace Stockade.Linux.Tests.Launch;

public sealed class DotnetRuntimeRulesTests
{
    [Fact]
    public void For_WorkerFolders_GrantsInterpreterExecuteAndWritableFolderWrite()
    {
        string writable = Directory.CreateTempSubdirectory("stockade-rules-").FullName;

        List<LaunchPathRule> rules = DotnetRuntimeRules.For("/usr/share/dotnet", AppContext.BaseDirectory, [writable, "/nonexistent/stockade"]);

        rules.Single(r => r.Path.EndsWith("ld-linux-x86-64.so.2", StringComparison.Ordinal)).Access.ShouldContain(LandlockFsAccess.Execute);
        rules.Single(r => r.Path == writable).Access.ShouldContain(LandlockFsAccess.WriteFile);
        rules.Single(r => r.Path == AppContext.BaseDirectory).Access.ShouldNotContain(LandlockFsAccess.WriteFile);
        rules.ShouldContain(r => r.Path == "/nonexistent/stockade", "a missing caller folder must reach the launcher, which names it");
    }
}
