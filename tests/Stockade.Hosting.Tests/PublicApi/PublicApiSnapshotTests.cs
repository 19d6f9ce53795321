using System.Reflection;
using PublicApiGenerator;

namespace Stockade.Hosting.Tests.PublicApi;

/// <summary>
/// The public surface of every shipped library is kept on purpose: each assembly's public API is
/// written to <c>api/&lt;Assembly&gt;.txt</c> and this test fails when the compiled surface differs,
/// naming what was added or removed. A change that means it is accepted with
/// <c>STOCKADE_UPDATE_API=1 dotnet test tests/Stockade.Hosting.Tests --filter PublicApi</c> and reviewed in the diff.
/// </summary>
public sealed class PublicApiSnapshotTests
{
    public static TheoryData<string> Assemblies => new()
    {
        "Stockade.Plugin",
        "Stockade.Core",
        "Stockade.Protocol",
        "Stockade.Linux",
        "Stockade.Analysis",
        "Stockade.Hosting",
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Public_surface_matches_the_reviewed_snapshot(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var actual = Normalize(assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        var file = Path.Combine(RepoRoot(), "api", assemblyName + ".txt");

        if (Environment.GetEnvironmentVariable("STOCKADE_UPDATE_API") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, actual);
            return;
        }

        File.Exists(file).ShouldBeTrue($"{file} is missing: the public API of {assemblyName} has no reviewed snapshot. " +
            "Create it with STOCKADE_UPDATE_API=1 dotnet test tests/Stockade.Hosting.Tests --filter PublicApi");
        var expected = Normalize(File.ReadAllText(file));
        if (expected == actual)
        {
            return;
        }

        var before = expected.Split('\n').ToHashSet(StringComparer.Ordinal);
        var after = actual.Split('\n').ToHashSet(StringComparer.Ordinal);
        var added = after.Where(l => !before.Contains(l)).Select(l => "+ " + l.Trim()).Take(25);
        var removed = before.Where(l => !after.Contains(l)).Select(l => "- " + l.Trim()).Take(25);
        Assert.Fail($"The public API of {assemblyName} changed (snapshot api/{assemblyName}.txt):\n" +
            string.Join('\n', removed.Concat(added)) +
            "\nIf the change is meant, accept it with STOCKADE_UPDATE_API=1 dotnet test tests/Stockade.Hosting.Tests --filter PublicApi and review the diff.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd() + "\n";

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Stockade.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
