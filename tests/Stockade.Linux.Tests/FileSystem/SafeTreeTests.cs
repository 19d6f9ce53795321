using System.Diagnostics;
using Stockade.Linux.FileSystem;
using Stockade.Linux.Tests.Infrastructure;

namespace Stockade.Linux.Tests.FileSystem;

/// <summary>
/// The removal and the measure of folders a plugin writes: real races against a thread that swaps a folder for a
/// link to a victim while the host works, links to / and /dev/zero, trees deeper than the descriptors held.
/// </summary>
public sealed class SafeTreeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stockade-safetree-").FullName;

    [RootTheory]
    [InlineData(65534)]
    public void ChangeOwner_TreeWithLinksToAVictim_ReownsTheTreeAndNeverTheVictim(int uid)
    {
        var victim = Path.Combine(_root, "victim");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "keep.txt"), "precious");
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(Path.Combine(data, "sub"));
        File.WriteAllText(Path.Combine(data, "sub", "mine.txt"), "x");
        File.CreateSymbolicLink(Path.Combine(data, "to-victim-file"), Path.Combine(victim, "keep.txt"));
        Directory.CreateSymbolicLink(Path.Combine(data, "sub", "to-victim"), victim);
        NativeProgram.Run("/usr/bin/ln", [Path.Combine(victim, "keep.txt"), Path.Combine(data, "hard-victim")]).ExitCode.ShouldBe(0);

        SafeTree.ChangeOwner(data, uid, uid).ShouldBeTrue();

        FileOwnership.Of(Path.Combine(data, "sub", "mine.txt")).Uid.ShouldBe((uint)uid);
        FileOwnership.Of(Path.Combine(data, "sub")).Uid.ShouldBe((uint)uid);
        FileOwnership.Of(Path.Combine(data, "to-victim-file")).Uid.ShouldBe((uint)uid, "the link itself is re-owned");
        FileOwnership.Of(victim).Uid.ShouldBe(0u, "a link's target folder is never followed");
        FileOwnership.Of(Path.Combine(victim, "keep.txt")).Uid.ShouldBe(0u, "a link's target file is never followed, nor a hard link to it re-owned");
    }

    [Fact]
    public void Remove_FolderSwappedForALinkToAVictimInALoop_LeavesTheVictimIntact()
    {
        // The attack of issue 14: a worker swaps a folder of its temp for a symlink to a victim while the host
        // deletes the temp. Directory.Delete(recursive) followed such a link; SafeTree must never.
        var victim = Path.Combine(_root, "victim");
        Directory.CreateDirectory(victim);
        for (var i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(victim, $"keep-{i}.txt"), "precious");
        }

        Directory.CreateDirectory(Path.Combine(victim, "sub"));
        File.WriteAllText(Path.Combine(victim, "sub", "deep.txt"), "precious");
        var removed = 0;
        var slowest = TimeSpan.Zero;
        const int Iterations = 2000;
        for (var round = 0; round < Iterations; round++)
        {
            var temp = Path.Combine(_root, $"temp-{round}");
            var swapped = Path.Combine(temp, "swap");
            var aside = Path.Combine(temp, "aside");
            Directory.CreateDirectory(swapped);
            for (var i = 0; i < 8; i++)
            {
                File.WriteAllText(Path.Combine(swapped, $"f{i}"), "x");
            }

            using var stop = new CancellationTokenSource();
            var attacker = Task.Factory.StartNew(() => SwapLoop(swapped, aside, victim, stop.Token), TaskCreationOptions.LongRunning);
            var started = Stopwatch.GetTimestamp();
            var gone = SafeTree.Remove(temp);
            var took = Stopwatch.GetElapsedTime(started);
            slowest = took > slowest ? took : slowest;
            stop.Cancel();
            attacker.Wait();
            if (gone)
            {
                removed++;
            }

            // The attacker may have recreated its folder after the removal; a second one, with no attacker, ends it.
            SafeTree.Remove(temp).ShouldBeTrue();

            Directory.Exists(temp).ShouldBeFalse();
            Directory.GetFiles(victim).Length.ShouldBe(20, $"round {round}: the victim lost files");
            File.Exists(Path.Combine(victim, "sub", "deep.txt")).ShouldBeTrue($"round {round}: the victim lost its sub folder");
        }

        removed.ShouldBeGreaterThan(0);

        // Functional, not a speed target: a removal racing the swapper ends (no livelock), however loaded the machine.
        slowest.ShouldBeLessThan(TimeSpan.FromSeconds(60), "one removal against the swapping attacker never ended");
    }

    [Fact]
    public void Remove_LinksToRootAndDevZeroInside_UnlinksThemAndFollowsNothing()
    {
        var temp = Path.Combine(_root, "temp");
        Directory.CreateDirectory(Path.Combine(temp, "a", "b"));
        File.CreateSymbolicLink(Path.Combine(temp, "root"), "/");
        File.CreateSymbolicLink(Path.Combine(temp, "a", "zero"), "/dev/zero");
        var outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "keep"), "x");
        Directory.CreateSymbolicLink(Path.Combine(temp, "a", "b", "out"), outside);

        SafeTree.Remove(temp).ShouldBeTrue();

        Directory.Exists(temp).ShouldBeFalse();
        File.Exists(Path.Combine(outside, "keep")).ShouldBeTrue();
        File.Exists("/dev/zero").ShouldBeTrue();
    }

    [Fact]
    public void Remove_TopIsALink_UnlinksTheLinkOnly()
    {
        var victim = Path.Combine(_root, "victim");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "keep"), "x");
        var link = Path.Combine(_root, "temp");
        Directory.CreateSymbolicLink(link, victim);

        SafeTree.Remove(link).ShouldBeTrue();

        File.Exists(link).ShouldBeFalse();
        File.Exists(Path.Combine(victim, "keep")).ShouldBeTrue();
    }

    [Fact]
    public void Remove_TreeDeeperThanTheDescriptorsHeld_RemovesAll()
    {
        var temp = Path.Combine(_root, "deep");
        var current = temp;
        Directory.CreateDirectory(temp);
        for (var i = 0; i < SafeTree.MaxOpenDepth * 4; i++)
        {
            // Relative steps keep the path short enough for the test's own calls.
            current = Path.Combine(current, "d");
            Directory.CreateDirectory(current);
            File.WriteAllText(Path.Combine(current, "f"), "x");
        }

        SafeTree.Remove(temp).ShouldBeTrue();
        Directory.Exists(temp).ShouldBeFalse();
    }

    [Fact]
    public void Remove_ReadOnlyFoldersInside_RemovesThem()
    {
        var temp = Path.Combine(_root, "ro");
        var inner = Path.Combine(temp, "locked");
        Directory.CreateDirectory(inner);
        File.WriteAllText(Path.Combine(inner, "f"), "x");
        File.SetUnixFileMode(inner, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        SafeTree.Remove(temp).ShouldBeTrue();
        Directory.Exists(temp).ShouldBeFalse();
    }

    [Fact]
    public void Remove_Missing_IsTrue() => SafeTree.Remove(Path.Combine(_root, "missing")).ShouldBeTrue();

    [Fact]
    public void Measure_LinkToRootAndLinkedFolder_CountsTheLinksNotTheirTargets()
    {
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(Path.Combine(data, "x"));
        File.WriteAllBytes(Path.Combine(data, "x", "a.bin"), new byte[10_000]);
        var big = Path.Combine(_root, "big.bin");
        using (var stream = File.Create(big))
        {
            stream.SetLength(1L << 30);
        }

        File.CreateSymbolicLink(Path.Combine(data, "root"), "/");
        File.CreateSymbolicLink(Path.Combine(data, "big"), big);
        File.CreateSymbolicLink(Path.Combine(data, "zero"), "/dev/zero");

        var stopwatch = Stopwatch.StartNew();
        var usage = SafeTree.Measure(data, 100_000, TimeSpan.FromSeconds(10))!.Value;

        usage.Entries.ShouldBe(5);
        usage.Bytes.ShouldBeGreaterThanOrEqualTo(10_000);
        usage.Bytes.ShouldBeLessThan(1L << 20); // neither the 1 GiB target nor / was counted
        usage.TooMany.ShouldBeFalse();
        stopwatch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Measure_SparseFile_CountsItsApparentSize()
    {
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        using (var stream = File.Create(Path.Combine(data, "sparse")))
        {
            stream.SetLength(1L << 30);
        }

        SafeTree.Measure(data, 100, TimeSpan.FromSeconds(10))!.Value.Bytes.ShouldBeGreaterThanOrEqualTo(1L << 30);
    }

    [Fact]
    public void Measure_MoreEntriesThanTheCap_StopsAtTheCapAndSaysTooMany()
    {
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        for (var i = 0; i < 3000; i++)
        {
            File.WriteAllBytes(Path.Combine(data, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), []);
        }

        var usage = SafeTree.Measure(data, 1000, TimeSpan.FromSeconds(10))!.Value;

        usage.TooMany.ShouldBeTrue();
        usage.Entries.ShouldBeLessThanOrEqualTo(1001);
    }

    [Fact]
    public void Measure_FolderSwappedForALinkToRootInALoop_NeverWalksRoot()
    {
        var data = Path.Combine(_root, "data");
        var swapped = Path.Combine(data, "swap");
        var aside = Path.Combine(data, "aside");
        Directory.CreateDirectory(swapped);
        using var stop = new CancellationTokenSource();
        var attacker = Task.Factory.StartNew(() => SwapLoop(swapped, aside, "/", stop.Token), TaskCreationOptions.LongRunning);
        try
        {
            for (var i = 0; i < 2000; i++)
            {
                var usage = SafeTree.Measure(data, 100_000, TimeSpan.FromSeconds(10))!.Value;
                usage.Entries.ShouldBeLessThan(10, $"measure {i} walked into the link's target");
            }
        }
        finally
        {
            stop.Cancel();
            attacker.Wait();
        }
    }

    [Fact]
    public void Measure_Missing_IsNull() => SafeTree.Measure(Path.Combine(_root, "missing"), 10, TimeSpan.FromSeconds(1)).ShouldBeNull();

    public void Dispose()
    {
        // The tests' own clean-up goes through the type under test: a link left by a failed race must not be followed.
        SafeTree.Remove(_root);
    }

    /// <summary>Swaps <paramref name="folder"/> for a link to <paramref name="target"/> and back, as fast as it can.</summary>
    private static void SwapLoop(string folder, string aside, string target, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Directory.Move(folder, aside);
                File.CreateSymbolicLink(folder, target);
                Thread.Yield();
                File.Delete(folder);
                Directory.Move(aside, folder);
            }
            catch (IOException)
            {
                // The remover took part of it away; recreate what is needed and go on.
                try
                {
                    if (!Path.Exists(folder))
                    {
                        Directory.CreateDirectory(folder);
                    }
                }
                catch (IOException)
                {
                }
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
