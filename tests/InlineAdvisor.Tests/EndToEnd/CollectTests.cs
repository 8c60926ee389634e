// End to end: the real `advisor collect` on the bundled samples, with facts checked in the real store.
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

/// <summary>One collection per sample case, shared by the tests that read it (collecting is the slow part).</summary>
public sealed class SampleRuns : IDisposable
{
    public TempDir Dir { get; } = new();
    private readonly Dictionary<string, (ProcessResult Result, RunProfile? Profile)> _runs = [];

    public (ProcessResult Result, RunProfile? Profile) Collect(string sampleCase, double scale, IDictionary<string, string>? env = null)
    {
        var key = $"{sampleCase}-{scale}-{string.Join(",", env ?? new Dictionary<string, string>())}";
        lock (_runs)
        {
            if (_runs.TryGetValue(key, out var done)) return done;
            var store = Dir.File($"{_runs.Count}.db");
            var result = Repo.RunAdvisor(Dir.Path, env, "collect", "--store", store, "--output", Dir.File($"{_runs.Count}.nettrace"),
                "--", "dotnet", Repo.SamplesDll, sampleCase, "--scale", scale.ToString(System.Globalization.CultureInfo.InvariantCulture));
            RunProfile? profile = null;
            if (result.ExitCode == 0)
            {
                using var s = ProfileStore.Open(store);
                profile = s.LoadRun(s.LatestRun()!.Id);
            }
            return _runs[key] = (result, profile);
        }
    }

    public void Dispose() => Dir.Dispose();
}

public sealed class CollectTests(SampleRuns runs) : IClassFixture<SampleRuns>
{
    private static CallSite Site(RunProfile p, string caller, string callee) =>
        p.Sites.Where(s => s.Caller.Display == caller && s.Callee.Display == callee).OrderByDescending(s => s.TotalSamples).FirstOrDefault()
        ?? throw new Xunit.Sdk.XunitException($"no site {caller} → {callee}; sites: " +
            string.Join("; ", p.Sites.OrderByDescending(s => s.TotalSamples).Take(15).Select(s => $"{s.Caller.Display}→{s.Callee.Display} {s.TotalSamples} {s.Decision.Outcome}")));

    private static int LineOf(string file, string text) =>
        File.ReadAllLines(Path.Combine(Repo.Root, "samples", "InlineSamples", file)).Select((l, i) => (l, i)).First(x => x.l.Contains(text)).i + 1;

    [Fact]
    public void Mixer_forced_inline_succeeds_and_its_site_is_the_hottest()
    {
        var (result, p) = runs.Collect("mixer", 0.4);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.NotNull(p);
        Assert.Equal(CollectMode.Launch, p.Run.Mode);
        Assert.True(p.Totals.Samples > 100, $"only {p.Totals.Samples} samples");
        var site = Site(p, "InlineSamples.ByteHasher.HashBlock", "InlineSamples.ByteHasher.Mix");
        Assert.Equal(InlineOutcome.Inlined, site.Decision.Outcome);
        var mix = p.Methods.Single(m => m.Method.Display == "InlineSamples.ByteHasher.Mix");
        Assert.Equal(MethodImplFlags.AggressiveInlining, mix.ImplFlags & MethodImplFlags.AggressiveInlining);
        Assert.Equal("InlineSamples", mix.Method.Assembly);
        // The hashing loop is where the time goes: of all sites, a Mix site carries the most samples taken
        // in its caller's own frame (the inlined body's time); outer calls only carry it inclusively.
        var hottest = p.Sites.MaxBy(s => s.StatementSamples)!;
        Assert.Equal("InlineSamples.ByteHasher.Mix", hottest.Callee.Display);
        Assert.Equal("InlineSamples.ByteHasher.HashBlock", hottest.Caller.Display);
        Assert.True(p.AmdahlBound(hottest) > 0.2, $"bound {p.AmdahlBound(hottest):P1}");
        Assert.NotNull(hottest.Source);
        Assert.EndsWith("MixerCase.cs", hottest.Source!.File);
        Assert.NotNull(hottest.PgoCount);
        Assert.True(hottest.PgoCount > 1000);
        Assert.True(p.Totals.JitMilliseconds > 0);
        Assert.True(p.Totals.Tier1CodeBytes > 0);
        Assert.True(File.Exists(p.Run.TracePath));
    }

    [Fact]
    public void Medium_method_is_refused_for_size_without_tiered_pgo_at_its_real_source_line()
    {
        var (result, p) = runs.Collect("medium", 0.3, new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0" });
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("DOTNET_TieredPGO=0", p!.Run.RuntimeConfig);
        var site = Site(p, "InlineSamples.PacketScorer.ScoreAll", "InlineSamples.PacketScorer.Score");
        Assert.Equal(InlineOutcome.NotInlined, site.Decision.Outcome);
        Assert.Equal("too many il bytes", site.Decision.Reason);
        Assert.NotNull(site.Source);
        Assert.EndsWith("MediumCase.cs", site.Source!.File);
        Assert.Equal(LineOf("MediumCase.cs", "Score(kinds[i]"), site.Source.Line);
        var score = p.Methods.Single(m => m.Method.Display == "InlineSamples.PacketScorer.Score");
        Assert.InRange(score.IlSize, 150, 250);
        // Score has no loop: the sampler catches it at its return, in ScoreAll at the call's statement.
        Assert.True(p.AmdahlBound(site) > 0.5, $"bound {p.AmdahlBound(site):P1}");
    }

    [Fact]
    public void Collect_prints_the_trace_path_and_the_run()
    {
        var (result, _) = runs.Collect("mixer", 0.4);
        Assert.Contains("stored runs", result.Stdout);
        Assert.Contains(".nettrace", result.Stdout);
        Assert.Contains("checksum:", result.Stdout);   // the program's own output passes through
    }
}
