// Experiment evidence on real SQLite files: round trips, look-up by site identity, immutability, migration 1 → 2.
using System.Text.Json;
using System.Text.Json.Serialization;
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Microsoft.Data.Sqlite;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Store;

public sealed class ExperimentStoreTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly DateTime Day = new(2025, 6, 2, 9, 30, 0, DateTimeKind.Utc);

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,   // NaN and ∞ are real values here
    };

    /// <summary>Every field of the experiment as text (null, 0 and NaN all differ).</summary>
    private static string DumpExperiment(ExperimentRecord e) => JsonSerializer.Serialize(e, Indented);

    private static void AssertSameExperiment(ExperimentRecord expected, ExperimentRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(DumpExperiment(expected), DumpExperiment(actual!));
    }

    private static readonly MethodIdentity Main = M("Samples.Hashing.Program", "Main", "void  (class System.String[])");
    private static readonly MethodIdentity Hash = M("Samples.Hashing.Hasher", "Hash", "unsigned int64  (unsigned int8[],unsigned int64)");
    private static readonly MethodIdentity Mix = M("Samples.Hashing.Hasher", "Mix", "unsigned int64  (unsigned int64)");

    /// <summary>The stored sites of <see cref="Realistic"/> numbered as the store numbers them (1-based).</summary>
    internal static IReadOnlyList<CallSite> NumberedSites() => Realistic().Sites.Select((s, i) => s with { Id = i + 1 }).ToList();

    /// <summary>An experiment shaped like a real one: three arms, missing counters, NaN/∞ statistics, Unicode text.</summary>
    internal static ExperimentRecord Experiment(long? profileRunId = null, DateTime? started = null, IReadOnlyList<CallSite>? sites = null)
    {
        var chosen = sites ?? NumberedSites().Take(3).ToList();
        var newMethod = M("Samples.Ünïcödé.Größe", "Wert_🚀", "float64  ()", asm: "Sämples.Ünï");   // only experiments mention it
        var runs = new List<ArmRun>();
        for (var round = 0; round < 4; round++)
        {
            runs.Add(new ArmRun("baseline", round, 1.25 + round * 0.01, 2.5, 48_000_000 + round, 2.4, 1.25, 321.5, 65_536));
            runs.Add(new ArmRun("variant", round, 1.125 + round * 0.01, null, null, null, 1.125, null, null));   // nothing but wall time
            runs.Add(new ArmRun("control", round, 0.1 + 0.2, 0.0, 0, 0.0, 0.0, 0.0, 0));                       // zeros, not missing
        }
        return new ExperimentRecord
        {
            Id = 12345,                                       // ignored by the store
            ProfileRunId = profileRunId,
            StartedUtc = started ?? Day.AddTicks(1234567),
            Seconds = 93.000000001,
            AppDir = "/home/dev/apps/Sämples Hashing/bin/Release/net10.0",
            Command = "dotnet Samples.Hashing.dll --size 1000 \"quoted arg\" ü",
            Sites = chosen,
            Edits =
            [
                new FlagEdit(Hash, InlineAction.Force, MethodImplFlags.None, MethodImplFlags.AggressiveInlining),
                new FlagEdit(Mix, InlineAction.Block, MethodImplFlags.AggressiveInlining | MethodImplFlags.AggressiveOptimization,
                    MethodImplFlags.NoInlining | MethodImplFlags.AggressiveOptimization),
                new FlagEdit(newMethod, InlineAction.Force, MethodImplFlags.NoInlining, MethodImplFlags.AggressiveInlining),
            ],
            Verdict = ExperimentVerdict.Effect,
            DecidingMetric = "wall",
            Pairs = 4,
            Epsilon = 0.01,
            Metrics =
            [
                new MetricEffect("wall", "s", true, 4, 1.265, 1.14, -0.0988, -0.125, -0.0711, 0.0012, -0.02, 0.021),
                new MetricEffect("task-clock", "s", true, 1, double.NaN, double.NaN, double.NaN, -1, double.PositiveInfinity,
                    double.NaN, -1, double.PositiveInfinity),   // below two pairs: no interval
                new MetricEffect("peak-rss", "B", true, 4, 48_000_001.5, 47_000_000, 0.1 + 0.2, double.Epsilon, double.MaxValue,
                    -1e-300, double.NegativeInfinity, 1e-300),
                new MetricEffect("ops/s 计算", "1/s", false, 4, 0, 0, 0, 0, 0, 0, 0, 0),
            ],
            Flip = new FlipCheck(3, 2, ["Hash → Mix @33: inlined ✓", "", "Main → Hash @17: still \"too many il bytes\"\nsecond line"]),
            RuntimeConfig = "DOTNET_TieredPGO=1;DOTNET_ReadyToRun=0",
            Machine = "debian-12 x64 2 cores",
            Counters = "perf counters unavailable: perf_event_open is not available (blocked by seccomp)",
            Notes = ["", "multi\nline ü 🚀"],
            Runs = runs,
        };
    }

    internal static ExperimentRecord Minimal(DateTime started) => new()
    {
        StartedUtc = started,
        AppDir = "",
        Command = "",
        Verdict = ExperimentVerdict.NotResolved,
        DecidingMetric = "",
    };

    [Fact]
    public void Realistic_experiment_round_trips_every_field()
    {
        var path = _temp.File("advisor.db");
        long runId, id;
        ExperimentRecord experiment;
        using (var store = ProfileStore.Open(path))
        {
            runId = store.SaveRun(Realistic());
            experiment = Experiment(runId, sites: store.LoadRun(runId)!.Sites.Take(4).ToList());
            id = store.SaveExperiment(experiment);
        }

        using (var store = ProfileStore.Open(path))   // a fresh connection reads it back
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
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var none = Minimal(Day);
        var empty = Minimal(Day.AddSeconds(1)) with { Flip = new FlipCheck(0, 0, []), Seconds = double.NaN, Epsilon = double.NaN };

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
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        Assert.Empty(store.ListExperiments());
        var b = store.SaveExperiment(Experiment(started: Day.AddHours(2)));
        var a = store.SaveExperiment(Experiment(started: Day.AddHours(1)));   // saved later, started earlier
        var c = store.SaveExperiment(Minimal(Day.AddHours(3)));
        var tie = store.SaveExperiment(Minimal(Day.AddHours(3)));             // same start: the later id first

        Assert.Equal([tie, c, b, a], store.ListExperiments().Select(e => e.Id));
        Assert.Equal(Experiment().Runs.Count, store.ListExperiments()[2].Runs.Count);   // whole records
    }

    [Fact]
    public void ExperimentsFor_finds_evidence_by_site_identity_across_builds()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var firstBuild = store.SaveRun(Realistic(started: Day, tokenBase: 0x06000000));
        var mainHash = store.LoadRun(firstBuild)!.Sites[0];
        var older = store.SaveExperiment(Experiment(firstBuild, Day.AddHours(1), [mainHash]));
        var unrelated = store.SaveExperiment(Experiment(null, Day.AddHours(2), [NumberedSites()[3]]));
        var aggregateSite = mainHash with { Id = 0, IlOffset = -1, Source = null };          // from an aggregate: no run, no offset
        var newer = store.SaveExperiment(Experiment(null, Day.AddHours(3), [aggregateSite]));

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
        var other = NumberedSites()[3];
        Assert.Equal([unrelated], store.ExperimentsFor(other.Caller, other.Callee).Select(e => e.Id));
        Assert.Empty(store.ExperimentsFor(Mix, M("Samples.Ünïcödé.Größe", "Wert_🚀", "float64  ()", asm: "Sämples.Ünï")));   // edited, not a site
    }

    [Fact]
    public void Experiments_share_method_identities_with_runs()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var runId = store.SaveRun(Realistic());
        using var raw = Raw(path);
        var before = (long)Scalar(raw, "SELECT count(*) FROM methods")!;

        store.SaveExperiment(Experiment(runId));
        store.SaveExperiment(Experiment(runId));

        Assert.Equal(before + 1, Scalar(raw, "SELECT count(*) FROM methods"));   // only the one method no run mentions
        Assert.Equal(1L, Scalar(raw, "SELECT count(DISTINCT caller_id) FROM experiment_sites WHERE caller_id = " +
                                     "(SELECT caller_id FROM run_sites WHERE ordinal = 0)"));
    }

    [Fact]
    public void Stored_experiments_refuse_updates()
    {
        var path = _temp.File("advisor.db");
        using (var store = ProfileStore.Open(path))
            store.SaveExperiment(Experiment(store.SaveRun(Realistic())));
        using var raw = Raw(path);
        foreach (var sql in new[]
                 {
                     "UPDATE experiments SET verdict = 'NoEffect'", "UPDATE experiment_notes SET text = 'x'",
                     "UPDATE experiment_edits SET after_flags = 0", "UPDATE experiment_sites SET il_offset = 0",
                     "UPDATE experiment_metrics SET effect = 0", "UPDATE experiment_flip_checks SET honoured = 3",
                     "UPDATE experiment_runs SET cpu_seconds = 0",
                 })
        {
            var e = Assert.Throws<SqliteException>(() => Scalar(raw, sql));
            Assert.Contains("immutable", e.Message);
        }
    }

    [Fact]
    public void A_failed_experiment_save_stores_nothing()
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var runId = store.SaveRun(Realistic());
        var kept = store.SaveExperiment(Experiment(runId, Day));
        var bad = Experiment(runId, Day.AddHours(1));
        var newSite = new CallSite { Id = 9, Caller = M("T", "NewCaller"), Callee = M("T", "NewCallee"), IlOffset = 4 };
        // Everything is written but the last arm run, which the schema refuses (a null arm).
        bad = bad with { Sites = [.. bad.Sites, newSite], Runs = [.. bad.Runs, new ArmRun(null!, 9, 1, null, null, null, null, null, null)] };

        var e = Assert.Throws<StoreException>(() => store.SaveExperiment(bad));
        Assert.Contains(path, e.Message);

        var missingRun = Assert.Throws<StoreException>(() => store.SaveExperiment(Experiment(999, sites: [newSite])));
        Assert.Contains("no run with id 999", missingRun.Message);
        Assert.Contains(path, missingRun.Message);

        Assert.Equal([kept], store.ListExperiments().Select(x => x.Id));
        using var raw = Raw(path);
        Assert.Equal(0L, Scalar(raw, "SELECT count(*) FROM methods WHERE name LIKE 'New%'"));
        foreach (var table in new[] { "experiment_notes", "experiment_edits", "experiment_sites", "experiment_metrics",
                                      "experiment_flip_checks", "experiment_runs" })
            Assert.Equal(0L, Scalar(raw, $"SELECT count(*) FROM {table} WHERE experiment_id <> {kept}"));
        Assert.NotNull(store.LoadExperiment(store.SaveExperiment(Experiment(runId))));   // the store still works
    }

    /// <summary>Every row of a table (values with their SQLite types), so two files compare byte for byte.</summary>
    private static string RawRows(string path, string table)
    {
        using var raw = Raw(path);
        using var cmd = raw.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {table} ORDER BY rowid";
        using var r = cmd.ExecuteReader();
        var text = new System.Text.StringBuilder();
        while (r.Read())
        {
            for (var i = 0; i < r.FieldCount; i++)
            {
                var value = r.GetValue(i);
                text.Append(r.GetDataTypeName(i)).Append(':')
                    .Append(value is byte[] b ? Convert.ToHexString(b) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture))
                    .Append('|');
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string[] Tables(string path)
    {
        using var raw = Raw(path);
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        using var r = cmd.ExecuteReader();
        var names = new List<string>();
        while (r.Read()) names.Add(r.GetString(0));
        return [.. names];
    }

    [Fact]
    public void Version_1_store_migrates_to_the_latest_and_keeps_every_run()
    {
        var path = _temp.File("advisor.db");
        var ids = new List<long>();
        using (var v1 = ProfileStore.Open(path, ProfileStore.DefaultBusyTimeout, schemaVersion: 1))   // as the build before experiments
        {
            ids.Add(v1.SaveRun(Realistic(started: Day)));
            ids.Add(v1.SaveRun(Realistic("Other", "pgo=0", Day.AddHours(1), tokenBase: 0x06000100)));
        }
        var v1Tables = Tables(path);
        Assert.DoesNotContain("experiments", v1Tables);
        string[] runDumps, listed;
        using (var raw = Raw(path))
            Assert.Equal(1L, Scalar(raw, "PRAGMA user_version"));
        using (var v1 = ProfileStore.Open(path, ProfileStore.DefaultBusyTimeout, schemaVersion: 1))
        {
            runDumps = ids.Select(id => Dump(v1.LoadRun(id)!)).ToArray();
            listed = v1.ListRuns().Select(r => JsonSerializer.Serialize(r)).ToArray();
        }
        var rowsBefore = v1Tables.ToDictionary(t => t, t => RawRows(path, t));

        using (var store = ProfileStore.Open(path))   // the current build migrates
        {
            Assert.Equal(runDumps, ids.Select(id => Dump(store.LoadRun(id)!)));
            Assert.Equal(listed, store.ListRuns().Select(r => JsonSerializer.Serialize(r)));
            Assert.Empty(store.ListExperiments());
        }
        using (var raw = Raw(path))
        {
            Assert.Equal((long)ProfileStore.SchemaVersion, Scalar(raw, "PRAGMA user_version"));
            Assert.Equal("ok", Scalar(raw, "PRAGMA integrity_check"));
        }
        Assert.All(v1Tables, t => Assert.Equal(rowsBefore[t], RawRows(path, t)));   // not one byte of the old rows changed
        Assert.Contains("experiment_sites", Tables(path));

        using (var store = ProfileStore.Open(path))   // the migrated store takes experiments about its old runs
        {
            var site = store.LoadRun(ids[0])!.Sites[1];
            var e = store.SaveExperiment(Experiment(ids[0], sites: [site]));
            Assert.Equal([e], store.ExperimentsFor(site.Caller, site.Callee).Select(x => x.Id));
            Assert.Equal(runDumps, ids.Select(id => Dump(store.LoadRun(id)!)));
        }
        using (var raw = Raw(path))
            Assert.Equal(0L, Scalar(raw, "SELECT count(*) FROM pragma_foreign_key_check"));
        Assert.All(v1Tables, t => Assert.StartsWith(rowsBefore[t], RawRows(path, t)));   // methods only gains rows at the end
    }

    [Fact]
    public void Store_of_a_newer_version_is_refused_untouched()
    {
        int newer = ProfileStore.SchemaVersion + 1;
        var path = _temp.File("advisor.db");
        using (var store = ProfileStore.Open(path))
            store.SaveExperiment(Experiment(store.SaveRun(Realistic())));
        using (var raw = Raw(path))
            Scalar(raw, $"PRAGMA user_version = {newer}");
        var before = File.ReadAllBytes(path);

        var e = Assert.Throws<StoreException>(() =>
        {
            using var store = ProfileStore.Open(path, TimeSpan.FromMilliseconds(200));
            store.ListExperiments();
        });

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Contains($"newer InlineAdvisor (schema version {newer}; this one reads up to {ProfileStore.SchemaVersion})", e.Message);
        Assert.Contains("left untouched", e.Message);
        Assert.Equal(path, e.Path);
        using var check = Raw(path);
        Assert.Equal((long)newer, Scalar(check, "PRAGMA user_version"));
    }
}
