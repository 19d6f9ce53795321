using Stockade.Hosting.Store;
using Stockade.Hosting.Tests.Audit;

namespace Stockade.Hosting.Tests.Store;

public sealed class WorkerUidTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public void WorkerUid_TwoPlugins_GetTheLowestFreeDistinctUidsAndKeepThem()
    {
        using var store = new StockadeStore(_home.Path);

        var a = store.WorkerUid("a", 5000, 10);
        var b = store.WorkerUid("b", 5000, 10);

        a.ShouldBe(5000);
        b.ShouldBe(5001);
        store.WorkerUid("a", 5000, 10).ShouldBe(5000);
        store.FindWorkerUid("b").ShouldBe(5001);
        store.FindWorkerUid("never-ran").ShouldBeNull();
    }

    [Fact]
    public void WorkerUid_ReopenedStoreAndChangedRange_KeepsTheRecordedUid()
    {
        using (var store = new StockadeStore(_home.Path))
        {
            store.WorkerUid("a", 5000, 10).ShouldBe(5000);
        }

        using var reopened = new StockadeStore(_home.Path);
        reopened.WorkerUid("a", 9000, 10).ShouldBe(5000, "a plugin's data stays owned by the uid it already has");
        reopened.WorkerUid("b", 9000, 10).ShouldBe(9000);
    }

    [Fact]
    public void WorkerUid_SystemAccountInTheRange_IsSkipped()
    {
        using var store = new StockadeStore(_home.Path);

        store.WorkerUid("a", 5000, 10, uid => uid is 5000 or 5001).ShouldBe(5002);
    }

    [Fact]
    public void WorkerUid_RangeUsedUp_ThrowsSayingHowToWidenIt()
    {
        using var store = new StockadeStore(_home.Path);
        store.WorkerUid("a", 5000, 2);
        store.WorkerUid("b", 5000, 2);

        var error = Should.Throw<StoreException>(() => store.WorkerUid("c", 5000, 2));

        error.Message.ShouldContain("every worker uid of 5000–5001 is in use");
        error.Message.ShouldContain("STOCKADE_WORKER_UIDS");
    }

    [Fact]
    public void WorkerUid_UninstalledPlugin_KeepsItsUidSoNoOtherPluginInheritsItsFiles()
    {
        using var store = new StockadeStore(_home.Path);
        store.UpsertPlugin(new PluginRecord("a", "1.0.0", "/src/a", DateTimeOffset.UnixEpoch, "hash", true, null));
        var uid = store.WorkerUid("a", 5000, 10);

        store.RemovePlugin("a").ShouldBeTrue();

        store.WorkerUid("b", 5000, 10).ShouldNotBe(uid);
        store.WorkerUid("a", 5000, 10).ShouldBe(uid);
    }

    [Fact]
    public void Constructor_Always_MakesTheDatabaseOwnerOnly()
    {
        using (new StockadeStore(_home.Path))
        {
        }

        File.GetUnixFileMode(Path.Combine(_home.Path, StockadeStore.FileName)).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
