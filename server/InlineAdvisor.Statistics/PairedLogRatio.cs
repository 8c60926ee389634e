// Paired comparison of two arms on the log scale. Runs here vary 5–16% and the machine changes speed for
// seconds to minutes, so each B is compared only with the A run next to it: x_i = ln(b_i / a_i). Whatever
// multiplies both runs of a pair (a slow regime, a busy round) cancels in x_i. Logs make the comparison
// symmetric (a 10% slow-down and its undoing have the same size) and turn "relative difference" into a mean.
// The interval is a t-interval on the mean of x (not a bootstrap of the median: that was falsely tight
// at n ≤ 16 here), reported back on the ratio scale as exp(x) − 1.
using MathNet.Numerics.Distributions;

namespace InlineAdvisor.Statistics;

/// <summary>A relative difference (B/A − 1) and an interval for it, all on the ratio scale.</summary>
public readonly record struct RelativeInterval(double Estimate, double Lower, double Upper)
{
    /// <summary>Zero is outside the interval (an infinite or undefined interval never excludes it).</summary>
    public bool ExcludesZero => Lower > 0 || Upper < 0;

    /// <summary>The whole interval lies inside (−ε, +ε): "no effect larger than ε".</summary>
    public bool Within(double epsilon) => Lower > -epsilon && Upper < epsilon;

    public override string ToString() => FormattableString.Invariant($"{Estimate:+0.0%;-0.0%} [{Lower:+0.0%;-0.0%}, {Upper:+0.0%;-0.0%}]");
}

/// <summary>
/// Summary of paired log ratios ln(second/first): n, mean, SD, the medians of each arm, and intervals.
/// </summary>
public sealed class PairedLogRatio
{
    // Medians sort; a sequential design computes these statistics at every look, so they are taken on demand.
    private readonly double[]? _first, _second;
    private double? _medianFirst, _medianSecond;

    private PairedLogRatio(int n, double mean, double sd, double[]? first, double[]? second)
        => (N, MeanLog, SdLog, _first, _second) = (n, mean, sd, first, second);

    public int N { get; }

    /// <summary>Mean of ln(second/first).</summary>
    public double MeanLog { get; }

    /// <summary>Sample SD (n − 1) of ln(second/first); NaN below two pairs.</summary>
    public double SdLog { get; }

    /// <summary>Median of the first arm (A, the baseline) and of the second arm (B): for display and storage;
    /// the decision rests on the paired ratios, not on these.</summary>
    public double MedianFirst => _medianFirst ??= _first is null ? double.NaN : Median(_first);
    public double MedianSecond => _medianSecond ??= _second is null ? double.NaN : Median(_second);

    public double StandardError => SdLog / Math.Sqrt(N);

    /// <summary>exp(mean log ratio) − 1: the geometric-mean relative difference, e.g. +0.03 = B 3% larger.</summary>
    public double RelativeDifference => Math.Exp(MeanLog) - 1;

    /// <summary>From (first, second) measurements of one pair each, e.g. (A seconds, B seconds).</summary>
    public static PairedLogRatio From(IReadOnlyList<(double First, double Second)> pairs) => From(pairs, pairs.Count);

    /// <summary>From the first <paramref name="count"/> pairs only (a prefix: the experiment so far).</summary>
    public static PairedLogRatio From(IReadOnlyList<(double First, double Second)> pairs, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, pairs.Count);
        var logs = new double[count];
        var first = new double[count];
        var second = new double[count];
        for (int i = 0; i < count; i++)
        {
            var (a, b) = pairs[i];
            Check(a, i); Check(b, i);
            logs[i] = Math.Log(b / a);
            (first[i], second[i]) = (a, b);
        }
        return FromLogs(logs, first, second);
    }

    /// <summary>
    /// The control-corrected effect, round by round: ln(b_i/a_i) − ln(c_i/a'_i) (= ln(b_i/c_i) when A is shared).
    /// One t-interval on these per-round differences accounts for the correlation between the two ratios
    /// (a shared A enters both) through their own SD, which comparing two separate intervals cannot.
    /// Rounds are matched by index over the first <paramref name="count"/> of each. Medians: C (first), B (second).
    /// </summary>
    public static PairedLogRatio Difference(IReadOnlyList<(double A, double B)> effect, IReadOnlyList<(double A, double C)> control, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Math.Min(effect.Count, control.Count));
        var logs = new double[count];
        var c = new double[count];
        var b = new double[count];
        for (int i = 0; i < count; i++)
        {
            Check(effect[i].A, i); Check(effect[i].B, i); Check(control[i].A, i); Check(control[i].C, i);
            logs[i] = Math.Log(effect[i].B / effect[i].A) - Math.Log(control[i].C / control[i].A);
            (c[i], b[i]) = (control[i].C, effect[i].B);
        }
        return FromLogs(logs, c, b);
    }

    /// <summary>From log ratios already taken (tests, simulations); the arms' medians are then unknown (NaN).</summary>
    public static PairedLogRatio FromLogs(IReadOnlyList<double> logs) => FromLogs(logs, null, null);

    private static PairedLogRatio FromLogs(IReadOnlyList<double> logs, double[]? first, double[]? second)
    {
        int n = logs.Count;
        // Two passes: the mean first, then squared deviations (numerically safer than sum of squares).
        double sum = 0;
        for (int i = 0; i < n; i++) sum += logs[i];
        double mean = n > 0 ? sum / n : double.NaN;
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (logs[i] - mean) * (logs[i] - mean);
        double sd = n > 1 ? Math.Sqrt(ss / (n - 1)) : double.NaN;
        return new PairedLogRatio(n, mean, sd, first, second);
    }

    /// <summary>Two-sided Student-t critical value at this n for a confidence level, e.g. 0.95 → t(0.975, n−1).</summary>
    public double CriticalValue(double confidence)
    {
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence));
        return N < 2 ? double.PositiveInfinity : StudentT.InvCDF(0, 1, N - 1, 1 - (1 - confidence) / 2);
    }

    /// <summary>The usual (fixed-n, single look) t-interval at a confidence level.</summary>
    public RelativeInterval Interval(double confidence = 0.95) => IntervalAt(CriticalValue(confidence));

    /// <summary>
    /// mean ± c·SE on the log scale, mapped through exp(x) − 1 (so it is asymmetric on the ratio scale).
    /// A sequential design passes its own, larger c so the interval stays honest after repeated looks.
    /// Fewer than two pairs, or an infinite c, give (−100%, +∞): nothing is known yet.
    /// </summary>
    public RelativeInterval IntervalAt(double criticalValue)
    {
        if (N < 2 || double.IsPositiveInfinity(criticalValue))
            return new RelativeInterval(N > 0 ? RelativeDifference : double.NaN, -1, double.PositiveInfinity);
        double half = criticalValue * StandardError;
        return new RelativeInterval(RelativeDifference, Math.Exp(MeanLog - half) - 1, Math.Exp(MeanLog + half) - 1);
    }

    private static void Check(double x, int index)
    {
        // A log ratio needs two positive, finite measurements; a zero or negative time is a broken run.
        if (!(x > 0) || double.IsInfinity(x))
            throw new ArgumentException($"pair {index}: measurement {x} is not a positive finite number");
    }

    internal static double Median(double[] values)
    {
        if (values.Length == 0) return double.NaN;
        var sorted = (double[])values.Clone(); // the arrays stay in run order
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
