// The planner behind `experiment --top` and `--method`, on the committed mixer trace (real JIT events and PGO counts):
// the per-batch call that holds most samples loses to the per-byte calls inside it, and no site a flag cannot change is
// ever planned.
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace InlineAdvisor.Tests.Model;

public sealed class ExperimentPlannerTests(RendererSnapshotFixture fx, ITestOutputHelper output) : IClassFixture<RendererSnapshotFixture>
{
    RunProfile Profile()
    {
        using var store = ProfileStore.Open(fx.Store);
        return store.LoadRun(store.LatestRun()!.Id)!;
    }

    [Fact]
    public void Top_prefers_the_per_byte_callee_over_the_per_batch_call_and_never_plans_a_site_no_flag_changes()
    {
        var profile = Profile();
        using var il = new ILFeatureReader(Repo.SamplesDir);
        var plan = ExperimentPlanner.Top(profile, il, 3, forced: null);
        foreach (var p in plan.Chosen) output.WriteLine($"{p.Callee.Display} {p.Action} share {p.Share:P1} headroom {p.Headroom:P2}: {p.Why}");
        foreach (var s in plan.Skipped) output.WriteLine($"skipped {s.Site.Caller.Display} → {s.Site.Callee.Display}: {s.Why}");

        // The hottest app site is the per-batch Execute → HashBlock call (HashBlock loops over the whole buffer); the
        // per-byte HashBlock → Mix calls run once per byte: that is where inlining has headroom.
        var hottest = profile.Sites.Where(s => il.Find(s.Callee) is not null && InlineReasons.NoFlagChanges(s.Decision) is null)
            .OrderByDescending(s => s.TotalSamples).First();
        Assert.Equal("HashBlock", hottest.Callee.Name);
        Assert.Equal("Mix", plan.Chosen[0].Callee.Name);
        Assert.Equal(InlineAction.Remove, plan.Chosen[0].Action);   // Mix carries AggressiveInlining
        // The per-batch HashBlock call is not planned at all while the per-byte Mix inside it is: skipped, with the reason.
        Assert.DoesNotContain(plan.Chosen, p => p.Callee.Name == "HashBlock");
        Assert.Contains(plan.Skipped, s => s.Site.Callee.Name == "HashBlock" && s.Why.StartsWith("a per-batch call", StringComparison.Ordinal) && s.Why.Contains("Mix", StringComparison.Ordinal));
        Assert.All(plan.Chosen, p => Assert.All(p.Sites, s => Assert.Null(InlineReasons.NoFlagChanges(s.Decision))));
        Assert.Equal(plan.Chosen.Count, plan.Chosen.DistinctBy(p => p.Callee).Count());   // one experiment per method
        // Main → Execute ran only in Tier0 in this trace: skipped, with the reason.
        Assert.Contains(plan.Skipped, s => s.Site.Callee.Name == "Execute" && s.Why.Contains("unoptimized", StringComparison.Ordinal));
    }

    [Fact]
    public void Method_takes_every_profiled_site_of_the_method_and_refuses_unknown_or_ambiguous_names()
    {
        var profile = Profile();
        using var il = new ILFeatureReader(Repo.SamplesDir);
        var mix = ExperimentPlanner.Method(profile, il, "Mix", forced: null, out var error);
        Assert.Null(error);
        Assert.NotNull(mix);
        Assert.Equal(profile.Sites.Count(s => s.Callee == mix.Callee), mix.Sites.Count);
        Assert.True(mix.Sites.Count >= 2, $"Mix has {mix.Sites.Count} profiled sites");
        Assert.Equal(InlineAction.Remove, mix.Action);

        Assert.Null(ExperimentPlanner.Method(profile, il, "NoSuchMethod", null, out error));
        Assert.Contains("no profiled callee", error);
        Assert.Null(ExperimentPlanner.Method(profile, il, "InlineSamples.", null, out error));
        Assert.Contains("names", error);
        // Main → Execute only ran unoptimized: no flag changes it, and the reason says so.
        Assert.Null(ExperimentPlanner.Method(profile, il, "MixerCase.Execute", null, out error));
        Assert.Contains("no flag changes", error);
    }
}
