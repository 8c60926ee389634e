// What `advise` may claim, on the committed mixer trace with the shipped model: a prediction is never an instruction,
// each candidate's reason agrees with its own numbers, and a method's attribute is judged over all its sites.
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Model;

public sealed class AdvisorPolicyTests(RendererSnapshotFixture fx) : IClassFixture<RendererSnapshotFixture>
{
    AdviceReport Advise(double minBound = 0.01)
    {
        using var store = ProfileStore.Open(fx.Store);
        var profile = store.LoadRun(store.LatestRun()!.Id)!;
        using var il = new ILFeatureReader(Repo.SamplesDir);
        var modelPath = Path.Combine(Repo.Root, "models", "inline-model.json");
        return Advisor.Advise(profile, new SiteEvidence(store.ListExperiments()).For, il, ModelFile.Load(modelPath), modelPath, new AdviseOptions(minBound, Top: 100));
    }

    [Fact]
    public void Only_measured_lines_change_a_flag_and_every_predicted_candidate_agrees_with_its_numbers()
    {
        var report = Advise();
        Assert.Contains(report.Sites, a => a.Standing == AdviceStanding.Measured);   // the fixture's stored experiment
        foreach (var a in report.Sites)
        {
            if (a.Action != InlineAction.Leave) Assert.Equal(AdviceStanding.Measured, a.Standing);
            if (a.Evidence == EvidenceKind.Predicted)
            {
                Assert.NotEqual(AdviceStanding.Measured, a.Standing);
                Assert.Contains("(predicted", a.Payoff);
                var rt = a.Predicted.Single(p => p.Target == Targets.Name(TargetKind.Runtime));
                var code = a.Predicted.Single(p => p.Target == Targets.Name(TargetKind.CodeBytes));
                var jit = a.Predicted.Single(p => p.Target == Targets.Name(TargetKind.JitMs));
                // No zero-width interval: a clipped value opens its side.
                foreach (var p in a.Predicted) Assert.True(!p.OutsideRange || p.Low is null || p.High is null, $"{p.Target} clipped but shown as [{p.Low}, {p.High}]");
                if (a.Standing == AdviceStanding.Candidate)
                {
                    Assert.False(rt.OutsideRange || code.OutsideRange, a.Reason);
                    if (a.Considered == InlineAction.Remove) Assert.True(rt.Value <= 0 && (code.Value < 0 || jit.Value < 0), $"{a.Reason} | {a.Payoff}");
                    else Assert.True(rt.High is { } h && h < 0, $"{a.Reason} | {a.Payoff}");
                }
            }
        }
        // Ranked: measured, then candidates, then the rest.
        var order = report.Sites.Select(a => a.Standing == AdviceStanding.Measured ? 0 : a.Standing == AdviceStanding.Candidate ? 1 : 2).ToList();
        Assert.Equal(order.Order().ToList(), order);
    }

    [Fact]
    public void A_forced_method_is_judged_over_all_its_sites_even_when_no_site_reaches_the_threshold()
    {
        // Mix (AggressiveInlining) is inlined at three sites of HashBlock: 62%, 37% and a tail byte.
        var all = Advise();
        var mix = Assert.Single(all.Methods, m => m.Method.Name == "Mix");
        Assert.Equal("AggressiveInlining", mix.ExistingAttribute);
        Assert.True(mix.Sites >= 2);
        Assert.Equal(AdviceStanding.Candidate, mix.Standing);
        Assert.Equal(InlineAction.Leave, mix.Action);
        Assert.Contains("--method InlineSamples.ByteHasher.Mix --action remove", mix.Reason);

        // With a threshold above every one of Mix's sites but below their sum, no site is a candidate, the method still is.
        var siteShares = all.Sites.Where(a => a.Site.Callee == mix.Method).Select(a => a.Bound).ToList();
        double threshold = siteShares.Max() + 0.01;
        Assert.True(mix.SummedShare > threshold, $"{mix.SummedShare} vs {threshold}");
        var high = Advise(threshold);
        Assert.DoesNotContain(high.Sites, a => a.Site.Callee == mix.Method && a.Standing != AdviceStanding.Leave);
        Assert.Contains(high.Methods, m => m.Method == mix.Method && m.Standing == AdviceStanding.Candidate);
    }

    [Fact]
    public void A_clipped_prediction_opens_its_interval_on_the_clipped_side()
    {
        // y = 10·x on inputs 0..100, trained on targets 0..500: x = 80 fits 800, clipped to 500.
        var linear = new LinearModel(1, 0, [0], [1], [10], 20, [0], [100], double.NegativeInfinity, double.PositiveInfinity);
        var model = new SiteModel
        {
            Kind = Candidates.Ridge, Scale = Candidates.Absolute, Criterion = "mae", Config = "test", Linear = linear, TrainingExamples = 20,
            ResidualLow = -0.3, ResidualHigh = 0.4, YMin = 0, YMax = 500, InnerCv = [],
        };
        var inside = model.PredictWithInterval([20]);
        Assert.Equal((200.0, 199.7, 200.4, false), (inside.Value, Math.Round(inside.Low, 6), Math.Round(inside.High, 6), inside.OutsideRange));
        var clipped = model.PredictWithInterval([80]);
        Assert.Equal(500, clipped.Value);
        Assert.True(clipped.OutsideRange);
        Assert.Equal(double.PositiveInfinity, clipped.High);
        Assert.Equal(499.7, clipped.Low, 6);
        Assert.Equal(500, model.Predict([80]));   // the value the model file's metrics are computed from is unchanged
    }
}
