namespace Stockade.Analysis.Tests;

/// <summary>Where the fixture plugins from samples/analysis-fixtures are copied by the test project's build.</summary>
internal static class Fixtures
{
    public static string Folder(string assemblyName)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "fixtures", assemblyName);
        Directory.Exists(folder).ShouldBeTrue($"fixture {assemblyName} was not built into {folder}");
        return folder;
    }

    public static string Assembly(string assemblyName) => Path.Combine(Folder(assemblyName), assemblyName + ".dll");
}
