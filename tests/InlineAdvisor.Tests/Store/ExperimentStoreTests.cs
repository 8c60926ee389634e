// SQLite-only experiment tests (a version-1 file migrates without one byte of its old rows changing; a newer file stays
// byte-identical) and the experiment every store test saves; both backends run StoreContractTests.
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

    /// <summary>Every row of a table (values with their SQLite types), so two files compare byte for byte.</summary>
    private static string Columns(string path, string table)
    {
        using var raw = Raw(path);
        using var cmd = raw.CreateCommand();
        cmd.CommandText = $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid";
        using var r = cmd.ExecuteReader();
        var names = new List<string>();
        while (r.Read()) names.Add(r.GetString(0));
        return string.Join(", ", names);
    }

    /// <summary>Every row of the table as text, in the columns given (later migrations add columns: old rows keep their values in the old ones).</summary>
    private static string RawRows(string path, string table, string columns = "*")
    {
        using var raw = Raw(path);
        using var cmd = raw.CreateCommand();
        cmd.CommandText = $"SELECT {columns} FROM {table} ORDER BY rowid";
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
        var v1Columns = v1Tables.ToDictionary(t => t, t => Columns(path, t));

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
        Assert.All(v1Tables, t => Assert.Equal(rowsBefore[t], RawRows(path, t, v1Columns[t])));   // not one byte of the old rows changed
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
        Assert.All(v1Tables, t => Assert.StartsWith(rowsBefore[t], RawRows(path, t, v1Columns[t])));   // methods only gains rows at the end
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
