using System.Text.Json;

namespace Stockade.Hosting.Tests.Host;

/// <summary>
/// A folder under /tmp for one host: its Stockade home (0711), copies of the sample plugins with
/// test manifests, a planted secret outside every grant and a granted folder, all reachable by an
/// unprivileged worker uid (65534).
/// </summary>
public sealed class HostWorld : IDisposable
{
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public HostWorld()
    {
        Root = Directory.CreateDirectory($"/tmp/stockade-host-{Guid.NewGuid():N}", Traversable).FullName;
        Home = Path.Combine(Root, "home");
        Directory.CreateDirectory(Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        Plugins = Directory.CreateDirectory(Path.Combine(Root, "plugins"), Traversable).FullName;
        Outside = Directory.CreateDirectory(Path.Combine(Root, "outside"), Traversable | UnixFileMode.OtherWrite | UnixFileMode.GroupWrite).FullName;
        Secret = Path.Combine(Outside, "secret.txt");
        File.WriteAllText(Secret, "the host's secret");
        File.SetUnixFileMode(Secret, WorldReadable);
        Granted = Directory.CreateDirectory(Path.Combine(Root, "granted"), Traversable).FullName;
        GrantedFile = Path.Combine(Granted, "readme.txt");
        File.WriteAllText(GrantedFile, "granted content");
        File.SetUnixFileMode(GrantedFile, WorldReadable);
    }

    /// <summary>The repository's <c>samples/plugins</c> folder.</summary>
    public static string SamplesDirectory { get; } = FindSamples();

    public string Root { get; }

    public string Home { get; }

    public string Plugins { get; }

    /// <summary>A world-writable folder outside every grant, holding <see cref="Secret"/>.</summary>
    public string Outside { get; }

    /// <summary>A world-readable file no plugin is granted.</summary>
    public string Secret { get; }

    /// <summary>A folder test manifests declare <c>file:read</c> on.</summary>
    public string Granted { get; }

    public string GrantedFile { get; }

    /// <summary>
    /// Copies a sample to <c>plugins/&lt;id&gt;</c> and gives it a manifest with this id and the
    /// extra lines (permissions, resources, hooks) of <paramref name="manifest"/>.
    /// </summary>
    public string Plugin(string sample, string id, string manifest)
    {
        var target = Path.Combine(Plugins, id);
        CopyTree(Path.Combine(SamplesDirectory, sample), target);
        File.WriteAllText(Path.Combine(target, "plugin.yaml"), $"id: {id}\nname: {id}\nversion: 1.0.0\npublisher: tests\n{manifest}");
        File.SetUnixFileMode(Path.Combine(target, "plugin.yaml"), WorldReadable);
        return target;
    }

    /// <summary>A copy of the misbehave sample with the given permissions (lines of a YAML list) and extra manifest lines.</summary>
    public string Misbehave(string id, string permissions = "", string extra = "", string resources = "{ memoryMb: 256, openFiles: 128, diskMb: 16, maxFileMb: 16 }", string timeouts = "{ init: 30s, call: 20s, hook: 2s }") =>
        Plugin("misbehave-csharp", id, $"""
            runtime: dotnet
            entry: bin/MisbehavePlugin.dll
            entryType: Samples.Misbehave.MisbehavePlugin
            timeouts: {timeouts}
            resources: {resources}
            permissions:
              required:
                - permission: file:write=$PLUGIN_DATA/**
                  reason: tests
            {permissions}
            {extra}
            """);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A worker may still hold a file for a moment; /tmp is cleaned eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target, Traversable);
        File.SetUnixFileMode(target, Traversable);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            var name = Path.GetFileName(file);
            var copy = Path.Combine(target, name);
            File.Copy(file, copy, overwrite: true);
            File.SetUnixFileMode(copy, (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0 ? Traversable : WorldReadable);
        }

        foreach (var dir in Directory.EnumerateDirectories(source))
        {
            if (Path.GetFileName(dir) != "obj")
            {
                CopyTree(dir, Path.Combine(target, Path.GetFileName(dir)));
            }
        }
    }

    private static string FindSamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var samples = Path.Combine(dir.FullName, "samples", "plugins");
            if (File.Exists(Path.Combine(dir.FullName, "Stockade.slnx")) && Directory.Exists(samples))
            {
                return samples;
            }
        }

        throw new InvalidOperationException("samples/plugins not found above the test folder");
    }
}
