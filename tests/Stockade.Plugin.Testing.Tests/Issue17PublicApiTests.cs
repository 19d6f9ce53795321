using PublicApiGenerator;

namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// The kit's public surface is kept on purpose, as every shipped library's is (api/Stockade.Plugin.Testing.txt). Accept a
/// meant change with <c>STOCKADE_UPDATE_API=1 dotnet test tests/Stockade.Plugin.Testing.Tests --filter PublicApi</c>.
/// </summary>
[Trait("Issue", "17")]
public sealed class Issue17PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesTheReviewedSnapshot()
    {
        var actual = Normalize(typeof(InProcessPlugin).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        var file = Path.Combine(Path.GetDirectoryName(KitWorld.PluginsDirectory)!, "..", "..", "api", "Stockade.Plugin.Testing.txt");
        if (Environment.GetEnvironmentVariable("STOCKADE_UPDATE_API") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
        {
            File.WriteAllText(file, actual);
            return;
        }

        File.Exists(file).ShouldBeTrue($"{file} is missing; create it with STOCKADE_UPDATE_API=1 dotnet test tests/Stockade.Plugin.Testing.Tests --filter PublicApi");
        Normalize(File.ReadAllText(file)).ShouldBe(actual, "the kit's public API changed; if meant, accept it with STOCKADE_UPDATE_API=1 and review the diff");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd() + "\n";
}
