using System.Diagnostics;
using Stockade.Linux.FileSystem;

namespace Stockade.Linux.Tests.FileSystem;

/// <summary>The hostile-folder walker on its own: each hostile entry is refused by name, quickly, without reading it.</summary>
public sealed class PluginFolderTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("stockade-pluginfolder-").FullName;

    public static TheoryData<string> Kinds() => [.. HostileFolder.Kinds.Except(HostileFolder.RootKinds)];

    public static TheoryData<string> RootKinds() => [.. HostileFolder.RootKinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Open_HostileEntry_IsRefusedNamingIt(string kind) => RefusedNamingIt(kind);

    [RootTheory]
    [MemberData(nameof(RootKinds))]
    public void Open_HostileEntryOnlyRootCanMake_IsRefusedNamingIt(string kind) => RefusedNamingIt(kind);

    private void RefusedNamingIt(string kind)
    {
        var folder = Benign();
        var entry = HostileFolder.Add(folder, kind, _scratch);
        var stopwatch = Stopwatch.StartNew();

        var refused = Should.Throw<PluginFolderRefusedException>(() => PluginFolder.Open(folder).Dispose());

        stopwatch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        refused.Entry.ShouldBe(entry);
        refused.Message.ShouldContain(entry);
        refused.NextStep.ShouldNotBeNullOrWhiteSpace();
        refused.TimedOut.ShouldBeFalse();
    }

    [Fact]
    public void Open_BenignFolder_ListsFilesSortedAndReadsThem()
    {
        var folder = Benign();
        Directory.CreateDirectory(Path.Combine(folder, "obj", "Debug"));
        File.CreateSymbolicLink(Path.Combine(folder, "obj", "Debug", "link"), "/"); // obj/ is never walked

        using var opened = PluginFolder.Open(folder);

        opened.Files.Select(f => f.RelativePath).ShouldBe(["lib/util.py", "main.py", "plugin.yaml"]);
        opened.Directories.ShouldBe(["lib"]);
        System.Text.Encoding.UTF8.GetString(opened.ReadAllBytes("lib/util.py")).ShouldBe("x = 1\n");
    }

    [Fact]
    public void ReadAllBytes_FileSwappedForALinkAfterTheWalk_IsRefusedNotFollowed()
    {
        var folder = Benign();
        using var opened = PluginFolder.Open(folder);
        File.Delete(Path.Combine(folder, "main.py"));
        File.CreateSymbolicLink(Path.Combine(folder, "main.py"), "/etc/shadow");

        Should.Throw<PluginFolderRefusedException>(() => opened.ReadAllBytes("main.py")).Entry.ShouldBe("main.py");
    }

    [Fact]
    public void ReadAllBytes_FolderSwappedForALinkAfterTheWalk_IsRefusedNotFollowed()
    {
        var folder = Benign();
        using var opened = PluginFolder.Open(folder);
        var decoy = Path.Combine(_scratch, "decoy");
        Directory.CreateDirectory(decoy);
        File.WriteAllText(Path.Combine(decoy, "util.py"), "stolen");
        Directory.Move(Path.Combine(folder, "lib"), Path.Combine(_scratch, "lib-aside"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "lib"), decoy);

        Should.Throw<PluginFolderRefusedException>(() => opened.ReadAllBytes("lib/util.py"));
    }

    [Fact]
    public void ReadAllBytes_FileReplacedByAFifoAfterTheWalk_IsRefusedWithoutBlocking()
    {
        var folder = Benign();
        using var opened = PluginFolder.Open(folder);
        File.Delete(Path.Combine(folder, "main.py"));
        NativeMkfifo(Path.Combine(folder, "main.py"));

        var read = Task.Run(() => Should.Throw<PluginFolderRefusedException>(() => opened.ReadAllBytes("main.py")));
        read.Wait(TimeSpan.FromSeconds(20)).ShouldBeTrue("reading a FIFO put in place of a file blocked");
    }

    [Fact]
    public void Open_TinyTimeLimit_IsRefusedAsTimedOut()
    {
        var folder = Benign();
        for (var i = 0; i < 2000; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"f{i}"), "x");
        }

        var refused = Should.Throw<PluginFolderRefusedException>(() =>
            PluginFolder.Open(folder, PluginFolderLimits.Default with { Timeout = TimeSpan.FromTicks(1) }).Dispose());
        refused.TimedOut.ShouldBeTrue();
    }

    [Fact]
    public void Open_NameWithEscapeSequence_IsShownSanitised()
    {
        var folder = Benign();
        var name = "evil\u001b[2Jname";
        File.CreateSymbolicLink(Path.Combine(folder, name), "/");

        var refused = Should.Throw<PluginFolderRefusedException>(() => PluginFolder.Open(folder).Dispose());

        refused.Entry.ShouldBe("evil\\u001b[2Jname");
        refused.Message.ShouldNotContain("\u001b");
    }

    public void Dispose() => SafeTree.Remove(_scratch);

    private static void NativeMkfifo(string path) =>
        Infrastructure.NativeProgram.Run("/usr/bin/mkfifo", [path]).ExitCode.ShouldBe(0);

    private string Benign()
    {
        var folder = Path.Combine(_scratch, "plugin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(folder, "lib"));
        File.WriteAllText(Path.Combine(folder, "plugin.yaml"), "id: test.plugin\n");
        File.WriteAllText(Path.Combine(folder, "main.py"), "print('hi')\n");
        File.WriteAllText(Path.Combine(folder, "lib", "util.py"), "x = 1\n");
        return folder;
    }
}
