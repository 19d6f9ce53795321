namespace Stockade.Plugin.Testing.Tests;

/// <summary>
/// A folder under /tmp for one test: copies of the kit's plugins with the manifest the test writes, a planted secret
/// outside every grant and a folder a manifest may declare, all readable by an unprivileged worker uid (65534).
/// </summary>
public sealed class KitWorld : IDisposable
{
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public KitWorld()
    {
        Root = Directory.CreateDirectory($"/tmp/stockade-kit-{Guid.NewGuid():N}", Traversable).FullName;
        File.SetUnixFileMode(Root, Traversable);
        var outside = Directory.CreateDirectory(Path.Combine(Root, "outside"), Traversable).FullName;
        Secret = Path.Combine(outside, "secret.txt");
        File.WriteAllText(Secret, "the host's secret");
        File.SetUnixFileMode(Secret, WorldReadable);
        Granted = Directory.CreateDirectory(Path.Combine(Root, "granted"), Traversable).FullName;
        GrantedFile = Path.Combine(Granted, "readme.txt");
        File.WriteAllText(GrantedFile, "granted content");
        File.SetUnixFileMode(GrantedFile, WorldReadable);
    }

    public const string ProbeHeader = """
        id: kit.probe
        name: Kit probe
        version: 1.0.0
        publisher: Stockade tests
        runtime: dotnet
        entry: bin/KitProbePlugin.dll
        entryType: Stockade.Plugin.Testing.Tests.KitProbe.KitProbePlugin
        timeouts: { init: 30s, call: 20s, hook: 5s }
        resources: { memoryMb: 256, openFiles: 128 }

        """;

    public const string PythonHeader = """
        id: kit.probe-python
        name: Kit probe (Python)
        version: 1.0.0
        publisher: Stockade tests
        runtime: process
        entry: plugin.py
        interpreter: /usr/bin/python3
        timeouts: { init: 30s, call: 10s, hook: 5s }
        resources: { memoryMb: 128, openFiles: 64 }

        """;

    /// <summary>The test project's <c>Plugins</c> folder.</summary>
    public static string PluginsDirectory { get; } = FindPlugins();

    public string Root { get; }

    /// <summary>A world-readable file no manifest declares.</summary>
    public string Secret { get; }

    /// <summary>A folder a manifest may declare <c>file:read</c> on.</summary>
    public string Granted { get; }

    public string GrantedFile { get; }

    /// <summary>A copy of the C# probe with <see cref="ProbeHeader"/> and the given permissions (YAML list lines).</summary>
    public string Probe(params string[] required) => Plugin("KitProbe", "kit.probe", ProbeHeader + Permissions(required));

    /// <summary>A copy of the Python probe with the given permissions.</summary>
    public string PythonProbe(params string[] required) => Plugin("probe-python", "kit.probe-python", PythonHeader + Permissions(required));

    public static string Permissions(IReadOnlyList<string> required) =>
        "permissions:\n  required:" + (required.Count == 0 ? " []" : string.Concat(required.Select(p => $"\n    - permission: {p}\n      reason: tests"))) + "\n";

    /// <summary>Copies a plugin folder (without obj/) to <c>plugins/&lt;name&gt;</c> and writes its manifest.</summary>
    public string Plugin(string source, string name, string manifest)
    {
        var target = Path.Combine(Root, "plugins", name);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!, Traversable);
        CopyTree(Path.Combine(PluginsDirectory, source), target);
        File.WriteAllText(Path.Combine(target, "plugin.yaml"), manifest);
        File.SetUnixFileMode(Path.Combine(target, "plugin.yaml"), WorldReadable);
        return target;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target, Traversable);
        File.SetUnixFileMode(target, Traversable);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            var copy = Path.Combine(target, Path.GetFileName(file));
            File.Copy(file, copy, overwrite: true);
            File.SetUnixFileMode(copy, (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0 ? Traversable : WorldReadable);
        }

        foreach (var dir in Directory.EnumerateDirectories(source))
        {
            if (Path.GetFileName(dir) is not ("obj" or ".stockade"))
            {
                CopyTree(dir, Path.Combine(target, Path.GetFileName(dir)));
            }
        }
    }

    private static string FindPlugins()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var plugins = Path.Combine(dir.FullName, "tests", "Stockade.Plugin.Testing.Tests", "Plugins");
            if (File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")) && Directory.Exists(plugins))
            {
                return plugins;
            }
        }

        throw new InvalidOperationException("tests/Stockade.Plugin.Testing.Tests/Plugins not found above the test folder");
    }
}
