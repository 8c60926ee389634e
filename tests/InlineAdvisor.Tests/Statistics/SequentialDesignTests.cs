// The group-sequential stopping rule against known answers: published boundaries, the α each look spends
// (Monte Carlo), coverage, early stopping, and false positives on pure noise from a machine that switches
// speed regimes. Every experiment is seeded, so the counts are the same on every run.
using InlineAdvisor.Statistics;
using Xunit;
using Xunit.Abstractions;

namespace InlineAdvisor.Tests.Statistics;

// The measured rates are written to the test output (dotnet test --logger "console;verbosity=detailed").
public sealed class SequentialDesignTests(ITestOutputHelper output)
{
    private static readonly SequentialDesign Default = new();

    // ----- the plan -----

    [Fact]
    public void Default_schedule_looks_every_5_pairs_from_10_to_the_budget()
    {
        var s = Default.Schedule;
        Assert.Equal(Enumerable.Range(0, 38).Select(k => 10 + 5 * k).Append(200), s.Select(l => l.Pairs));
        Assert.Equal(Enumerable.Range(1, 39), s.Select(l => l.Index));
        Assert.Equal(0.05, s[^1].AlphaSpent, 12);
        for (int k = 1; k < s.Count; k++)
        {
            Assert.True(s[k].AlphaSpent > s[k - 1].AlphaSpent);
            Assert.True(s[k].ZBoundary < s[k - 1].ZBoundary, "α·t² spends more per look as it goes");
        }
        // t has heavier tails than z, less so as n grows; the final look is near the fixed-n 1.96 but above it.
        Assert.All(s, l => Assert.True(l.TCritical > l.ZBoundary));
        Assert.InRange(s[^1].ZBoundary, 2.0, 2.3);
        Assert.InRange(s[0].TCritical, 5.0, 8.0);
        // A budget that is not on the 5-pair grid still gets its final look.
        Assert.Equal([10, 15, 20, 22], new SequentialDesign(MaxPairs: 22).Schedule.Select(l => l.Pairs));
    }

    [Fact]
    public void Pocock_type_boundaries_match_published_values()
    {
        // Lan–DeMets Pocock-type spending, 5 equally spaced looks, two-sided α = 0.05 (Reboussin et al., ld98):
        // 2.438, 2.427, 2.410, 2.397, 2.386.
        var d = new SequentialDesign(MaxPairs: 50, LookEvery: 10, MinPairs: 10, Spending: AlphaSpending.Pocock);
        double[] published = [2.438, 2.427, 2.410, 2.397, 2.386];
        Assert.Equal(published.Length, d.Schedule.Count);
        for (int k = 0; k < published.Length; k++) Assert.Equal(published[k], d.Schedule[k].ZBoundary, 0.0015);
    }

    [Theory]
    [InlineData(AlphaSpending.Quadratic)]
    [InlineData(AlphaSpending.Pocock)]
    [InlineData(AlphaSpending.OBrienFleming)]
    public void Boundaries_spend_alpha_as_planned_at_every_look(AlphaSpending spending)
    {
        // 100,000 Brownian paths (the normal statistic at 8 unequally spaced looks): the share that has crossed by
        // look k must be the α spent by then. Binomial SD at 5% is 0.07 points; tolerance 0.25 points.
        var d = new SequentialDesign(MaxPairs: 64, LookEvery: 7, MinPairs: 12, Spending: spending);
        var looks = d.Schedule;
        var crossedBy = new int[looks.Count];
        var rng = new SplitMix64(7);
        const int paths = 100_000;
        for (int p = 0; p < paths; p++)
        {
            double sum = 0;
            int n = 0;
            for (int k = 0; k < looks.Count; k++)
            {
                int next = looks[k].Pairs;
                sum += Math.Sqrt(next - n) * rng.Gauss();
                n = next;
                if (Math.Abs(sum / Math.Sqrt(n)) >= looks[k].ZBoundary)
                {
                    for (int j = k; j < looks.Count; j++) crossedBy[j]++;
                    break;
                }
            }
        }
        for (int k = 0; k < looks.Count; k++) Assert.Equal(looks[k].AlphaSpent, crossedBy[k] / (double)paths, 0.0025);
    }

    [Fact]
    public void Refuses_designs_that_cannot_work()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(MinPairs: 4).Schedule);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(MaxPairs: 9).Schedule);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(Alpha: 0).Schedule);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(Epsilon: 0).Decide([(1, 1)], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(LookEvery: 0).Schedule);
    }

    // ----- single decisions -----

    [Fact]
    public void Decides_only_at_planned_looks()
    {
        // A clear +10% effect, almost no noise: not a look at 9 or 12 pairs, an effect at the look at 10.
        var (eff, ctl) = Exact(12, b: 1.10, c: 1.0, jitter: 0.001);
        Assert.Equal(Verdict.Continue, Default.Decide(eff[..9], ctl[..9]).Verdict);
        var at10 = Default.Decide(eff[..10], ctl[..10]);
        Assert.Equal(Verdict.Effect, at10.Verdict);
        Assert.Equal(1, at10.Look);
        Assert.Equal(Default.Schedule[0].TCritical, at10.CriticalValue);
        Assert.Equal(0.10, at10.Effect.Estimate, 3);
        Assert.Equal(0.10, at10.EffectVsControl!.Value.Estimate, 3);
        Assert.Equal(0.0, at10.Control!.Value.Estimate, 3);
        Assert.StartsWith("effect at n=10", at10.Describe());
        var at12 = Default.Decide(eff, ctl);
        Assert.Equal(Verdict.Continue, at12.Verdict);
        Assert.Equal(0, at12.Look);
        Assert.True(at12.Effect.ExcludesZero, "the display interval still shows what is known");
    }

    [Fact]
    public void Rounds_are_the_shorter_of_the_two_lists()
    {
        var (eff, ctl) = Exact(15, b: 1.10, c: 1.0, jitter: 0.001);
        var d = Default.Decide(eff, ctl[..10]);
        Assert.Equal(10, d.N);
        Assert.Equal(Verdict.Effect, d.Verdict);
    }

    [Fact]
    public void No_effect_when_both_intervals_lie_within_epsilon()
    {
        var (eff, ctl) = Exact(10, b: 1.0, c: 1.0, jitter: 0.0005);
        var d = Default.Decide(eff, ctl);
        Assert.Equal(Verdict.NoEffect, d.Verdict);
        Assert.StartsWith("no effect larger than ±1% at n=10", d.Describe());
    }

    [Fact]
    public void An_effect_the_control_shows_too_is_not_an_effect()
    {
        // B and the unmodified copy C are both 5% slower than A (e.g. a copy in a slower place): B vs A is
        // "significant", B vs C is not, so no experiment may call it an effect.
        int effects = 0;
        for (int i = 0; i < 300; i++)
        {
            var d = SyntheticMachine.RunToVerdict(Default with { MaxPairs = 60 }, 300 + i, 0.06, effect: 0.05, controlEffect: 0.05);
            if (d.Verdict == Verdict.Effect) effects++;
            // B vs C is null, so B against the mean of A and C is +2.5%: futility may rule out ±1% before the budget.
            else Assert.Contains(d.Verdict, new[] { Verdict.NotResolved, Verdict.Futile });
        }
        output.WriteLine($"B and C both +5%: {effects} of 300 called an effect");
        Assert.True(effects <= 15, $"{effects} of 300 called an effect the control shows too");
    }

    [Fact]
    public void Not_resolved_at_the_budget_says_so()
    {
        var rng = new SplitMix64(11);
        var eff = Enumerable.Range(0, 30).Select(_ => (1.0, Math.Exp(0.3 * rng.Gauss()))).ToList();
        var ctl = Enumerable.Range(0, 30).Select(_ => (1.0, Math.Exp(0.3 * rng.Gauss()))).ToList();
        var d = (Default with { MaxPairs = 30 }).Decide(eff, ctl);
        Assert.Equal(Verdict.NotResolved, d.Verdict);
        Assert.StartsWith("not resolved at n=30", d.Describe());
    }

    [Fact]
    public void Calling_after_every_round_changes_nothing()
    {
        // The runner calls Decide after each round; between looks it must only report.
        for (int i = 0; i < 40; i++)
        {
            var atLooks = SyntheticMachine.RunToVerdict(Default with { MaxPairs = 80 }, 900 + i, 0.06, effect: 0.03);
            var everyRound = SyntheticMachine.RunToVerdict(Default with { MaxPairs = 80 }, 900 + i, 0.06, effect: 0.03, everyRound: true);
            Assert.Equal((atLooks.Verdict, atLooks.N, atLooks.Effect), (everyRound.Verdict, everyRound.N, everyRound.Effect));
        }
    }

    // ----- operating characteristics on the simulated machine -----

    [Fact]
    public void Repeated_intervals_cover_the_truth_at_all_looks_at_once_95_percent_of_the_time()
    {
        // The defining property of repeated confidence intervals: run every experiment to the budget and ask
        // whether the interval covered the true +2% at EVERY look. 2,000 experiments, binomial SD 0.5 points.
        var design = Default with { MaxPairs = 100 };
        int coveredAll = 0;
        const int trials = 2000;
        for (int i = 0; i < trials; i++)
        {
            var machine = new SyntheticMachine(10_000 + i, pairSd: 0.06);
            var eff = new List<(double A, double B)>();
            var ctl = new List<(double A, double C)>();
            bool all = true;
            foreach (var look in design.Schedule)
            {
                while (eff.Count < look.Pairs) machine.Round(0.02, eff, ctl);
                var e = design.Decide(eff, ctl).Effect;
                all &= e.Lower < 0.02 && 0.02 < e.Upper;
            }
            if (all) coveredAll++;
        }
        output.WriteLine($"simultaneous coverage over all looks: {coveredAll / (double)trials:P1}");
        Assert.InRange(coveredAll / (double)trials, 0.935, 0.965);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.02)]
    [InlineData(0.05)]
    public void Interval_reported_at_the_stop_covers_the_true_effect(double truth)
    {
        // Whatever the verdict and wherever the experiment stopped, the interval it reports covers the truth at
        // least 95% of the time (simultaneous coverage implies it; at early stops the intervals are wide, so
        // coverage there is higher than 95%: the price of looking early, paid honestly).
        int covered = 0, coveredDiff = 0, coveredControl = 0;
        const int trials = 1000;
        for (int i = 0; i < trials; i++)
        {
            var d = SyntheticMachine.RunToVerdict(Default with { MaxPairs = 120 }, 20_000 + i + (int)(truth * 1e6), 0.06, truth);
            if (d.Effect.Lower < truth && truth < d.Effect.Upper) covered++;
            if (d.EffectVsControl!.Value.Lower < truth && truth < d.EffectVsControl.Value.Upper) coveredDiff++;
            if (d.Control!.Value.Lower < 0 && 0 < d.Control.Value.Upper) coveredControl++;
        }
        output.WriteLine($"truth {truth:P0}: coverage at the stop B vs A {covered / (double)trials:P1}, B vs C {coveredDiff / (double)trials:P1}, control {coveredControl / (double)trials:P1}");
        Assert.InRange(covered / (double)trials, 0.94, 1.0);
        Assert.InRange(coveredDiff / (double)trials, 0.94, 1.0);
        Assert.InRange(coveredControl / (double)trials, 0.94, 1.0);
    }

    [Fact]
    public void A_large_effect_stops_early()
    {
        // +10% at a pair SD of 0.06: every experiment finds it, most within the first few looks.
        var n = new List<int>();
        for (int i = 0; i < 500; i++)
        {
            var d = SyntheticMachine.RunToVerdict(Default, 30_000 + i, 0.06, 0.10);
            Assert.Equal(Verdict.Effect, d.Verdict);
            Assert.True(d.Effect.Lower > 0);
            n.Add(d.N);
        }
        n.Sort();
        output.WriteLine($"+10%: pairs median {n[250]}, 90th percentile {n[450]}, max {n[^1]}");
        Assert.True(n[250] <= 20, $"median pairs {n[250]}");
        Assert.True(n[^1] <= 50, $"max pairs {n[^1]}");
    }

    [Fact]
    public void No_true_effect_ends_as_no_effect_or_not_resolved_rarely_as_an_effect()
    {
        int effect = 0, none = 0, unresolved = 0, futile = 0;
        const int trials = 1000;
        for (int i = 0; i < trials; i++)
        {
            switch (SyntheticMachine.RunToVerdict(Default, 40_000 + i, 0.04, 0).Verdict)
            {
                case Verdict.Effect: effect++; break;
                case Verdict.NoEffect: none++; break;
                case Verdict.NotResolved: unresolved++; break;
                case Verdict.Futile: futile++; break;
            }
        }
        int oldNone = 0;
        for (int i = 0; i < trials; i++)
            if (SyntheticMachine.RunToVerdict(NoFutility, 40_000 + i, 0.04, 0).Verdict == Verdict.NoEffect) oldNone++;
        output.WriteLine($"no effect, SD 0.04: effect {effect}, no effect >1% {none}, cannot reach ±1% {futile}, not resolved {unresolved} of {trials}; without futility no effect >1% {oldNone}");
        Assert.True(effect <= 0.05 * trials, $"{effect} effects");
        Assert.Equal(trials, effect + none + unresolved + futile);
        // At SD 0.04 the ±1% rule can be met within 200 pairs: without futility some experiments stop with "no effect".
        Assert.True(oldNone > 0.05 * trials, $"{oldNone} no-effect verdicts");
        // With futility (δ = ε) the β interval reaches ±1% before the 1−α one does: the price of stopping a null early
        // is that it ends "cannot reach ±1%" instead of the stronger "no effect larger than 1%".
        Assert.True(futile > 0.8 * trials, $"{futile} futility stops");
    }

    [Theory]
    [InlineData(0.04, 30.0, 0.06)]
    [InlineData(0.08, 30.0, 0.06)]
    [InlineData(0.04, 15.0, 0.07)]
    public void False_positive_rate_on_pure_noise_with_speed_regimes_is_held(double pairSd, double dwellSeconds, double aloneLimit)
    {
        // A machine switching ×1.00 / ×1.08 (mean dwell 15–30 s, 3 s runs), B = A = C: 2,000 experiments each.
        // The experiment's rule (effect AND clear of the control) must stay ≤ 5%: it does, by a wide margin.
        // The boundary alone (no control) is the group-sequential test itself: 5.2% on normal noise (20,000
        // experiments: the t approximation), 5.3–5.5% with 30 s regimes. At 15 s dwell with SD 0.04, two thirds
        // of a pair's variance is regime jumps, and regime persistence with the alternating B A C / C A B order
        // makes neighbouring rounds' ratios positively correlated, so the t interval is a little too narrow:
        // 6.05% at 20,000 experiments. Naive looks at the plain 95% interval fool themselves far more often.
        var design = Default with { MaxPairs = 100 };
        int full = 0, alone = 0, naive = 0;
        const int trials = 2000;
        for (int i = 0; i < trials; i++)
        {
            if (SyntheticMachine.RunToVerdict(design, 50_000 + i, pairSd, 0, meanDwellSeconds: dwellSeconds).Verdict == Verdict.Effect) full++;
            var machine = new SyntheticMachine(60_000 + i, pairSd, meanDwellSeconds: dwellSeconds);
            var eff = new List<(double A, double B)>();
            var ctl = new List<(double A, double C)>();
            bool aloneHit = false, naiveHit = false;
            foreach (var look in design.Schedule)
            {
                while (eff.Count < look.Pairs) machine.Round(0, eff, ctl);
                aloneHit = aloneHit || design.Decide(eff, []).Verdict == Verdict.Effect;
                naiveHit = naiveHit || PairedLogRatio.From(eff).Interval(0.95).ExcludesZero;
                if (aloneHit && naiveHit) break;
            }
            if (aloneHit) alone++;
            if (naiveHit) naive++;
        }
        output.WriteLine($"SD {pairSd}, dwell {dwellSeconds} s: false positives: full rule {full / (double)trials:P1}, boundary alone {alone / (double)trials:P1}, naive looks {naive / (double)trials:P1}");
        Assert.True(full <= 0.05 * trials, $"full rule: {full / (double)trials:P1}");
        Assert.True(alone <= aloneLimit * trials, $"boundary alone: {alone / (double)trials:P1}");
        Assert.True(naive > 0.15 * trials, $"naive looks: {naive / (double)trials:P1}");
    }

    // ----- futility (non-binding β spending) -----

    private static readonly SequentialDesign NoFutility = Default with { FutilityBeta = 0 };

    [Fact]
    public void Futility_leaves_the_alpha_boundary_as_it_was_and_spends_beta_only_before_the_budget()
    {
        // Non-binding: the α boundary is computed as if futility never stopped anything, so it is the same numbers.
        var with = (Default with { MaxPairs = 120 }).Schedule;
        var without = (NoFutility with { MaxPairs = 120 }).Schedule;
        Assert.Equal(without.Select(l => (l.Pairs, l.ZBoundary, l.TCritical, l.AlphaSpent)), with.Select(l => (l.Pairs, l.ZBoundary, l.TCritical, l.AlphaSpent)));
        Assert.All(without, l => Assert.True(double.IsPositiveInfinity(l.FutilityTCritical)));
        Assert.True(double.IsPositiveInfinity(with[^1].FutilityTCritical), "the final look is 'not resolved', not futility");
        for (int k = 1; k < with.Count - 1; k++) Assert.True(with[k].BetaSpent > with[k - 1].BetaSpent);
        Assert.InRange(with[^2].BetaSpent, 0.09, SequentialDesign.DefaultFutilityBeta);
        // The futility interval is narrower than the 1−α one wherever it can stop (it is a β-level claim).
        Assert.All(with.Take(with.Count - 1), l => Assert.True(l.FutilityZ < l.ZBoundary));
    }

    [Fact]
    public void Futility_boundaries_spend_beta_as_planned_on_one_side()
    {
        // 100,000 Brownian paths: the share that has crossed Z ≥ z_k (one side only) by look k is the β spent by then.
        var looks = (Default with { MaxPairs = 64, LookEvery = 7, MinPairs = 12 }).Schedule.Take(7).ToList();
        var crossedBy = new int[looks.Count];
        var rng = new SplitMix64(8);
        const int paths = 100_000;
        for (int p = 0; p < paths; p++)
        {
            double sum = 0;
            int n = 0;
            for (int k = 0; k < looks.Count; k++)
            {
                sum += Math.Sqrt(looks[k].Pairs - n) * rng.Gauss();
                n = looks[k].Pairs;
                if (sum / Math.Sqrt(n) >= looks[k].FutilityZ)
                {
                    for (int j = k; j < looks.Count; j++) crossedBy[j]++;
                    break;
                }
            }
        }
        for (int k = 0; k < looks.Count; k++) Assert.Equal(looks[k].BetaSpent, crossedBy[k] / (double)paths, 0.003);
    }

    [Fact]
    public void Futility_stops_a_steady_null_when_its_interval_rules_out_delta_but_the_alpha_one_is_not_within_epsilon()
    {
        // Null data with a pair SD near 0.025: at 40 pairs the 95% repeated interval is wider than ±1% (no "no effect"),
        // the β interval is inside ±2% (δ): cannot reach ±1% within the budget. Without futility it continues.
        var design = Default with { TargetEffect = 0.02 };
        var (eff, ctl) = Exact(40, b: 1.0, c: 1.0, jitter: 0.03);
        var d = design.Decide(eff, ctl);
        output.WriteLine($"n=40: 95% {d.Effect}, futility critical value {design.Schedule[6].FutilityTCritical:0.00} vs {d.CriticalValue:0.00}");
        Assert.False(d.Effect.Within(0.01));
        Assert.Equal(Verdict.Futile, d.Verdict);
        Assert.StartsWith("cannot reach ±1% within the budget (stopped for futility at n=40)", d.Describe());
        Assert.Equal(Verdict.Continue, (design with { FutilityBeta = 0 }).Decide(eff, ctl).Verdict);
        // With δ = ε = 1% the same data cannot rule out ±1% yet.
        Assert.Equal(Verdict.Continue, Default.Decide(eff, ctl).Verdict);
    }

    [Fact]
    public void Futility_never_stops_before_the_first_look()
    {
        // A perfectly flat null: futility (and "no effect") would hold at any n, but nothing is decided before MinPairs.
        var (eff, ctl) = Exact(30, b: 1.0, c: 1.0, jitter: 0.02);
        var design = Default with { TargetEffect = 0.05, MinPairs = 20 };
        for (int n = 2; n < 20; n++) Assert.Equal(Verdict.Continue, design.Decide(eff[..n], ctl[..n]).Verdict);
        Assert.Equal(Verdict.Futile, design.Decide(eff[..20], ctl[..20]).Verdict);
        for (int i = 0; i < 300; i++)
            Assert.True(SyntheticMachine.RunToVerdict(design with { MaxPairs = 100 }, 70_000 + i, 0.06, 0, everyRound: true).N >= 20);
    }

    [Fact]
    public void A_null_effect_mostly_stops_for_futility_well_before_the_budget()
    {
        // ε = δ = 2%, SD 0.06, budget 108 (bench sequential's calibrated one): without futility the mean was ~0.9 of the
        // budget; with it, most experiments stop early, and none of them is an "effect" the old design did not also find.
        var design = Default with { Epsilon = 0.02, MaxPairs = 108 };
        const int trials = 600;
        int futile = 0, effects = 0, oldEffects = 0;
        double pairs = 0, oldPairs = 0;
        for (int i = 0; i < trials; i++)
        {
            var d = SyntheticMachine.RunToVerdict(design, 80_000 + i, 0.06, 0);
            var old = SyntheticMachine.RunToVerdict(design with { FutilityBeta = 0 }, 80_000 + i, 0.06, 0);
            if (d.Verdict == Verdict.Futile) futile++;
            if (old.Verdict == Verdict.Effect) oldEffects++;
            if (d.Verdict == Verdict.Effect)
            {
                effects++;
                // Non-binding, seen path by path: up to its stop the new design made the old one's decisions.
                Assert.Equal((Verdict.Effect, old.N), (old.Verdict, d.N));
            }
            pairs += d.N; oldPairs += old.N;
        }
        output.WriteLine($"null, SD 0.06, budget 108: futility {futile} of {trials}, mean pairs {pairs / trials:0.0} (without futility {oldPairs / trials:0.0}), effects {effects} (without {oldEffects})");
        Assert.True(futile > 0.8 * trials, $"{futile} futility stops");
        Assert.True(pairs / trials < 0.7 * 108, $"mean pairs {pairs / trials:0.0}");
        Assert.True(oldPairs / trials > 0.85 * 108, $"without futility: mean pairs {oldPairs / trials:0.0}");
        Assert.True(effects <= oldEffects);
    }

    [Fact]
    public void An_effect_of_the_target_size_still_reaches_effect_and_large_ones_are_not_touched()
    {
        // +2% (= δ) at SD 0.06, budget 108: futility may stop a few experiments that would have been found, at most
        // β = 10% of them by construction and about 2 points in practice (bench sequential). +5%: never.
        var design = Default with { Epsilon = 0.02, MaxPairs = 108 };
        const int trials = 600;
        int found = 0, oldFound = 0, lost = 0;
        for (int i = 0; i < trials; i++)
        {
            var d = SyntheticMachine.RunToVerdict(design, 90_000 + i, 0.06, 0.02);
            var old = SyntheticMachine.RunToVerdict(design with { FutilityBeta = 0 }, 90_000 + i, 0.06, 0.02);
            if (d.Verdict == Verdict.Effect) { found++; Assert.Equal(old.N, d.N); }
            if (old.Verdict == Verdict.Effect) oldFound++;
            if (old.Verdict == Verdict.Effect && d.Verdict == Verdict.Futile) lost++;
        }
        output.WriteLine($"+2%: effect {found} of {trials} (without futility {oldFound}); {lost} lost to futility");
        Assert.Equal(oldFound - lost, found);
        Assert.True(lost <= 0.04 * trials, $"{lost} of {trials} effects lost to futility");
        Assert.True(found > 0.7 * trials, $"power {found / (double)trials:P1}");
        for (int i = 0; i < 200; i++)
            Assert.Equal(Verdict.Effect, SyntheticMachine.RunToVerdict(design, 95_000 + i, 0.06, 0.05).Verdict);
    }

    [Fact]
    public void Refuses_a_futility_design_that_cannot_work()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(FutilityBeta: 0.5).Schedule);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(FutilityBeta: -0.1).Schedule);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialDesign(TargetEffect: 0).Decide([(1, 1)], []));
    }

    /// <summary>n rounds with B/A = b and C/A = c, times around 2 s, multiplied by tiny deterministic jitter.</summary>
    private static ((double A, double B)[] Effect, (double A, double C)[] Control) Exact(int n, double b, double c, double jitter)
    {
        var eff = new (double A, double B)[n];
        var ctl = new (double A, double C)[n];
        for (int i = 0; i < n; i++)
        {
            double a = 2 + 0.01 * i, wiggle = 1 + jitter * ((i % 3) - 1);
            eff[i] = (a, a * b * wiggle);
            ctl[i] = (a, a * c / wiggle);
        }
        return (eff, ctl);
    }
}
