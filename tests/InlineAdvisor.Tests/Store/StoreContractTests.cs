// The store's behaviour on both backends: the same tests on a SQLite file and on a PostgreSQL database (fresh per test):
// round trips of runs, experiments, screens and budget data, immutability, migrations from older schemas, aggregation.
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Store;

public sealed class SqliteStoreContractTests : StoreContractTests, IDisposable
{
    private readonly TempFolder _temp;
    public SqliteStoreContractTests() : this(new TempFolder()) { }
    private SqliteStoreContractTests(TempFolder temp) : base(temp.File("advisor.db")) => _temp = temp;

    protected override DbConnection Raw()
    {
        var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Location};Pooling=False");   // creates the file, as another program would
        c.Open();
        return c;
    }
    protected override void ForceVersion(int version) => Exec($"PRAGMA user_version = {version}");
    public void Dispose() => _temp.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresServer server) : StoreContractTests(server.NewDatabase())
{
    protected override DbConnection Raw() => server.Raw(Location);
    protected override void ForceVersion(int version) => Exec($"UPDATE inline_advisor_meta SET version = {version}");
}

/// <summary>Each test gets a store location nothing is at yet; <see cref="Raw"/> reaches its tables past the store.</summary>
public abstract class StoreContractTests(string location)
{
    protected string Location { get; } = location;

    protected abstract DbConnection Raw();

    /// <summary>Sets the stored schema version behind the store's back (as a newer build would have left it).</summary>
    protected abstract void ForceVersion(int version);

    protected ProfileStore Open() => ProfileStore.Open(Location);

    protected object? Exec(string sql)
    {
        using var c = Raw();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    protected long Count(string sql) => Convert.ToInt64(Exec(sql));

    private static readonly DateTime Day = new(2025, 6, 2, 9, 30, 0, DateTimeKind.Utc);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static string DumpAny<T>(T value) => JsonSerializer.Serialize(value, Indented);

    private static void AssertSameExperiment(ExperimentRecord expected, ExperimentRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(DumpAny(expected), DumpAny(actual));
    }

    private static readonly MethodIdentity Main = M("Samples.Hashing.Program", "Main", "void  (class System.String[])");
    private static readonly MethodIdentity Hash = M("Samples.Hashing.Hasher", "Hash", "unsigned int64  (unsigned int8[],unsigned int64)");
    private static readonly MethodIdentity Mix = M("Samples.Hashing.Hasher", "Mix", "unsigned int64  (unsigned int64)");

    /// <summary>What the store assigns: the run's id, and site numbers 1..n in stored order.</summary>
    private static RunProfile WithId(RunProfile p, long id) =>
        p with { Run = p.Run with { Id = id }, Sites = p.Sites.Select((s, i) => s with { Id = i + 1 }).ToList() };

    // ---- runs ----

    [Fact]
    public void Realistic_profile_round_trips_every_field()
    {
        var profile = Realistic();
        long id;
        using (var store = Open())
        {
            Assert.Empty(store.ListRuns());
            Assert.Null(store.LatestRun());
            id = store.SaveRun(profile);
        }
        using (var store = Open())   // a fresh connection reads it back
        {
            var loaded = store.LoadRun(id);
            AssertSameProfile(WithId(profile, id), loaded);
            Assert.Null(loaded!.Sites[2].PgoCount);
            Assert.Equal(0L, loaded.Sites[1].PgoCount);
            Assert.Equal(3_000_000_000L, loaded.Sites[2].InlinedCodeBytes);
            Assert.Null(loaded.Sites[1].InlinedCodeBytes);
            Assert.Null(loaded.Sites[3].Source);
            Assert.Equal(new SourceLocation("", 0, 0), loaded.Sites[4].Source);
            Assert.Equal("计算_🚀", loaded.Methods[3].Method.Name);
            Assert.True(loaded.Methods[4].Method.Signature.Length > 5_000);
            Assert.Equal(DateTimeKind.Utc, loaded.Run.StartedUtc.Kind);
            Assert.Equal(profile.Run.StartedUtc.Ticks, loaded.Run.StartedUtc.Ticks);
            Assert.Equal(0.1 + 0.2, loaded.Methods[1].Compiles[0].JitMilliseconds);
            Assert.Null(store.LoadRun(id + 1));
            Assert.Equal(Location, store.Path);
        }
    }

    [Fact]
    public void Methods_are_interned_by_identity_and_tokens_stay_per_run()
    {
        using var store = Open();
        var a = store.SaveRun(Realistic(tokenBase: 0x06000000));
        var b = store.SaveRun(Realistic(tokenBase: 0x06000100));   // a rebuild: same methods, new tokens

        Assert.Equal(0x06000002, store.LoadRun(a)!.Methods[1].Token);
        Assert.Equal(0x06000102, store.LoadRun(b)!.Methods[1].Token);
        var distinct = Realistic().Methods.Select(m => m.Method)
            .Concat(Realistic().Sites.SelectMany(s => new[] { s.Caller, s.Callee })).Distinct().Count();
        Assert.Equal(distinct, Count("SELECT count(*) FROM methods"));
    }

    /// <summary>A signature far past a btree entry's size that does not compress (PostgreSQL indexes at most ~2.7 kB per
    /// entry): the identity is still unique and found again.</summary>
    [Fact]
    public void A_long_incompressible_signature_is_stored_and_interned_once()
    {
        var random = new Random(7);
        var signature = "void  (" + string.Join(",", Enumerable.Range(0, 900).Select(_ => $"valuetype N{random.Next():x8}.T{random.Next():x8}")) + ")";
        var p = Realistic();
        var odd = M("Samples.Long", "Sig", signature);
        p = p with { Methods = [.. p.Methods, new MethodProfile { Method = odd, Token = 0x06000042, IlSize = 1 }] };
        using var store = Open();
        var a = store.SaveRun(p);
        var b = store.SaveRun(p);
        Assert.Equal(signature, store.LoadRun(b)!.Methods[^1].Method.Signature);
        Assert.Equal(1, Count("SELECT count(*) FROM methods WHERE name = 'Sig'"));
        Assert.NotEqual(a, b);
    }

    /// <summary>Writers on their own connections at once (as processes on several hosts), each round adding the same new
    /// methods in opposite orders, which can deadlock two PostgreSQL writers (one is retried): every run is stored whole
    /// and every method once.</summary>
    [Fact]
    public void Concurrent_writers_store_every_run_and_intern_each_method_once()
    {
        Open().Dispose();   // the schema first: migrating concurrently is the two-process test's part
        const int writers = 4, rounds = 5, fresh = 30;
        var saved = new System.Collections.Concurrent.ConcurrentBag<long>();
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
        {
            using var store = ProfileStore.Open(Location, TimeSpan.FromSeconds(30));
            for (var round = 0; round < rounds; round++)
            {
                var added = Enumerable.Range(0, fresh).Select(k => M("Concurrent.Type", $"R{round}_{k}")).ToList();
                if (w % 2 == 1) added.Reverse();
                var p = Realistic(program: $"writer {w}");
                p = p with { Methods = [.. p.Methods, .. added.Select(m => new MethodProfile { Method = m, Token = 0x06000100, IlSize = 2 })] };
                saved.Add(store.SaveRun(p));
            }
        });
        using var check = Open();
        Assert.Equal(writers * rounds, check.ListRuns().Count);
        Assert.Equal(saved.Order(), check.ListRuns().Select(r => r.Id).Order());
        Assert.All(saved, id => Assert.Equal(Realistic().Methods.Count + fresh, check.LoadRun(id)!.Methods.Count));
        Assert.Equal(rounds * fresh, Count("SELECT count(*) FROM methods WHERE type = 'Concurrent.Type'"));
    }

    [Fact]
    public void Saving_another_run_leaves_earlier_runs_identical()
    {
        using var store = Open();
        var first = store.SaveRun(Realistic());
        var before = Dump(store.LoadRun(first)!);
        var second = Realistic(started: new DateTime(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc), tokenBase: 0x06000200);
        var secondId = store.SaveRun(second with { Run = second.Run with { Id = first } });   // a stale Id is ignored

        Assert.NotEqual(first, secondId);
        Assert.Equal(before, Dump(store.LoadRun(first)!));
        AssertSameProfile(WithId(second, secondId), store.LoadRun(secondId));
    }

    [Fact]
    public void Stored_runs_experiments_and_screens_refuse_updates()
    {
        using (var store = Open())
        {
            var run = store.SaveRun(BudgetStoreTests.WithBudget(Realistic()));
            store.SaveExperiment(ExperimentStoreTests.Experiment(run));
            store.SaveScreen(Screen(run, store.LoadRun(run)!.Sites));
        }
        foreach (var sql in new[]
                 {
                     "UPDATE runs SET program = 'x'", "UPDATE run_notes SET text = 'x'", "UPDATE run_totals SET samples = 0",
                     "UPDATE run_sites SET call_samples = 0", "UPDATE run_methods SET token = 1", "UPDATE run_code_versions SET tier = 'x'",
                     "UPDATE methods SET name = 'x'", "UPDATE run_budget_inlines SET reason = 'x'",
                     "UPDATE experiments SET verdict = 'NoEffect'", "UPDATE experiment_notes SET text = 'x'",
                     "UPDATE experiment_edits SET after_flags = 0", "UPDATE experiment_sites SET il_offset = 0",
                     "UPDATE experiment_metrics SET effect = 0", "UPDATE experiment_flip_checks SET honoured = 3",
                     "UPDATE experiment_runs SET cpu_seconds = 0",
                     "UPDATE screens SET command = 'x'", "UPDATE screen_candidates SET verdict = 'x'", "UPDATE screen_design SET candidate = 9",
                     "UPDATE screen_sites SET il_offset = 0", "UPDATE screen_metrics SET effect = 0", "UPDATE screen_interactions SET detected = 0",
                     "UPDATE screen_runs SET cpu_seconds = 0", "UPDATE screen_notes SET text = 'x'",
                 })
        {
            var e = Assert.ThrowsAny<DbException>(() => Exec(sql));
            Assert.Contains("immutable", e.Message);
        }
        using var check = Open();
        Assert.Equal(Realistic().Run.Program, Assert.Single(check.ListRuns()).Program);
    }

    [Fact]
    public void A_failed_save_stores_nothing()
    {
        using var store = Open();
        store.SaveRun(Realistic());
        var bad = Realistic();
        // The last site is broken (a null name the schema refuses): run, methods and earlier sites must roll back too.
        bad = bad with { Sites = [.. bad.Sites, new CallSite { Caller = M("T", "New"), Callee = new MethodIdentity("a", "T", null!, "s") }] };

        var e = Assert.Throws<StoreException>(() => store.SaveRun(bad));
        Assert.Contains(Location, e.Message);

        Assert.Single(store.ListRuns());
        Assert.Equal(0, Count("SELECT count(*) FROM methods WHERE name = 'New'"));
        Assert.Equal(1, Count("SELECT count(DISTINCT run_id) FROM run_sites"));
        Assert.NotNull(store.LoadRun(store.SaveRun(Realistic())));   // the store still works
    }

    [Fact]
    public void Run_queries_order_newest_first_and_match_program_and_config()
    {
        using var store = Open();
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
    public void Runs_from_other_hosts_and_builds_aggregate_when_program_and_settings_match()
    {
        using var store = Open();
        var day = new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        RunProfile On(string machine, int hour, int tokenBase, string config = "pgo=1") =>
            Realistic("A", config, day.AddHours(hour), tokenBase) is var p ? p with { Run = p.Run with { Machine = machine, TracePath = $"/{machine}/t.nettrace" } } : p;
        var ci = store.SaveRun(On("ci-runner-7 x64 16 cores", 1, 0x06000000));
        var laptop = store.SaveRun(On("dev-laptop arm64 8 cores", 2, 0x06000400));   // another host and a rebuild (new tokens)
        store.SaveRun(On("dev-laptop arm64 8 cores", 3, 0x06000400, config: "pgo=0")); // other runtime settings: apart

        var like = store.RunsLike(store.LoadRun(ci)!.Run);
        Assert.Equal([laptop, ci], like.Select(r => r.Id));

        var aggregate = store.LoadAggregate(like.Select(r => r.Id).ToList());
        Assert.Equal(2 * Realistic().Totals.Samples, aggregate.Totals.Samples);
        Assert.Equal(Realistic().Sites.Count, aggregate.Sites.Count);               // the same sites, by identity, not by token
        Assert.Equal(0x06000402, aggregate.Methods.Single(m => m.Method.Name == "Hash").Token);   // the newest build's token
        Assert.Equal(2 * 8_000L, aggregate.Sites.Single(s => s.IlOffset == 17).CallSamples);
    }

    [Fact]
    public void LoadAggregate_merges_the_stored_runs()
    {
        using var store = Open();
        var day = new DateTime(2025, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var ids = new[] { store.SaveRun(Realistic(started: day)), store.SaveRun(Realistic(started: day.AddHours(1))) };

        var aggregate = store.LoadAggregate([ids[1], ids[0], ids[1]]);   // duplicates count once

        Assert.Equal(Dump(ProfileMerge.Merge(ids.Select(id => store.LoadRun(id)!).ToList())), Dump(aggregate));
        Assert.Equal(2 * 12_345L, aggregate.Totals.Samples);
        Assert.Equal(ids[1], aggregate.Run.Id);
        Assert.Contains($"aggregate of 2 runs: ids {ids[0]}, {ids[1]}", aggregate.Run.Notes);
        var missing = Assert.Throws<StoreException>(() => store.LoadAggregate([ids[0], 999]));
        Assert.Contains("999", missing.Message);
        Assert.Contains(Location, missing.Message);
    }

    [Fact]
    public void Budget_compiles_round_trip_and_the_editor_load_keeps_them()
    {
        var profile = BudgetStoreTests.WithBudget(Realistic());
        long id;
        using (var store = Open()) id = store.SaveRun(profile);
        using (var store = Open())
        {
            var loaded = store.LoadRun(id)!;
            Assert.Equal(Dump(profile with { Run = loaded.Run, Sites = loaded.Sites }), Dump(loaded));
            var editor = store.LoadRunForEditor(id, minShare: 0.5)!;
            Assert.Equal(JsonSerializer.Serialize(profile.BudgetCompiles), JsonSerializer.Serialize(editor.BudgetCompiles));
            var c = Assert.Single(InlineBudget.Cases(editor));
            Assert.Equal(MethodImplFlags.AggressiveInlining, editor.Methods.Single(m => m.Method == c.Spenders[0].Method).ImplFlags & MethodImplFlags.AggressiveInlining);
        }
    }

    // ---- experiments and screens ----

    [Fact]
    public void Realistic_experiment_round_trips_every_field()
    {
                long runId, id;
        ExperimentRecord experiment;
        using (var store = Open())
        {
            runId = store.SaveRun(Realistic());
            experiment = ExperimentStoreTests.Experiment(runId, sites: store.LoadRun(runId)!.Sites.Take(4).ToList());
            id = store.SaveExperiment(experiment);
        }

        using (var store = Open())   // a fresh connection reads it back
        {
            var loaded = store.LoadExperiment(id);
            AssertSameExperiment(experiment with { Id = id }, loaded);
            AssertSameExperiment(experiment with { Id = id }, Assert.Single(store.ListExperiments()));
            Assert.NotEqual(12345, id);
            Assert.Equal(runId, loaded!.ProfileRunId);
            Assert.Equal([1, 2, 3, 4], loaded.Sites.Select(s => s.Id));
            Assert.Null(loaded.Sites[2].PgoCount);
            Assert.Equal(0L, loaded.Sites[1].PgoCount);
            Assert.Null(loaded.Sites[3].Source);
            Assert.Equal(new SourceLocation("/src/Ünïcödé/Hasher 🚀.cs", 40, 13), loaded.Sites[1].Source);
            Assert.Equal(DateTimeKind.Utc, loaded.StartedUtc.Kind);
            Assert.Equal(experiment.StartedUtc.Ticks, loaded.StartedUtc.Ticks);
            Assert.Null(loaded.Runs[1].CpuSeconds);                  // not available stays null…
            Assert.Null(loaded.Runs[1].PeakRssBytes);
            Assert.Equal(0.0, loaded.Runs[2].CpuSeconds);            // …and a measured zero stays zero
            Assert.Equal(0L, loaded.Runs[2].PeakRssBytes);
            Assert.Equal(0.1 + 0.2, loaded.Runs[2].WallSeconds);
            Assert.True(double.IsNaN(loaded.Metrics[1].MedianBaseline));
            Assert.Equal(double.PositiveInfinity, loaded.Metrics[1].High);
            Assert.Equal(double.Epsilon, loaded.Metrics[2].Low);
            Assert.Equal("Wert_🚀", loaded.Edits[2].Method.Name);
            Assert.Equal(MethodImplFlags.NoInlining | MethodImplFlags.AggressiveOptimization, loaded.Edits[1].After);
            Assert.False(loaded.Flip!.Verified);
            Assert.Equal(["", "multi\nline ü 🚀"], loaded.Notes);
        }
    }

    [Fact]
    public void Empty_experiment_round_trips_and_an_empty_flip_check_differs_from_none()
    {
                using var store = Open();
        var none = ExperimentStoreTests.Minimal(Day);
        var empty = ExperimentStoreTests.Minimal(Day.AddSeconds(1)) with { Flip = new FlipCheck(0, 0, []), Seconds = double.NaN, Epsilon = double.NaN };

        var noneId = store.SaveExperiment(none);
        var emptyId = store.SaveExperiment(empty);

        AssertSameExperiment(none with { Id = noneId }, store.LoadExperiment(noneId));
        AssertSameExperiment(empty with { Id = emptyId }, store.LoadExperiment(emptyId));
        Assert.Null(store.LoadExperiment(noneId)!.Flip);
        Assert.NotNull(store.LoadExperiment(emptyId)!.Flip);
        Assert.Empty(store.LoadExperiment(noneId)!.Notes);
        Assert.Null(store.LoadExperiment(999));
    }

    [Fact]
    public void Experiments_are_listed_newest_first_by_start_time()
    {
                using var store = Open();
        Assert.Empty(store.ListExperiments());
        var b = store.SaveExperiment(ExperimentStoreTests.Experiment(started: Day.AddHours(2)));
        var a = store.SaveExperiment(ExperimentStoreTests.Experiment(started: Day.AddHours(1)));   // saved later, started earlier
        var c = store.SaveExperiment(ExperimentStoreTests.Minimal(Day.AddHours(3)));
        var tie = store.SaveExperiment(ExperimentStoreTests.Minimal(Day.AddHours(3)));             // same start: the later id first

        Assert.Equal([tie, c, b, a], store.ListExperiments().Select(e => e.Id));
        Assert.Equal(ExperimentStoreTests.Experiment().Runs.Count, store.ListExperiments()[2].Runs.Count);   // whole records
    }

    [Fact]
    public void ExperimentsFor_finds_evidence_by_site_identity_across_builds()
    {
                using var store = Open();
        var firstBuild = store.SaveRun(Realistic(started: Day, tokenBase: 0x06000000));
        var mainHash = store.LoadRun(firstBuild)!.Sites[0];
        var older = store.SaveExperiment(ExperimentStoreTests.Experiment(firstBuild, Day.AddHours(1), [mainHash]));
        var unrelated = store.SaveExperiment(ExperimentStoreTests.Experiment(null, Day.AddHours(2), [ExperimentStoreTests.NumberedSites()[3]]));
        var aggregateSite = mainHash with { Id = 0, IlOffset = -1, Source = null };          // from an aggregate: no run, no offset
        var newer = store.SaveExperiment(ExperimentStoreTests.Experiment(null, Day.AddHours(3), [aggregateSite]));

        // A rebuild: new tokens, same identities. Its site finds the evidence gathered on the first build.
        var rebuild = store.SaveRun(Realistic(started: Day.AddDays(1), tokenBase: 0x06000400));
        var site = store.LoadRun(rebuild)!.Sites[0];
        Assert.Equal(0x06000401, store.LoadRun(rebuild)!.Methods[0].Token);
        var found = store.ExperimentsFor(site.Caller, site.Callee);
        Assert.Equal([newer, older], found.Select(e => e.Id));
        AssertSameExperiment(store.LoadExperiment(older)!, found[1]);

        Assert.Empty(store.ExperimentsFor(Hash, Mix));                                      // another site of the same run
        Assert.Empty(store.ExperimentsFor(Hash, Main));                                     // reversed
        Assert.Empty(store.ExperimentsFor(Main, Hash with { Signature = "unsigned int64  (unsigned int8[])" }));   // an overload
        Assert.Empty(store.ExperimentsFor(Main with { Assembly = "Other" }, Hash));         // another assembly
        Assert.Empty(store.ExperimentsFor(M("No.Such", "Type"), Hash));                     // never stored
        var other = ExperimentStoreTests.NumberedSites()[3];
        Assert.Equal([unrelated], store.ExperimentsFor(other.Caller, other.Callee).Select(e => e.Id));
        Assert.Empty(store.ExperimentsFor(Mix, M("Samples.Ünïcödé.Größe", "Wert_🚀", "float64  ()", asm: "Sämples.Ünï")));   // edited, not a site
    }

    [Fact]
    public void Experiments_share_method_identities_with_runs()
    {
                using var store = Open();
        var runId = store.SaveRun(Realistic());
                var before = Count("SELECT count(*) FROM methods");

        store.SaveExperiment(ExperimentStoreTests.Experiment(runId));
        store.SaveExperiment(ExperimentStoreTests.Experiment(runId));

        Assert.Equal(before + 1, Count("SELECT count(*) FROM methods"));   // only the one method no run mentions
        Assert.Equal(1L, Count("SELECT count(DISTINCT caller_id) FROM experiment_sites WHERE caller_id = " +
                                     "(SELECT caller_id FROM run_sites WHERE ordinal = 0)"));
    }

    [Fact]
    public void A_failed_experiment_save_stores_nothing()
    {
                using var store = Open();
        var runId = store.SaveRun(Realistic());
        var kept = store.SaveExperiment(ExperimentStoreTests.Experiment(runId, Day));
        var bad = ExperimentStoreTests.Experiment(runId, Day.AddHours(1));
        var newSite = new CallSite { Id = 9, Caller = M("T", "NewCaller"), Callee = M("T", "NewCallee"), IlOffset = 4 };
        // Everything is written but the last arm run, which the schema refuses (a null arm).
        bad = bad with { Sites = [.. bad.Sites, newSite], Runs = [.. bad.Runs, new ArmRun(null!, 9, 1, null, null, null, null, null, null)] };

        var e = Assert.Throws<StoreException>(() => store.SaveExperiment(bad));
        Assert.Contains(Location, e.Message);

        var missingRun = Assert.Throws<StoreException>(() => store.SaveExperiment(ExperimentStoreTests.Experiment(999, sites: [newSite])));
        Assert.Contains("no run with id 999", missingRun.Message);
        Assert.Contains(Location, missingRun.Message);

        Assert.Equal([kept], store.ListExperiments().Select(x => x.Id));
                Assert.Equal(0L, Count("SELECT count(*) FROM methods WHERE name LIKE 'New%'"));
        foreach (var table in new[] { "experiment_notes", "experiment_edits", "experiment_sites", "experiment_metrics",
                                      "experiment_flip_checks", "experiment_runs" })
            Assert.Equal(0L, Count($"SELECT count(*) FROM {table} WHERE experiment_id <> {kept}"));
        Assert.NotNull(store.LoadExperiment(store.SaveExperiment(ExperimentStoreTests.Experiment(runId))));   // the store still works
    }

    [Fact]
    public void A_screen_round_trips_whole_and_a_refused_save_writes_nothing()
    {
        using var store = Open();
        var runId = store.SaveRun(Realistic());
        var sites = store.LoadRun(runId)!.Sites;
        var screen = Screen(runId, sites);
        var id = store.SaveScreen(screen);
        Assert.Equal(DumpAny(screen with { Id = id }), DumpAny(store.LoadScreen(id)));
        Assert.Empty(store.ListExperiments());   // a screen is never experiment evidence (never advice)
        Assert.Throws<StoreException>(() => store.SaveScreen(Screen(runId + 99, sites)));
        Assert.Single(store.ListScreens());
    }

    [Fact]
    public void ChangeStamp_moves_when_a_run_or_an_experiment_is_added()
    {
        using var store = Open();
        var empty = store.ChangeStamp();
        Assert.Equal<(long?, long, long?, long)>((null, 0, null, 0), empty);
        var run = store.SaveRun(Realistic());
        Assert.Equal<(long?, long, long?, long)>((run, 1, null, 0), store.ChangeStamp());
        var e = store.SaveExperiment(ExperimentStoreTests.Experiment(run));
        using var other = Open();   // another process's view
        Assert.Equal<(long?, long, long?, long)>((run, 1, e, 1), other.ChangeStamp());
    }

    // ---- schema ----

    /// <summary>A store made by an older build (schema 1: runs only; 2: experiments; 3: budget accounting) opens in this one
    /// with every run as it was, and takes what the later versions added.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_store_of_an_older_schema_migrates_keeping_its_runs(int version)
    {
        long[] ids;
        string[] dumps;
        using (var old = ProfileStore.Open(Location, ProfileStore.DefaultBusyTimeout, schemaVersion: version))
        {
            ids = [old.SaveRun(Realistic(started: Day)), old.SaveRun(Realistic("Other", "pgo=0", Day.AddHours(1), tokenBase: 0x06000100))];
            if (version >= 2) old.SaveExperiment(ExperimentStoreTests.Experiment(ids[0]));
            dumps = ids.Select(id => Dump(old.LoadRun(id)!)).ToArray();
        }
        using (var reopened = ProfileStore.Open(Location, ProfileStore.DefaultBusyTimeout, schemaVersion: version))
            Assert.Equal(dumps, ids.Select(id => Dump(reopened.LoadRun(id)!)));   // the old build reads its own store again

        using (var store = Open())
        {
            Assert.Equal(dumps, ids.Select(id => Dump(store.LoadRun(id)!)));
            Assert.Equal(version >= 2 ? 1 : 0, store.ListExperiments().Count);
            var site = store.LoadRun(ids[0])!.Sites[1];
            var e = store.SaveExperiment(ExperimentStoreTests.Experiment(ids[0], sites: [site]));
            Assert.Contains(e, store.ExperimentsFor(site.Caller, site.Callee).Select(x => x.Id));
            Assert.Equal(2, store.LoadRun(store.SaveRun(BudgetStoreTests.WithBudget(Realistic())))!.BudgetCompiles.Count);
            Assert.Equal(3, store.LoadScreen(store.SaveScreen(Screen(ids[0], store.LoadRun(ids[0])!.Sites)))!.Candidates.Count);
        }
        using (var again = Open())   // migrated once: reopening changes nothing
            Assert.Equal(3, again.ListRuns().Count);
    }

    [Fact]
    public void A_store_of_a_newer_schema_is_refused_and_left_untouched()
    {
        using (var store = Open()) store.SaveRun(Realistic());
        int newer = ProfileStore.SchemaVersion + 1;
        ForceVersion(newer);

        var e = Assert.Throws<StoreException>(() => Open().Dispose());

        Assert.Contains($"newer InlineAdvisor (schema version {newer}; this one reads up to {ProfileStore.SchemaVersion})", e.Message);
        Assert.Contains("left untouched", e.Message);
        Assert.Equal(Location, e.Path);
        Assert.Equal(1, Count("SELECT count(*) FROM runs"));
        ForceVersion(ProfileStore.SchemaVersion);
        using var back = Open();
        Assert.Single(back.ListRuns());
    }

    [Fact]
    public void Another_programs_database_is_not_a_store_and_is_not_modified()
    {
        Exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (id, name) VALUES (1, 'x')");

        var e = Assert.Throws<StoreException>(() => Open().Dispose());

        Assert.Contains("is not an InlineAdvisor store", e.Message);
        Assert.Contains(Location, e.Message);
        Assert.Equal(1, Count("SELECT count(*) FROM customers"));
        Assert.ThrowsAny<DbException>(() => Exec("SELECT count(*) FROM runs"));   // nothing was created
    }
}
