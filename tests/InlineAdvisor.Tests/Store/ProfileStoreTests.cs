// SQLite-only store behaviour: creating the folder and file, the PRAGMAs and schema text of a new file (the tests both
// backends run are in StoreContractTests).
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Store;

public sealed class ProfileStoreTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>What the store assigns: the run's id, and site numbers 1..n in stored order.</summary>
    private static RunProfile WithId(RunProfile p, long id) =>
        p with { Run = p.Run with { Id = id }, Sites = p.Sites.Select((s, i) => s with { Id = i + 1 }).ToList() };

    [Fact]
    public void Open_creates_folder_and_file()
    {
        var path = Path.Combine(_temp.Root, "work", ".inline-advisor", "advisor.db");
        using var store = ProfileStore.Open(path);
        Assert.True(File.Exists(path));
        Assert.Equal(path, store.Path);
        Assert.Empty(store.ListRuns());
        Assert.Null(store.LatestRun());
        Assert.Null(store.LoadRun(1));
    }

    [Fact]
    public void Migration_from_an_empty_file_and_reopen_are_idempotent()
    {
        var path = _temp.File("advisor.db");
        File.WriteAllBytes(path, []);   // e.g. `touch advisor.db`
        using (var store = ProfileStore.Open(path))
            store.SaveRun(Realistic());

        string Schema()
        {
            using var raw = Raw(path);
            return $"{Scalar(raw, "PRAGMA user_version")}|{Scalar(raw, "PRAGMA application_id")}|{Scalar(raw, "PRAGMA journal_mode")}|" +
                   Scalar(raw, "SELECT group_concat(type || ':' || name || ':' || coalesce(sql, ''), char(10)) FROM (SELECT * FROM sqlite_master ORDER BY name)");
        }

        var afterFirst = Schema();
        Assert.StartsWith($"{ProfileStore.SchemaVersion}|{0x494E4C41}|wal|", afterFirst);
        Assert.Contains("run_sites_by_samples", afterFirst);
        Assert.Contains("run_sites_by_caller", afterFirst);

        for (var i = 0; i < 2; i++)
            using (var store = ProfileStore.Open(path))
                Assert.Single(store.ListRuns());
        Assert.Equal(afterFirst, Schema());
    }

}
