// Screens on real SQLite files: a whole screen round-trips, stays immutable, and a store made by the previous schema
// (version 3, before screens) migrates with its runs and experiments intact.
using System.Text.Json;
using System.Text.Json.Serialization;
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Store;

public sealed class ScreenStoreTests : IDisposable
{
    private readonly TempFolder _temp = new();
    public void Dispose() => _temp.Dispose();

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    internal static ScreenRecord Screen(long? runId, IReadOnlyList<CallSite> sites)
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

    [Fact]
    public void A_screen_round_trips_whole_and_is_immutable()
    {
        var path = _temp.File("s.db");
        using var store = ProfileStore.Open(path);
        var runId = store.SaveRun(Realistic());
        var sites = store.LoadRun(runId)!.Sites;
        var screen = Screen(runId, sites);
        var id = store.SaveScreen(screen);
        var loaded = store.LoadScreen(id);
        Assert.Equal(JsonSerializer.Serialize(screen with { Id = id }, Indented), JsonSerializer.Serialize(loaded, Indented));
        Assert.Single(store.ListScreens());
        Assert.Empty(store.ListExperiments());   // a screen is never experiment evidence (never advice)

        using var raw = Raw(path);
        var e = Assert.ThrowsAny<Exception>(() => Scalar(raw, "UPDATE screen_metrics SET effect = 0"));
        Assert.Contains("immutable", e.Message);
        Assert.ThrowsAny<StoreException>(() => store.SaveScreen(Screen(runId + 99, sites)));
        Assert.Single(store.ListScreens());   // the refused save wrote nothing
    }

    [Fact]
    public void A_store_of_schema_3_migrates_to_screens_keeping_its_runs()
    {
        var path = _temp.File("old.db");
        long runId;
        using (var old = ProfileStore.Open(path, TimeSpan.FromSeconds(5), schemaVersion: 3))
            runId = old.SaveRun(Realistic());
        using var store = ProfileStore.Open(path);
        Assert.Equal(Realistic().Sites.Count, store.LoadRun(runId)!.Sites.Count);
        var id = store.SaveScreen(Screen(runId, store.LoadRun(runId)!.Sites));
        Assert.Equal(3, store.LoadScreen(id)!.Candidates.Count);
    }
}
