// Store behaviour on real SQLite files: round trips, immutability, migrations and run queries.
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
    public void Realistic_profile_round_trips_every_field()
    {
        var path = _temp.File("advisor.db");
        var profile = Realistic();
        long id;
        using (var store = ProfileStore.Open(path))
            id = store.SaveRun(profile);

        using (var store = ProfileStore.Open(path))   // a fresh connection reads it back
        {
            var loaded = store.LoadRun(id);
            AssertSameProfile(WithId(profile, id), loaded);
            Assert.Null(loaded!.Sites[2].PgoCount);
            Assert.Equal(0L, loaded.Sites[1].PgoCount);
            Assert.Null(loaded.Sites[3].Source);
            Assert.Equal(new SourceLocation("", 0, 0), loaded.Sites[4].Source);
            Assert.Equal("计算_🚀", loaded.Methods[3].Method.Name);
            Assert.True(loaded.Methods[4].Method.Signature.Length > 5_000);
            Assert.Equal(DateTimeKind.Utc, loaded.Run.StartedUtc.Kind);
            Assert.Equal(profile.Run.StartedUtc.Ticks, loaded.Run.StartedUtc.Ticks);
            Assert.Equal(0.1 + 0.2, loaded.Methods[1].Compiles[0].JitMilliseconds);
        }
    }

    [Fact]
    public void Methods_are_interned_by_identity_and_tokens_stay_per_run()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var a = store.SaveRun(Realistic(tokenBase: 0x06000000));
        var b = store.SaveRun(Realistic(tokenBase: 0x06000100));   // a rebuild: same methods, new tokens

        Assert.Equal(0x06000002, store.LoadRun(a)!.Methods[1].Token);
        Assert.Equal(0x06000102, store.LoadRun(b)!.Methods[1].Token);
        using var raw = Raw(path);
        var distinct = Realistic().Methods.Select(m => m.Method)
            .Concat(Realistic().Sites.SelectMany(s => new[] { s.Caller, s.Callee })).Distinct().Count();
        Assert.Equal((long)distinct, Scalar(raw, "SELECT count(*) FROM methods"));
    }

    [Fact]
    public void Saving_another_run_leaves_earlier_runs_identical()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var first = store.SaveRun(Realistic());
        var before = Dump(store.LoadRun(first)!);

        var second = Realistic(started: new DateTime(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc), tokenBase: 0x06000200);
        var secondId = store.SaveRun(second with { Run = second.Run with { Id = first } });   // a stale Id is ignored

        Assert.NotEqual(first, secondId);
        Assert.Equal(before, Dump(store.LoadRun(first)!));
        AssertSameProfile(WithId(second, secondId), store.LoadRun(secondId));
    }

    [Fact]
    public void Stored_runs_refuse_updates()
    {
        var path = _temp.File("advisor.db");
        using (var store = ProfileStore.Open(path))
            store.SaveRun(Realistic());
        using var raw = Raw(path);
        foreach (var sql in new[]
                 {
                     "UPDATE runs SET program = 'x'", "UPDATE run_sites SET call_samples = 0",
                     "UPDATE run_methods SET token = 1", "UPDATE methods SET name = 'x'",
                 })
        {
            var e = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => Scalar(raw, sql));
            Assert.Contains("immutable", e.Message);
        }
    }

    [Fact]
    public void A_failed_save_stores_nothing()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        store.SaveRun(Realistic());
        var bad = Realistic();
        // The last site is broken (a null name the schema refuses): run, methods and earlier sites must roll back too.
        bad = bad with { Sites = [.. bad.Sites, new CallSite { Caller = M("T", "New"), Callee = new MethodIdentity("a", "T", null!, "s") }] };

        Assert.Throws<StoreException>(() => store.SaveRun(bad));

        Assert.Single(store.ListRuns());
        using var raw = Raw(path);
        Assert.Equal(0L, Scalar(raw, "SELECT count(*) FROM methods WHERE name = 'New'"));
        Assert.Equal(1L, Scalar(raw, "SELECT count(DISTINCT run_id) FROM run_sites"));
        Assert.NotNull(store.LoadRun(store.SaveRun(Realistic())));   // the store still works
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

    [Fact]
    public void Run_queries_order_newest_first_and_match_program_and_config()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var day = new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var a1 = store.SaveRun(Realistic("A", "pgo=1", day.AddHours(1)));
        var b1 = store.SaveRun(Realistic("B", "pgo=1", day.AddHours(2)));
        var a0 = store.SaveRun(Realistic("A", "pgo=1", day));               // saved later, started earlier
        var a2 = store.SaveRun(Realistic("A", "pgo=0", day.AddHours(3)));
        var a3 = store.SaveRun(Realistic("A", "pgo=1", day.AddHours(4)));

        Assert.Equal([a3, a2, b1, a1, a0], store.ListRuns().Select(r => r.Id));
        Assert.Equal(a3, store.LatestRun()!.Id);
        var like = store.RunsLike(store.LoadRun(a1)!.Run);
        Assert.Equal([a3, a1, a0], like.Select(r => r.Id));
        Assert.All(like, r => Assert.Equal(["no PGO data for 3 sites", "", "multi\nline note"], r.Notes));
    }

    [Fact]
    public void LoadAggregate_merges_the_stored_runs()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var day = new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var ids = new[] { store.SaveRun(Realistic(started: day)), store.SaveRun(Realistic(started: day.AddHours(1))) };

        var aggregate = store.LoadAggregate([ids[1], ids[0], ids[1]]);   // duplicates count once

        var expected = ProfileMerge.Merge(ids.Select(id => store.LoadRun(id)!).ToList());
        Assert.Equal(Dump(expected), Dump(aggregate));
        Assert.Equal(2 * 12_345L, aggregate.Totals.Samples);
        Assert.Equal(ids[1], aggregate.Run.Id);
        Assert.Contains($"aggregate of 2 runs: ids {ids[0]}, {ids[1]}", aggregate.Run.Notes);

        var missing = Assert.Throws<StoreException>(() => store.LoadAggregate([ids[0], 999]));
        Assert.Contains("999", missing.Message);
        Assert.Contains(path, missing.Message);
    }
}
