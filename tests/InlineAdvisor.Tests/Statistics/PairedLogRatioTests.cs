// Paired log ratios: hand-checked numbers, the control difference, refusals, and interval coverage on
// synthetic data with a known effect. All seeded: the same counts on every run.
using InlineAdvisor.Statistics;
using Xunit;
using Xunit.Abstractions;

namespace InlineAdvisor.Tests.Statistics;

public sealed class PairedLogRatioTests(ITestOutputHelper output)
{
    [Fact]
    public void Mean_sd_relative_difference_and_interval_match_hand_computation()
    {
        // ln ratios 0.10, 0.00, 0.05, 0.05, 0.10 → mean 0.06, SD √(0.007/4) = 0.041833; t(0.975, 4) = 2.776445.
        double[] logs = [0.10, 0.00, 0.05, 0.05, 0.10];
        var pairs = logs.Select((x, i) => (2.0 + i, (2.0 + i) * Math.Exp(x))).ToList();
        var s = PairedLogRatio.From(pairs);

        Assert.Equal(5, s.N);
        Assert.Equal(0.06, s.MeanLog, 12);
        Assert.Equal(Math.Sqrt(0.007 / 4), s.SdLog, 12);
        Assert.Equal(Math.Exp(0.06) - 1, s.RelativeDifference, 12);
        Assert.Equal(2.776445, s.CriticalValue(0.95), 1e-6);
        double half = 2.776445105 * Math.Sqrt(0.007 / 4) / Math.Sqrt(5);
        var ci = s.Interval(0.95);
        Assert.Equal(Math.Exp(0.06 - half) - 1, ci.Lower, 8);
        Assert.Equal(Math.Exp(0.06 + half) - 1, ci.Upper, 8);
        Assert.True(ci.ExcludesZero);
        // On the ratio scale the interval is asymmetric: exp is convex.
        Assert.True(ci.Upper - ci.Estimate > ci.Estimate - ci.Lower);
    }

    [Fact]
    public void Medians_are_of_each_arm_in_run_order_independent_of_the_pairing()
    {
        var s = PairedLogRatio.From([(3.0, 3.3), (1.0, 1.2), (2.0, 2.0), (10.0, 9.0)]);
        Assert.Equal(2.5, s.MedianFirst, 12);   // A: 1, 2, 3, 10
        Assert.Equal(2.65, s.MedianSecond, 12); // B: 1.2, 2.0, 3.3, 9.0
    }

    [Fact]
    public void Difference_with_a_shared_A_is_the_log_ratio_of_B_to_C()
    {
        (double A, double B)[] effect = [(2.0, 2.2), (3.0, 3.0), (2.5, 2.6)];
        (double A, double C)[] control = [(2.0, 2.1), (3.0, 3.3), (2.5, 2.4)];
        var d = PairedLogRatio.Difference(effect, control, 3);
        var direct = PairedLogRatio.FromLogs([Math.Log(2.2 / 2.1), Math.Log(3.0 / 3.3), Math.Log(2.6 / 2.4)]);
        Assert.Equal(direct.MeanLog, d.MeanLog, 12);
        Assert.Equal(direct.SdLog, d.SdLog, 12);
        Assert.Equal(2.4, d.MedianFirst, 12); // C
        Assert.Equal(2.6, d.MedianSecond, 12); // B
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Refuses_a_measurement_that_is_not_a_positive_finite_number(double bad)
    {
        var ex = Assert.Throws<ArgumentException>(() => PairedLogRatio.From([(1.0, 1.1), (1.0, bad)]));
        Assert.Contains("pair 1", ex.Message);
    }

    [Fact]
    public void Fewer_than_two_pairs_know_nothing()
    {
        var ci = PairedLogRatio.From([(1.0, 1.5)]).Interval();
        Assert.Equal(-1, ci.Lower);
        Assert.Equal(double.PositiveInfinity, ci.Upper);
        Assert.False(ci.ExcludesZero);
        Assert.False(ci.Within(0.5));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(30)]
    public void T_interval_covers_a_known_effect_95_percent_of_the_time(int n)
    {
        // Normal log ratios, true effect +3%, SD 0.06: 4,000 experiments. Binomial SD of the coverage is 0.34
        // points, so [93.5%, 96.5%] is more than ±4 SD.
        var (t, z) = Coverage(n, trials: 4000, seed: 100 + n);
        output.WriteLine($"n={n}: t-interval coverage {t:P1}, z-interval {z:P1}");
        Assert.InRange(t, 0.935, 0.965);
        // The test can tell a wrong interval apart: normal quantiles (1.96) instead of t cover too little at small n.
        if (n <= 8) Assert.True(z < 0.935, $"z-interval coverage {z:P1} at n={n}");
    }

    private static (double T, double Z) Coverage(int n, int trials, long seed)
    {
        double truth = Math.Log(1.03);
        var rng = new SplitMix64(seed);
        int coveredT = 0, coveredZ = 0;
        for (int i = 0; i < trials; i++)
        {
            var pairs = new (double, double)[n];
            for (int j = 0; j < n; j++) pairs[j] = (2.0, 2.0 * Math.Exp(truth + 0.06 * rng.Gauss()));
            var s = PairedLogRatio.From(pairs);
            var t = s.Interval(0.95);
            var z = s.IntervalAt(1.959964);
            if (t.Lower < 0.03 && 0.03 < t.Upper) coveredT++;
            if (z.Lower < 0.03 && 0.03 < z.Upper) coveredZ++;
        }
        return (coveredT / (double)trials, coveredZ / (double)trials);
    }

    [Fact]
    public void Pairing_cancels_speed_regimes_and_round_load()
    {
        // 40 rounds on the regime-switching machine, true effect +2%. Paired: the interval covers the truth about
        // 95% of the time and the SD of ln(B/A) is the 0.06 the machine was built for. Unpaired (each B against
        // the A of a round 20 rounds away, i.e. about a minute earlier or later) the SD is far larger: regimes
        // and the per-round load no longer cancel.
        int covered = 0, trials = 2000;
        double sumSd = 0, sumUnpaired = 0;
        for (int i = 0; i < trials; i++)
        {
            var machine = new SyntheticMachine(5000 + i, pairSd: 0.06);
            var eff = new List<(double A, double B)>();
            var ctl = new List<(double A, double C)>();
            for (int r = 0; r < 40; r++) machine.Round(0.02, eff, ctl);
            var s = PairedLogRatio.From(eff);
            var ci = s.Interval(0.95);
            if (ci.Lower < 0.02 && 0.02 < ci.Upper) covered++;
            sumSd += s.SdLog;
            sumUnpaired += PairedLogRatio.From(eff.Select((p, r) => (eff[(r + 20) % 40].A, p.B)).ToList()).SdLog;
        }
        output.WriteLine($"regime machine, n=40: coverage {covered / (double)trials:P1}, SD ln(B/A) paired {sumSd / trials:0.0000}, unpaired {sumUnpaired / trials:0.0000}");
        Assert.InRange(covered / (double)trials, 0.935, 0.965);
        Assert.InRange(sumSd / trials, 0.056, 0.064);
        Assert.True(sumUnpaired / trials > 0.09, $"unpaired SD {sumUnpaired / trials:0.000}");
    }
}
