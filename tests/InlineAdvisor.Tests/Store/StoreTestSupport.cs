// Shared helpers for store tests: a temp folder, a realistic profile and screen, raw SQLite access and deep comparison.
using System.Text.Json;
using InlineAdvisor.Core;
using Microsoft.Data.Sqlite;
using Xunit;

namespace InlineAdvisor.Tests.Store;

/// <summary>A fresh folder per test, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "ia-store-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => Path.Combine(Root, name);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class StoreTestSupport
{

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Every field of the profile as text, so two profiles compare field by field (null and 0 differ).</summary>
    public static string Dump(RunProfile profile) => JsonSerializer.Serialize(profile, Indented);

    public static void AssertSameProfile(RunProfile expected, RunProfile? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(Dump(expected), Dump(actual!));
    }

    /// <summary>A connection outside the store (no pooling, so closing it really releases the file).</summary>
    public static SqliteConnection Raw(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWrite,
        }.ToString());
        c.Open();
        return c;
    }

    public static object? Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    public static MethodIdentity M(string type, string name, string sig = "void  ()", string asm = "Samples") => new(asm, type, name, sig);

    /// <summary>A run shaped like a real analysis: Unicode names, a long generic signature, missing data of every kind.</summary>
    public static RunProfile Realistic(string program = "Samples.Hashing", string config = "DOTNET_TieredPGO=1",
        DateTime? started = null, int tokenBase = 0x06000000)
    {
        var longSig = "class System.Collections.Generic.Dictionary`2<!!0,class System.Collections.Generic.List`1<!!1>>  (" +
                      string.Join(",", Enumerable.Range(0, 120).Select(i => $"valuetype System.ValueTuple`3<int32,float64,class Ns{i}.Wïdget<!!0>>")) + ")";
        var main = M("Samples.Hashing.Program", "Main", "void  (class System.String[])");
        var hash = M("Samples.Hashing.Hasher", "Hash", "unsigned int64  (unsigned int8[],unsigned int64)");
        var mix = M("Samples.Hashing.Hasher", "Mix", "unsigned int64  (unsigned int64)");
        var unicode = M("Samples.Ünïcödé.Ταχύτητα", "计算_🚀", "float64  (valuetype Samples.Ünïcödé.Größe)", asm: "Sämples.Ünï");
        var generic = M("Samples.Hashing.Cache`2[System.__Canon,System.Int32]", "GetOrAdd", longSig);
        var external = M("System.Collections.Generic.List`1[System.Int32]", "Add", "void  (!0)", asm: "");

        var methods = new List<MethodProfile>
        {
            new() { Method = main, Token = tokenBase + 1, IlSize = 42, InclusiveSamples = 9_000, ExclusiveSamples = 3,
                    Compiles = [new CodeVersion("QuickJitted", 120, 0.41), new CodeVersion("OptimizedTier1OSR", 310, 2.5)] },
            new() { Method = hash, Token = tokenBase + 2, IlSize = 153, ImplFlags = MethodImplFlags.AggressiveInlining,
                    InclusiveSamples = 8_000, ExclusiveSamples = 5_000,
                    Compiles = [new CodeVersion("QuickJittedInstrumented", 400, 0.1 + 0.2), new CodeVersion("OptimizedTier1", 280, 1.75)] },
            new() { Method = mix, Token = tokenBase + 3, IlSize = 12, ImplFlags = MethodImplFlags.NoInlining | MethodImplFlags.AggressiveOptimization,
                    InclusiveSamples = 2_500, ExclusiveSamples = 2_500 },
            new() { Method = unicode, Token = tokenBase + 4, IlSize = -1, InclusiveSamples = long.MaxValue / 4, ExclusiveSamples = 0 },
            new() { Method = generic, Token = 0, IlSize = 242, InclusiveSamples = 77, ExclusiveSamples = 76,
                    Compiles = [new CodeVersion("OptimizedTier1Instrumented", 9_999, 12.125)] },
        };
        var sites = new List<CallSite>
        {
            new() { Caller = main, Callee = hash, IlOffset = 17, Source = new SourceLocation("/src/Samples/Program.cs", 12, 9),
                    CallSamples = 8_000, StatementSamples = 0, PgoCount = 1_000_000,
                    Decision = new InlineDecision(InlineOutcome.NotInlined, "too many il bytes",
                        ["QuickJitted:failed", "OptimizedTier1:failed"], false) },
            new() { Caller = hash, Callee = mix, IlOffset = 33, Source = new SourceLocation("/src/Ünïcödé/Hasher 🚀.cs", 40, 13),
                    CallSamples = 2_500, StatementSamples = 0, PgoCount = 0,     // PGO saw the site run zero times
                    Decision = new InlineDecision(InlineOutcome.NotInlined, "noinline per IL/cached result", ["OptimizedTier1:failed"], true) },
            new() { Caller = hash, Callee = mix, IlOffset = 51, Source = new SourceLocation("/src/Ünïcödé/Hasher 🚀.cs", 40, 30),
                    CallSamples = 0, StatementSamples = 1_200, SharesStatement = true, PgoCount = null,   // no PGO data
                    InlinedCodeBytes = 3_000_000_000L,   // past int range: the column is 64-bit
                    Decision = new InlineDecision(InlineOutcome.Inlined, "", ["OptimizedTier1:inlined"], false) },
            new() { Caller = unicode, Callee = generic, IlOffset = -1, Source = null, CallSamples = 77,
                    Decision = new InlineDecision(InlineOutcome.Mixed, "unprofitable inline", ["QuickJitted:inlined", "OptimizedTier1:failed"], false) },
            new() { Caller = generic, Callee = external, IlOffset = 0, Source = new SourceLocation("", 0, 0) },   // defaults: Unknown decision
        };
        var info = new RunInfo
        {
            Program = program,
            CommandLine = "dotnet Samples.Hashing.dll --size 1000 \"quoted arg\" ü",
            ProcessId = 4242,
            Mode = CollectMode.Launch,
            StartedUtc = started ?? new DateTime(2025, 3, 14, 15, 9, 26, DateTimeKind.Utc).AddTicks(5358979),
            DurationSeconds = 8.123456789,
            TracePath = "/tmp/traces/hashing.nettrace",
            PgoPath = null,
            RuntimeConfig = config,
            Machine = "debian-12 x64 2 cores",
            Notes = ["no PGO data for 3 sites", "", "multi\nline note"],
        };
        return new RunProfile(info, methods, sites, new RunTotals(12_345, 678, 90_000, 321.5, 65_536, 812));
    }

    /// <summary>A screen of three candidates on the first sites given, with NaN statistics and Unicode text.</summary>
    public static ScreenRecord Screen(long? runId, IReadOnlyList<CallSite> sites)
    {
        MetricEffect Metric(string name, double effect) => new(name, "s", true, 16, 1.5, 1.5 * (1 + effect), effect, effect - 0.02, effect + 0.02, 0.004, -0.01, double.NaN);
        var candidates = sites.Take(3).Select((s, k) => new ScreenCandidate(
            new FlagEdit(s.Callee, k == 0 ? InlineAction.Remove : InlineAction.Block, k == 0 ? MethodImplFlags.NoInlining : MethodImplFlags.None, k == 0 ? MethodImplFlags.None : MethodImplFlags.NoInlining),
            [s], k == 0 ? ExperimentVerdict.Effect : ExperimentVerdict.NotResolved, Futile: k == 2, DecidedAtPairs: k == 1 ? 0 : 16,
            [Metric(Metrics.Cpu, k == 0 ? -0.25 : 0.0), Metric(Metrics.Tier1Code, -0.03)],
            k == 1 ? null : new FlipCheck(2, 2, [$"row {k}: Ünïcödé → inlined"]))).ToList();
        return new ScreenRecord
        {
            ProfileRunId = runId, StartedUtc = new DateTime(2026, 12, 6, 10, 0, 0, DateTimeKind.Utc), Seconds = 60.25,
            AppDir = "/apps/Sämple", Command = "dotnet App.dll", DecidingMetric = Metrics.Cpu, Epsilon = 0.01, Order = 4, Replicates = 2,
            Candidates = candidates,
            Design = Enumerable.Range(0, 8).Select(r => (IReadOnlyList<int>)Enumerable.Range(0, 3).Where(k => ((r >> k) & 1) == 1).ToList()).ToList(),
            Interactions = [new ScreenInteraction([new CandidatePair(0, 1), new CandidatePair(1, 2)], 0.03, 0.01, 0.05, true)],
            RuntimeConfig = "DOTNET_TieredPGO=1", Machine = "m, 2 cores", Counters = "task-clock", Notes = ["run order seed 1"],
            Runs = Enumerable.Range(0, 16).Select(i => new ArmRun(ScreenRecord.RowArm(i % 8), i / 8, 1.0 + i / 100.0, 0.9, 31_000_000, null, null, 12.5, 1_786)).ToList(),
        };
    }
}
