// The screening design against known answers: its algebra (balance, resolution IV, mirror pairs), estimates on
// noiseless data with interactions present, and error rates on simulated noisy machines (seeded, so the counts are
// the same on every run).
using InlineAdvisor.Statistics;
using Xunit;
using Xunit.Abstractions;

namespace InlineAdvisor.Tests.Statistics;

public sealed class ScreeningTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(8, 16)]
    [InlineData(16, 32)]
    public void The_design_is_balanced_resolution_IV_and_leaves_a_control_column(int factors, int order)
    {
        var d = new ScreeningDesign(factors, budgetRuns: 0);
        Assert.Equal(order, d.Order);
        int rows = d.RowsPerReplicate, columns = factors + 1;
        int Dot(Func<int, int> u, Func<int, int> v) => Enumerable.Range(0, rows).Sum(r => u(r) * v(r));
        for (int a = 0; a < columns; a++)
        {
            Assert.Equal(0, Dot(r => d.Level(r, a), _ => 1));   // on in half the runs
            for (int b = a + 1; b < columns; b++)
            {
                Assert.Equal(0, Dot(r => d.Level(r, a), r => d.Level(r, b)));   // mains orthogonal
                for (int c = 0; c < columns; c++)   // no main effect aliased with any two-factor interaction
                    Assert.Equal(0, Dot(r => d.Level(r, c), r => d.Level(r, a) * d.Level(r, b)));
            }
        }
        for (int r = 0; r < rows; r++)
            Assert.All(Enumerable.Range(0, columns), c => Assert.Equal(-d.Level(r, c), d.Level(d.MirrorOf(r), c)));
        // One row in each replicate applies nothing: an unmodified copy in the rotation.
        Assert.Contains(Enumerable.Range(0, rows), r => d.ChangesIn(r).Count == 0);
        Assert.Equal(ScreeningDesign.ControlColumn, 0);
    }

    [Fact]
    public void Run_order_keeps_mirror_pairs_adjacent_and_covers_every_row_once()
    {
        var d = new ScreeningDesign(8, budgetRuns: 0);
        var order = d.RunOrder(new Random(3));
        Assert.Equal(Enumerable.Range(0, d.RowsPerReplicate), order.Order());
        for (int i = 0; i < order.Count; i += 2) Assert.Equal(d.MirrorOf(order[i]), order[i + 1]);
        Assert.NotEqual(order, d.RunOrder(new Random(4)));
    }

    [Fact]
    public void Noiseless_mains_are_exact_even_with_interactions_and_the_chain_is_named()
    {
        var d = new ScreeningDesign(6, budgetRuns: 0);
        double[] mains = [Math.Log(1.10), 0, Math.Log(0.95), 0, 0, Math.Log(1.02)];
        double gamma = Math.Log(1.04);   // changes 1 and 4 together: +4% beyond their sum
        var noise = new Random(5);
        var replicates = Enumerable.Range(0, 2).Select(rep => Enumerable.Range(0, d.RowsPerReplicate).Select(row =>
        {
            double y = 1.0 + 0.01 * rep + d.ChangesIn(row).Sum(f => mains[f]);
            if (d.On(row, 1) && d.On(row, 4)) y += gamma;
            // Tiny noise so the residual variance is not zero.
            return y + 1e-5 * noise.NextDouble();
        }).ToArray()).ToList();
        var est = d.MainEffects(replicates, out _);
        // "Both on" adds γ where each is on in half the runs of the other: half of γ is each one's main effect.
        for (int f = 0; f < 6; f++) Assert.Equal(mains[f] + (f is 1 or 4 ? gamma / 2 : 0), est[f + 1].Estimate, 4);
        Assert.Equal(0, est[0].Estimate, 4);   // the control column changes nothing
        var chains = d.Interactions(replicates);
        foreach (var c in chains) output.WriteLine($"{string.Join(" ", c.Pairs)}: {c.NonAdditivity} {c.Detected}");
        var detected = Assert.Single(chains, c => c.Detected);
        Assert.Contains((1, 4), detected.Pairs);
        Assert.Equal(0.04, detected.NonAdditivity.Estimate, 3);
    }

    [Fact]
    public void On_noise_false_effects_stay_under_alpha_per_candidate_and_a_large_gain_is_named_clear_of_the_control()
    {
        const int screens = 300;
        int falsePositives = 0, nulls = 0, found = 0;
        var runs = new List<int>();
        for (int s = 0; s < screens; s++)
        {
            var d = new ScreeningDesign(4, budgetRuns: 3 * 60, epsilon: 0.02);
            double[] effects = [s % 2 == 0 ? -0.15 : 0, 0, 0, 0];
            var decision = Simulate(d, effects, seed: 10_000 + s, pairSd: 0.06, out int used);
            runs.Add(used);
            for (int f = 0; f < 4; f++)
            {
                if (effects[f] != 0)
                {
                    if (decision.Factors[f] is { Verdict: Verdict.Effect, Effect.Upper: < 0, EffectVsControl.Upper: < 0 }) found++;
                    continue;
                }
                nulls++;
                if (decision.Factors[f].Verdict == Verdict.Effect) falsePositives++;
            }
        }
        double rate = (double)falsePositives / nulls;
        runs.Sort();
        output.WriteLine($"false effects {falsePositives}/{nulls} = {rate:P1}; −15% found {found}/{screens / 2}; median runs {runs[runs.Count / 2]}");
        Assert.True(rate <= 0.06, $"false-positive rate per candidate {rate:P1}");
        Assert.True(found >= 0.95 * screens / 2, $"−15% found in {found} of {screens / 2} screens");
    }

    [Fact]
    public void Without_interactions_a_false_chain_is_flagged_in_about_5_percent_of_screens()
    {
        // Chains live in the mirror pairs' sums, which carry the noise a pair shares (load, slow regimes): their
        // intervals must too. Bonferroni over the chains: at most ~5% of screens flag any.
        int flagged = 0;
        const int screens = 300;
        for (int s = 0; s < screens; s++)
        {
            var d = new ScreeningDesign(6, budgetRuns: 0);
            var machine = new SyntheticMachine(50_000 + s, pairSd: 0.04);
            var random = new Random(s);
            var replicates = new List<double[]>();
            for (int r = 0; r < 3; r++)
            {
                var logs = new double[d.RowsPerReplicate];
                var order = d.RunOrder(random);
                for (int i = 0; i < order.Count; i += 2)
                {
                    double load = machine.RoundLoadSd * machine.Gauss();
                    logs[order[i]] = Math.Log(machine.Run(d.On(order[i], 0) ? Math.Log(1.05) : 0, load));
                    logs[order[i + 1]] = Math.Log(machine.Run(d.On(order[i + 1], 0) ? Math.Log(1.05) : 0, load));
                }
                replicates.Add(logs);
            }
            if (d.Interactions(replicates).Any(c => c.Detected)) flagged++;
        }
        output.WriteLine($"screens flagging a chain with no interaction: {flagged}/{screens}");
        Assert.True(flagged <= 0.08 * screens, $"{flagged} of {screens} screens flagged a false interaction");
    }

    /// <summary>One screen on a synthetic machine (regime shifts, a load shared by each mirror pair) to its end.</summary>
    private static ScreenDecision Simulate(ScreeningDesign d, double[] effects, long seed, double pairSd, out int runs)
    {
        var machine = new SyntheticMachine(seed, pairSd);
        var random = new Random((int)seed);
        var replicates = new List<double[]>();
        ScreenDecision? decision = null;
        runs = 0;
        while (decision is not { Done: true })
        {
            var logs = new double[d.RowsPerReplicate];
            var order = d.RunOrder(random);
            for (int i = 0; i < order.Count; i += 2)
            {
                double load = machine.RoundLoadSd * machine.Gauss();
                foreach (var row in new[] { order[i], order[i + 1] })
                    logs[row] = Math.Log(machine.Run(d.ChangesIn(row).Sum(f => Math.Log(1 + effects[f])), load));
            }
            runs += d.RowsPerReplicate;
            replicates.Add(logs);
            decision = d.Decide(replicates, decision);
        }
        return decision;
    }
}
