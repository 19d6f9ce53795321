namespace Stockade.Linux.Tests.Infrastructure;

/// <summary>Paths inside the repository the tests run from (samples, the CLI's build output).</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding <c>Stockade.slnx</c>, found upwards from the test binaries.</summary>
    internal static string Root { get; } = FindRoot();

    /// <summary>The CLI built beside the tests (same configuration), through the project reference.</summary>
    internal static string CliAssembly { get; } = Path.Combine(Root, "src", "Stockade.Cli", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "stockade.dll");

    internal static string Sample(string name) => Path.Combine(Root, "samples", "plugins", name);

    /// <summary>Copies a folder recursively and makes it world-readable, so a dropped uid can run it.</summary>
    internal static void CopyReadable(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        File.SetUnixFileMode(destination, (UnixFileMode)0b111_101_101);
        foreach (string file in Directory.GetFiles(source))
        {
            string target = Path.Combine(destination, Path.GetFileName(file));
            File.Copy(file, target, overwrite: true);
            File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
        }

        foreach (string directory in Directory.GetDirectories(source))
        {
            CopyReadable(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Stockade.slnx above {AppContext.BaseDirectory}; run the tests from the repository");
    }
}
