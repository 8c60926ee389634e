// Screening: K flag changes measured together. One experiment per candidate costs K × (its rounds); a two-level
// factorial design puts every change "on" in half the runs, so every run informs every candidate's estimate.
//
// The design is the foldover of a Sylvester–Hadamard matrix H of order m (m a power of two ≥ K + 1): rows
// [H; −H], 2m runs a replicate, one column per change plus one column that changes nothing (the control, below).
// A main-effect column is [h; −h] and a two-factor interaction column is [h_a∘h_b; h_a∘h_b]: their inner product is
// zero, so no main effect is aliased with any two-factor interaction (resolution IV). Inlining changes do interact
// (through the inline budget of a shared caller, through code layout); that is why resolution III will not do.
// In a Sylvester matrix h_a∘h_b = h_{a xor b}: the interactions fall into m − 1 alias chains, one per xor value,
// each estimable and orthogonal to every main effect.
//
// Mains are estimated within mirror pairs. Row i and row i + m have every column's sign flipped, so the difference
// of their log metrics is 2·Σ(main-effect coefficients × h_i) and carries nothing else a block shares: the two runs of
// a pair run next to each other (random order within the pair, pairs in random order within the replicate), so a
// slow machine regime cancels in the difference as it does in an ordinary experiment's adjacent A/B pair. Regressing
// those differences on H's columns gives every change's on-minus-off effect with SE √(2σ²/pairs): per run, the same
// precision ONE ordinary experiment (3 runs a round, 2σ² per pair) gets for its one change, for all K at once.
//
// The A/A control is a column of the design that no change is assigned to: a "change" that changes nothing, on in
// half the runs, estimated exactly like the candidates. Its estimate is what no effect measures as in this design
// (copy-to-copy differences included: every row is its own copy); a candidate's effect must clear it, as an
// ordinary experiment's B must clear C. The design's all-off row is an unmodified copy in every replicate.
//
// Looks, α and β spending, repeated confidence intervals and the verdict rules are SequentialDesign's, with pairs
// counted as mirror pairs and the t statistic's degrees of freedom those of the regression (pairs − columns used).
// Each candidate is judged at every look until it has a verdict, which then stands with the interval of that look
// (repeated intervals hold at every look at once, so stopping one candidate early costs the others nothing). The
// error rate is per candidate: each one's chance of a false "effect" is ≤ α, as if it had its own experiment.
// Interactions are descriptive: a replicate-blocked linear model on the mirror pairs' sums (MathNet QR), fixed 95%
// intervals, Bonferroni over the chains tested.
//
// What a main effect means: on minus off, averaged over the other changes' levels (each on in half the runs). An
// interaction ("both on adds γ") is therefore half in each of its two changes' main effects; resolution IV keeps the
// interaction's own column out of the mains, not that half. So a change whose effect shares a detected interaction is
// measured with the others half applied: only an ordinary experiment on the unmodified app says what it does alone,
// which is why a screen's winners are confirmed before they can become advice.
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace InlineAdvisor.Statistics;

/// <summary>One change's estimate at a look: the verdict stands from the look that gave it.</summary>
/// <param name="Factor">0-based index of the change.</param>
/// <param name="DecidedAtPairs">Mirror pairs at the look that decided it (0 while it continues).</param>
/// <param name="Effect">On vs off (the change applied vs not), ratio scale, at the critical value used.</param>
/// <param name="EffectVsControl">The effect minus the control column's, the A/A check.</param>
public sealed record ScreenEstimate(int Factor, Verdict Verdict, int DecidedAtPairs, RelativeInterval Effect, RelativeInterval EffectVsControl);

/// <summary>The screen after the replicates so far.</summary>
/// <param name="Control">The control column's "effect" (no change assigned), at the look's critical value.</param>
/// <param name="Done">Every change has a verdict, or the budget is spent.</param>
public sealed record ScreenDecision(int Replicates, int Pairs, int Look, double CriticalValue, RelativeInterval Control, IReadOnlyList<ScreenEstimate> Factors, bool Done);

/// <summary>An alias chain of two-factor interactions: the pairs of changes whose product column is the same.</summary>
/// <param name="Pairs">The pairs of changes (0-based) in the chain; pairs with the control column are left out (it changes nothing).</param>
/// <param name="NonAdditivity">ln(y₊₊) − ln(y₊₋) − ln(y₋₊) + ln(y₋₋) on the ratio scale: how much the two together differ from
/// the sum of their separate effects, with a 95% interval widened by Bonferroni over the chains tested.</param>
/// <param name="Detected">The interval excludes zero.</param>
public sealed record InteractionChain(IReadOnlyList<(int A, int B)> Pairs, RelativeInterval NonAdditivity, bool Detected);

/// <summary>A linear-model estimate on the log scale: estimate, standard error, residual degrees of freedom.</summary>
public readonly record struct LogEstimate(double Estimate, double StandardError, int DegreesOfFreedom)
{
    public RelativeInterval IntervalAt(double critical) => double.IsPositiveInfinity(critical) || !(StandardError >= 0)
        ? new RelativeInterval(Math.Exp(Estimate) - 1, -1, double.PositiveInfinity)
        : new RelativeInterval(Math.Exp(Estimate) - 1, Math.Exp(Estimate - critical * StandardError) - 1, Math.Exp(Estimate + critical * StandardError) - 1);

    /// <summary>Fixed-n two-sided interval (descriptive: it steered nothing).</summary>
    public RelativeInterval Interval(double confidence = 0.95) =>
        IntervalAt(DegreesOfFreedom < 1 ? double.PositiveInfinity : StudentT.InvCDF(0, 1, DegreesOfFreedom, 1 - (1 - confidence) / 2));
}

public sealed class ScreeningDesign
{
    /// <summary>The column no change is assigned to: the A/A control.</summary>
    public const int ControlColumn = 0;

    /// <summary>Changes screened together at most: 31 plus the control fill a 64-run replicate.</summary>
    public const int MaxFactors = 31;

    /// <param name="factors">K, the changes screened.</param>
    /// <param name="budgetRuns">At most this many measured runs (whole replicates; at least the first look's).</param>
    /// <param name="epsilon">ε of the verdicts; see <see cref="SequentialDesign"/>.</param>
    public ScreeningDesign(int factors, int budgetRuns, double epsilon = 0.01, double alpha = 0.05, double futilityBeta = SequentialDesign.DefaultFutilityBeta)
    {
        if (factors is < 1 or > MaxFactors) throw new ArgumentOutOfRangeException(nameof(factors), $"screen 1 to {MaxFactors} changes");
        Factors = factors;
        Order = 2;
        while (Order < factors + 1) Order *= 2;
        // The first look needs as many mirror pairs as an ordinary experiment's first look has pairs (10), and at least
        // 5 residual degrees of freedom: t with fewer has tails too heavy to stop on anything.
        FirstLookReplicates = 1;
        while (FirstLookReplicates * Order < Math.Max(10, factors + 1 + 5)) FirstLookReplicates++;
        MaxReplicates = Math.Max(FirstLookReplicates, budgetRuns / RowsPerReplicate);
        Sequential = new SequentialDesign(Epsilon: epsilon, Alpha: alpha, MaxPairs: MaxReplicates * Order, LookEvery: Order,
            MinPairs: FirstLookReplicates * Order, FutilityBeta: futilityBeta);
    }

    public int Factors { get; }

    /// <summary>m: the Hadamard matrix's order, a power of two ≥ K + 1.</summary>
    public int Order { get; }

    /// <summary>2m: one replicate, every row once.</summary>
    public int RowsPerReplicate => 2 * Order;

    public int FirstLookReplicates { get; }
    public int MaxReplicates { get; }

    /// <summary>The looks and their boundaries, in mirror pairs (m a replicate).</summary>
    public SequentialDesign Sequential { get; }

    public int ColumnOf(int factor) => factor + 1;

    /// <summary>The level (+1 on, −1 off) of design column <paramref name="column"/> in <paramref name="row"/> (0 ≤ row &lt; 2m).</summary>
    public int Level(int row, int column)
    {
        int sign = row < Order ? 1 : -1;
        return sign * Hadamard(row % Order, column);
    }

    /// <summary>Is change <paramref name="factor"/> applied in this row's copy?</summary>
    public bool On(int row, int factor) => Level(row, ColumnOf(factor)) > 0;

    /// <summary>The row with every sign flipped.</summary>
    public int MirrorOf(int row) => (row + Order) % RowsPerReplicate;

    /// <summary>The changes applied in a row, as factor indices.</summary>
    public IReadOnlyList<int> ChangesIn(int row) => Enumerable.Range(0, Factors).Where(f => On(row, f)).ToList();

    /// <summary>
    /// Run order of one replicate: the m mirror pairs in random order, the two runs of a pair next to each other in
    /// random order. Blocking by pair (and by replicate) is what keeps the machine's speed drift out of the mains.
    /// </summary>
    public IReadOnlyList<int> RunOrder(Random random)
    {
        var pairs = Enumerable.Range(0, Order).ToArray();
        random.Shuffle(pairs);
        var order = new List<int>(RowsPerReplicate);
        foreach (var p in pairs)
        {
            bool mirrorFirst = random.Next(2) == 1;
            order.Add(mirrorFirst ? p + Order : p);
            order.Add(mirrorFirst ? p : p + Order);
        }
        return order;
    }

    /// <summary>Sylvester's construction: H[i, j] = (−1)^popcount(i AND j).</summary>
    private static int Hadamard(int i, int j) => System.Numerics.BitOperations.PopCount((uint)(i & j)) % 2 == 0 ? 1 : -1;

    /// <summary>
    /// Every change's main effect and the control column's, on the log scale, from complete replicates (each an array of
    /// the 2m rows' log metric values): the regression of mirror-pair differences on the design's columns.
    /// Index 0 is the control, index f + 1 change f.
    /// </summary>
    public LogEstimate[] MainEffects(IReadOnlyList<double[]> replicateLogs, out double[,] covariance)
    {
        int columns = Factors + 1, pairs = replicateLogs.Count * Order;
        var x = Matrix<double>.Build.Dense(pairs, columns);
        var y = Vector<double>.Build.Dense(pairs);
        int k = 0;
        foreach (var logs in replicateLogs)
        {
            if (logs.Length != RowsPerReplicate) throw new ArgumentException($"a replicate has {RowsPerReplicate} rows, not {logs.Length}");
            for (int i = 0; i < Order; i++, k++)
            {
                // ln y_i − ln y_{i+m} = 2 Σ c_j h_ij: the coefficient of h_j here is the on-minus-off effect 2 c_j.
                y[k] = logs[i] - logs[i + Order];
                for (int c = 0; c < columns; c++) x[k, c] = Hadamard(i, c);
            }
        }
        var fit = Ols(x, y);
        covariance = fit.Covariance;
        return fit.Estimates;
    }

    /// <summary>The verdicts after the complete replicates so far; a change decided at an earlier look keeps that verdict.</summary>
    public ScreenDecision Decide(IReadOnlyList<double[]> replicateLogs, ScreenDecision? previous)
    {
        int replicates = replicateLogs.Count, pairs = replicates * Order;
        var est = MainEffects(replicateLogs, out var cov);
        int df = est[0].DegreesOfFreedom;
        var look = Sequential.LookAt(pairs);
        bool atLook = look is not null && (look.Pairs == pairs || pairs >= Sequential.MaxPairs);
        var latest = Sequential.Schedule.LastOrDefault(l => l.Pairs <= pairs) ?? Sequential.Schedule[0];
        double critical = SequentialDesign.TCritical(atLook ? look!.ZBoundary : latest.ZBoundary, df);
        double futilityCritical = atLook ? SequentialDesign.TCritical(look!.FutilityZ, df) : double.PositiveInfinity;
        double eps = Sequential.Epsilon;
        var control = est[0];
        var factors = new List<ScreenEstimate>(Factors);
        for (int f = 0; f < Factors; f++)
        {
            if (previous?.Factors[f] is { Verdict: not Verdict.Continue } decided) { factors.Add(decided); continue; }
            int j = f + 1;
            var effect = est[j];
            var vsControl = new LogEstimate(effect.Estimate - control.Estimate, Math.Sqrt(cov[j, j] + cov[0, 0] - 2 * cov[j, 0]), df);
            var e = effect.IntervalAt(critical);
            var d = vsControl.IntervalAt(critical);
            var verdict = Verdict.Continue;
            if (atLook)
            {
                bool up = e.Lower > 0 && d.Lower > 0, down = e.Upper < 0 && d.Upper < 0;
                bool none = e.Within(eps) && d.Within(eps);
                // Futility on the effect alone: an ordinary experiment averages its two baselines because their shared A makes
                // that average less noisy; here the control column is orthogonal to the change's, so subtracting half of it
                // would add a quarter of the variance instead (bench screening: 9–14% more runs on null screens).
                verdict = up || down ? Verdict.Effect : none ? Verdict.NoEffect : pairs >= Sequential.MaxPairs ? Verdict.NotResolved
                    : effect.IntervalAt(futilityCritical).Within(Sequential.Delta) ? Verdict.Futile : Verdict.Continue;
            }
            factors.Add(new ScreenEstimate(f, verdict, verdict == Verdict.Continue ? 0 : pairs, e, d));
        }
        bool done = factors.All(f => f.Verdict != Verdict.Continue) || pairs >= Sequential.MaxPairs;
        return new ScreenDecision(replicates, pairs, atLook ? look!.Index : 0, critical, control.IntervalAt(critical), factors, done);
    }

    /// <summary>
    /// Interaction chains the design resolves (at least one pair of real changes); descriptive. A chain's column has the
    /// same sign in both runs of a mirror pair, so it lives in the pair SUMS (where the mains cancel), not in the pair
    /// differences: each chain is estimated by a linear model on the sums with a block per replicate, whose residuals
    /// carry the noise a pair shares (load, a slow regime) as the chain's estimate does. Fitting all runs instead, with
    /// replicate blocks only, mixed that with the small within-pair noise and flagged a false chain in 18–60% of null
    /// screens (bench screening); the sums keep it at the nominal 5%.
    /// </summary>
    public IReadOnlyList<InteractionChain> Interactions(IReadOnlyList<double[]> replicateLogs)
    {
        var chains = Enumerable.Range(1, Order - 1)
            .Select(c => (Column: c, Pairs: Pairs().Where(p => (ColumnOf(p.A) ^ ColumnOf(p.B)) == c).ToList()))
            .Where(c => c.Pairs.Count > 0).ToList();
        int replicates = replicateLogs.Count, n = replicates * Order;
        int parameters = replicates + chains.Count;
        if (chains.Count == 0 || n - parameters < 2) return [];
        var x = Matrix<double>.Build.Dense(n, parameters);
        var y = Vector<double>.Build.Dense(n);
        int k = 0;
        for (int r = 0; r < replicates; r++)
            for (int i = 0; i < Order; i++, k++)
            {
                y[k] = replicateLogs[r][i] + replicateLogs[r][i + Order];
                x[k, r] = 1;
                // The sum holds 2·g·h_c(i) for an interaction term g·x_a·x_b (x = ±1); with the column ½·h_c the coefficient
                // is 4g = ln y₊₊ − ln y₊₋ − ln y₋₊ + ln y₋₋, the non-additivity.
                for (int c = 0; c < chains.Count; c++) x[k, replicates + c] = 0.5 * Hadamard(i, chains[c].Column);
            }
        var fit = Ols(x, y);
        double critical = fit.Estimates[0].DegreesOfFreedom < 1 ? double.PositiveInfinity
            : StudentT.InvCDF(0, 1, fit.Estimates[0].DegreesOfFreedom, 1 - 0.05 / (2 * chains.Count));
        return chains.Select((c, i) =>
        {
            var interval = fit.Estimates[replicates + i].IntervalAt(critical);
            return new InteractionChain(c.Pairs, interval, interval.ExcludesZero);
        }).ToList();

        IEnumerable<(int A, int B)> Pairs()
        {
            for (int a = 0; a < Factors; a++)
                for (int b = a + 1; b < Factors; b++) yield return (a, b);
        }
    }

    /// <summary>Ordinary least squares by QR: estimates, their covariance s²(X'X)⁻¹, residual degrees of freedom.</summary>
    private static (LogEstimate[] Estimates, double[,] Covariance) Ols(Matrix<double> x, Vector<double> y)
    {
        var beta = x.QR().Solve(y);
        var residual = y - x * beta;
        int df = x.RowCount - x.ColumnCount;
        double s2 = df > 0 ? residual.DotProduct(residual) / df : double.NaN;
        var cov = x.TransposeThisAndMultiply(x).Inverse() * s2;
        var estimates = new LogEstimate[x.ColumnCount];
        for (int j = 0; j < estimates.Length; j++) estimates[j] = new LogEstimate(beta[j], Math.Sqrt(cov[j, j]), df);
        return (estimates, cov.ToArray());
    }
}
