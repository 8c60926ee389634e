// `advisor experiment` end to end on a real sample: a real patched copy, real runs, the flip checked in the
// JIT's events, the evidence in the real store. Asserts mechanics and evidence, never a speed-up.
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Experiments;

[Collection(LiveProcessCollection.Name)]
public sealed class ExperimentCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Blocking_the_mixer_by_method_is_measured_verified_and_stored_as_evidence_for_its_sites()
    {
        var store = _dir.File("s.db");
        // Long enough (~1.5 s a run) that the hashing loop reaches Tier1 even on a loaded machine: the flip and the
        // Tier1 code size are read from optimized compiles.
        var workload = new[] { "--", "dotnet", Repo.SamplesDll, "mixer", "--scale", "0.3" };
        var collect = Repo.RunAdvisor(_dir.Path, null, ["collect", "--store", store, "--output", _dir.File("t.nettrace"), .. workload]);
        Assert.True(collect.ExitCode == 0, collect.All);
        CallSite site;
        using (var s = ProfileStore.Open(store))
            site = s.LoadRun(s.LatestRun()!.Id)!.Sites.Where(x => x.Caller.Name == "HashBlock" && x.Callee.Name == "Mix").MaxBy(x => x.TotalSamples)!;

        // Up to 10 rounds of three ~1.5 s runs plus warm-up and verification: about a minute alone, several while the
        // suite's other collections (training, corpus builds) share the 2 cores. The limit only guards against a hang.
        // By method: the flag is Mix's, so the experiment covers every profiled site of it (three in HashBlock).
        var r = Repo.Run("dotnet", [Repo.Advisor, "experiment", "--store", store, "--app", Repo.SamplesDir, "--method", "ByteHasher.Mix",
            "--action", "block", "--max-pairs", "10", .. workload], _dir.Path, timeoutSeconds: 600);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("block inlining of InlineSamples.ByteHasher.Mix", r.Stdout);
        Assert.Contains("flip verified", r.Stdout);
        using var again = ProfileStore.Open(store);
        var e = again.ExperimentsFor(site.Caller, site.Callee).Single();
        Assert.Equal(10, e.Pairs);
        Assert.Equal("block", e.Edits.Single().Action.Text());
        Assert.Equal(MethodImplFlags.NoInlining, e.Edits.Single().After & MethodImplFlags.NoInlining);
        Assert.True(e.Flip!.Verified);
        Assert.All(e.Flip.Details, d => Assert.Contains("inlined → not inlined", d));
        Assert.Contains(e.Metrics, m => m.Metric == "wall time" && m.N == 10 && m.Low <= m.Effect && m.Effect <= m.High);
        // JIT events of every run: blocking the mixer shrinks the hashing loop's Tier1 code in every pair.
        var tier1 = e.Metrics.Single(m => m.Metric == "Tier1 code");
        Assert.True(tier1.High < 0, $"Tier1 code change {tier1.Effect:P1} [{tier1.Low:P1}, {tier1.High:P1}]");
        Assert.Equal(30, e.Runs.Count);   // every measured run is kept; the warm-ups are not

        // The report shows the evidence beside the site it was measured at.
        var report = Repo.RunAdvisor(_dir.Path, null, "report", "--store", store, "--json", "--top", "50");
        using var json = System.Text.Json.JsonDocument.Parse(report.Stdout);
        var row = json.RootElement.GetProperty("sites").EnumerateArray().First(r => r.GetProperty("site").GetProperty("id").GetInt32() == site.Id);
        var measured = row.GetProperty("measured").GetString()!;
        Assert.StartsWith("block: ", measured);
        Assert.Contains($"n=10 (measured, experiment {e.Id})", measured);
        Assert.True(Directory.Exists(Repo.SamplesDir));
    }
}
