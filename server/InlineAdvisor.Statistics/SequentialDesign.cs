// When to stop running pairs. Looking at the interval after every round and stopping the first time it
// excludes zero would find "effects" in pure noise far more often than 5% of the time (each look is another
// chance: 23% with plain 95% intervals at the looks below). This is a group-sequential design: looks at
// pre-planned numbers of pairs, each with a critical value from an alpha-spending boundary (Lan–DeMets
// method), so the chance of ANY false "effect" over all looks stays α.
//
// The intervals at the looks are repeated confidence intervals (Jennison & Turnbull 1989): with the
// boundary's critical values they cover the true effect at every look simultaneously with probability 1−α.
// That one property makes every verdict honest at once, whenever the experiment stops: "effect" (the
// interval excludes 0), "no effect larger than ε" (the interval lies inside ±ε) and the interval reported.
//
// The boundary is computed for a normal statistic with known variance (recursive numerical integration,
// Armitage–McPherson–Rowe). Our statistic is a t statistic, so each look keeps the boundary's nominal
// one-sided level p_k = 1 − Φ(z_k) and takes the Student-t quantile with n−1 degrees of freedom at it
// (Jennison & Turnbull 2000, §11.1: the "significance level" approach). It is an approximation: 5.2% false
// positives at α = 5% on normal noise (20,000 simulated experiments, default design).
//
// "Clears the control": with A shared, ln(B/A) − ln(C/A) = ln(B/C) per round, and one t interval on those
// differences carries the covariance the shared A induces in its own SD. Checking that two separate intervals
// do not overlap would ignore that covariance and has no definite error rate (about 0.6% instead of 5% for
// independent arms), so it would waste pairs without saying what it guarantees.
//
// Futility (most candidates are null, and without it a null experiment ran to 0.96–0.99× the fixed-n budget):
// a non-binding beta-spending boundary (Jennison & Turnbull 2000, §7.2; Lan–DeMets spending applied to β).
// At each look a second, narrower repeated interval is formed with one-sided critical values spending β over the
// looks (Pocock-type, so most of it early, where stopping saves pairs); when it lies inside ±δ (δ = the design's
// target effect, ε unless set), an effect as large as δ is ruled out at level β, and the experiment stops: "cannot
// reach ±ε within the budget" (or "no effect" when the 1−α interval is already inside ±ε, checked first). Under a
// true effect of δ that interval wrongly excludes it with probability at most β over all looks, whatever else
// happens, so futility costs at most β of power and in practice much less (most such paths would have ended "not
// resolved" anyway): 1.6–2.7 points at β = 10% in bench sequential, for E[n | no effect] 0.56–0.60× fixed n. Non-binding: the α boundaries
// are computed as if futility never stopped anything, so the false-positive rate stays ≤ α whether the futility
// stop is obeyed or overridden; obeying it can only remove "effect" verdicts. Working on the interval, not on a
// drift θ = δ√N/σ, keeps σ out of the boundary: like the α boundary it uses t quantiles at the look's n − 1.
using System.Collections.Concurrent;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.RootFinding;

namespace InlineAdvisor.Statistics;

public enum Verdict
{
    /// <summary>Not a look, or no rule met yet: run more pairs.</summary>
    Continue,
    /// <summary>B vs A excludes zero AND B vs the A/A control (the difference of log ratios) excludes zero, same side.</summary>
    Effect,
    /// <summary>B vs A and B vs C (the control difference) both lie within ±ε: no effect larger than ε.</summary>
    NoEffect,
    /// <summary>The budget of pairs is spent without either: "not resolved at n=…".</summary>
    NotResolved,
    /// <summary>Futility: the β interval of B against its baselines lies within ±δ, so an effect the budget could show is
    /// ruled out, but the 1−α interval is not yet within ±ε: "cannot reach ±ε within the budget". Experiments
    /// record it as not resolved, with that reason.</summary>
    Futile,
}

/// <summary>How the error rate α is spent over the looks (cumulative α(t) at information fraction t = n/MaxPairs).</summary>
public enum AlphaSpending
{
    /// <summary>Lan–DeMets O'Brien–Fleming type, 2 − 2Φ(z_{1−α/2}/√t): almost nothing early, a final critical value
    /// close to the fixed-n one. Good when the budget is the expected size and early stops are a bonus.</summary>
    OBrienFleming,
    /// <summary>Lan–DeMets Pocock type, α·ln(1 + (e−1)t): nearly constant critical values, so large effects stop at the
    /// first looks; costs a larger final critical value (a larger budget for the same power, wider final intervals).</summary>
    Pocock,
    /// <summary>Kim–DeMets power family with ρ = 2, α·t²: between the two. On this machine's noise (bench sequential
    /// --explore) it needed about as few pairs as O'Brien–Fleming at a 2% effect and as no effect, and nearly as few as
    /// Pocock at 5–10% effects, and unlike O'Brien–Fleming its first looks have finite intervals to show.</summary>
    Quadratic,
}

/// <summary>One planned look: after <see cref="Pairs"/> complete rounds.</summary>
/// <param name="Index">1-based.</param>
/// <param name="InformationFraction">Pairs / MaxPairs.</param>
/// <param name="AlphaSpent">Cumulative two-sided α spent up to and including this look.</param>
/// <param name="ZBoundary">Two-sided boundary for a normal statistic (∞: this look spends nothing, it cannot stop).</param>
/// <param name="TCritical">The critical value used with the t statistic and n−1 degrees of freedom.</param>
/// <param name="BetaSpent">Cumulative one-sided β spent on futility up to and including this look (0 without futility).</param>
/// <param name="FutilityZ">One-sided boundary of the futility interval for a normal statistic (∞: no futility stop here).</param>
/// <param name="FutilityTCritical">Its t critical value at n−1 degrees of freedom.</param>
public sealed record Look(int Index, int Pairs, double InformationFraction, double AlphaSpent, double ZBoundary, double TCritical,
    double BetaSpent = 0, double FutilityZ = double.PositiveInfinity, double FutilityTCritical = double.PositiveInfinity);

/// <summary>The outcome of one call to <see cref="SequentialDesign.Decide"/>.</summary>
/// <param name="Look">The planned look this n is (1-based), or 0 when n is between looks (the verdict is then Continue).</param>
/// <param name="CriticalValue">Multiplier of the standard error used for every interval here.</param>
/// <param name="Effect">B vs A.</param>
/// <param name="Control">C vs A, the A/A control: shown beside the effect; null without a control.</param>
/// <param name="EffectVsControl">B vs C through the per-round difference ln(B/A) − ln(C/A); null without a control.</param>
public sealed record SequentialDecision(
    Verdict Verdict, int N, int Look, double CriticalValue, double Epsilon,
    RelativeInterval Effect, RelativeInterval? Control, RelativeInterval? EffectVsControl,
    PairedLogRatio EffectStats, PairedLogRatio? ControlStats, PairedLogRatio? DifferenceStats)
{
    public string Describe()
    {
        var numbers = Control is { } c
            ? $"B vs A {Effect}, control C vs A {c}, B vs C {EffectVsControl}"
            : $"B vs A {Effect} (no control)";
        return Verdict switch
        {
            Verdict.Effect => $"effect at n={N}: {numbers}",
            Verdict.NoEffect => FormattableString.Invariant($"no effect larger than ±{Epsilon:0.#%} at n={N}: {numbers}"),
            Verdict.NotResolved => $"not resolved at n={N}: {numbers}",
            Verdict.Futile => FormattableString.Invariant($"{FutilityReason(Epsilon)} (stopped for futility at n={N}): {numbers}"),
            _ => $"n={N}, continuing: {numbers}",
        };
    }

    /// <summary>The one text of a futility stop, shared by the runner's note and <see cref="Describe"/>.</summary>
    public static string FutilityReason(double epsilon) => FormattableString.Invariant($"cannot reach ±{epsilon:0.#%} within the budget");
}

/// <summary>
/// A group-sequential stopping rule for paired experiments with an A/A control.
/// Looks are after <see cref="MinPairs"/>, then every <see cref="LookEvery"/> rounds, and at <see cref="MaxPairs"/>
/// (the budget); <see cref="Schedule"/> lists them with their critical values. Call <see cref="Decide"/> after
/// every round: between looks it only reports (verdict Continue), so calling it often costs no error rate.
/// </summary>
/// <param name="Epsilon">Effects smaller than this (relative, 0.01 = 1%) do not matter: the "no effect" margin.</param>
/// <param name="Alpha">Two-sided error rate over all looks; the intervals are 1−α repeated confidence intervals.</param>
/// <param name="FutilityBeta">One-sided β spent on futility over the looks (0: no futility stop, the design as before).</param>
/// <param name="TargetEffect">δ, the effect the budget is meant to show; futility rules out ±δ. Null: ε.</param>
/// <param name="FutilitySpending">How β is spent over the looks (the same families as α).</param>
public sealed record SequentialDesign(
    double Epsilon = 0.01, double Alpha = 0.05, int MaxPairs = 200, int LookEvery = 5, int MinPairs = 10,
    AlphaSpending Spending = AlphaSpending.Quadratic,
    double FutilityBeta = SequentialDesign.DefaultFutilityBeta, double? TargetEffect = null, AlphaSpending FutilitySpending = AlphaSpending.Pocock)
{
    /// <summary>β of the default design: bench sequential --explore-futility (β 5–20%, Pocock or α·t² spending) found
    /// 10% Pocock-type the smallest β that brings E[n | no effect] to ≤ 0.6× fixed n at every SD.</summary>
    public const double DefaultFutilityBeta = 0.10;

    // Boundaries depend only on these, not on ε or δ; cached per parameter set (a record's `with` must not reuse a stale one).
    private static readonly ConcurrentDictionary<(double, int, int, int, AlphaSpending, double, AlphaSpending), Look[]> Plans = new();

    /// <summary>The planned looks, in order; the last is at MaxPairs.</summary>
    public IReadOnlyList<Look> Schedule => Plans.GetOrAdd((Alpha, MaxPairs, LookEvery, MinPairs, Spending, FutilityBeta, FutilitySpending), _ => BuildSchedule());

    /// <summary>δ: the target effect futility rules out.</summary>
    public double Delta => TargetEffect ?? Epsilon;

    /// <summary>The planned look at exactly n pairs, or null. n beyond the budget counts as the final look.</summary>
    public Look? LookAt(int n)
    {
        var s = Schedule;
        if (n >= MaxPairs) return s[^1];
        foreach (var look in s) if (look.Pairs == n) return look;
        return null;
    }

    /// <summary>
    /// The verdict after the rounds so far. <paramref name="effectPairs"/> are (A, B) runs adjacent in time,
    /// <paramref name="controlPairs"/> (A, C) runs of the unmodified copy, matched to them by round index
    /// (the same A in both when A is shared). n = complete rounds = the shorter list. An empty control list
    /// judges B vs A alone (for tests of the boundary; experiments always run a control).
    /// </summary>
    public SequentialDecision Decide(IReadOnlyList<(double A, double B)> effectPairs, IReadOnlyList<(double A, double C)>? controlPairs)
    {
        Validate();
        bool hasControl = controlPairs is { Count: > 0 };
        int n = hasControl ? Math.Min(effectPairs.Count, controlPairs!.Count) : effectPairs.Count;
        var effect = PairedLogRatio.From(effectPairs, n);
        var control = hasControl ? PairedLogRatio.From(controlPairs!, n) : null;
        var difference = hasControl ? PairedLogRatio.Difference(effectPairs, controlPairs!, n) : null;

        var look = LookAt(n);
        double critical;
        if (look is not null && n == look.Pairs) critical = look.TCritical;
        else
        {
            // Between looks (or past the budget) the interval is for display: the latest look's z boundary,
            // at this n's degrees of freedom. It decides nothing, except past the budget (the final look).
            var latest = Schedule.LastOrDefault(l => l.Pairs <= n) ?? Schedule[0];
            critical = TCritical(latest.ZBoundary, n - 1);
        }

        var e = effect.IntervalAt(critical);
        var c = control?.IntervalAt(critical);
        var d = difference?.IntervalAt(critical);

        var verdict = Verdict.Continue;
        if (look is not null)
        {
            // "Clears the control": B vs C must exclude zero on the same side as B vs A. Requiring both tests to
            // reject is an intersection–union test: its false-positive rate is at most α without any correction.
            bool up = e.Lower > 0 && (d is null || d.Value.Lower > 0);
            bool down = e.Upper < 0 && (d is null || d.Value.Upper < 0);
            // "No effect" is held to the same standard: within ±ε against A and against the identical copy C.
            bool none = e.Within(Epsilon) && (d is null || d.Value.Within(Epsilon));
            // An interval that excludes zero yet lies inside ±ε is a real but small effect: reported as an effect.
            verdict = up || down ? Verdict.Effect : none ? Verdict.NoEffect : n >= MaxPairs ? Verdict.NotResolved
                : Futile(effect, effectPairs, controlPairs, n, look) ? Verdict.Futile : Verdict.Continue;
        }
        return new SequentialDecision(verdict, n, look?.Index ?? 0, critical, Epsilon, e, c, d, effect, control, difference);
    }

    /// <summary>
    /// Futility at a look before the budget: the β interval of the futility statistic lies inside ±δ. With a control
    /// that statistic is B against the mean of its two identical baselines, ln(B/A) − ½·ln(C/A) = ln B − ½(ln A + ln C)
    /// per round: under a true effect of B its mean is that effect, as for B vs A and B vs C, but with 3/4 of their
    /// variance (each run's noise σ² enters as σ²(1 + ½) instead of 2σ²), and it spends β once instead of once per
    /// statistic. bench sequential --explore-futility measured it against "B vs A or B vs C futile": at the same β, a
    /// smaller E[n | 0] and less power lost.
    /// </summary>
    private bool Futile(PairedLogRatio effect, IReadOnlyList<(double A, double B)> effectPairs, IReadOnlyList<(double A, double C)>? controlPairs, int n, Look look)
    {
        if (double.IsPositiveInfinity(look.FutilityTCritical)) return false;
        var statistic = effect;
        if (controlPairs is { Count: > 0 })
        {
            var logs = new double[n];
            for (int i = 0; i < n; i++) logs[i] = Math.Log(effectPairs[i].B / effectPairs[i].A) - 0.5 * Math.Log(controlPairs[i].C / controlPairs[i].A);
            statistic = PairedLogRatio.FromLogs(logs);
        }
        return statistic.IntervalAt(look.FutilityTCritical).Within(Delta);
    }

    private void Validate()
    {
        if (Alpha is <= 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(Alpha), "α must be in (0, 0.5)");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), "ε must be > 0");
        // Five pairs at least: t with fewer than 4 degrees of freedom has tails too heavy to stop on anything.
        if (MinPairs < 5) throw new ArgumentOutOfRangeException(nameof(MinPairs), "at least 5 pairs before the first look");
        if (LookEvery < 1) throw new ArgumentOutOfRangeException(nameof(LookEvery));
        if (MaxPairs < MinPairs) throw new ArgumentOutOfRangeException(nameof(MaxPairs), "the budget must allow the first look");
        if (FutilityBeta is < 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(FutilityBeta), "β must be in [0, 0.5)");
        if (TargetEffect is { } d && !(d > 0)) throw new ArgumentOutOfRangeException(nameof(TargetEffect), "δ must be > 0");
    }

    private Look[] BuildSchedule()
    {
        Validate();
        var pairs = new List<int>();
        for (int n = MinPairs; n < MaxPairs; n += LookEvery) pairs.Add(n);
        pairs.Add(MaxPairs);
        var t = pairs.Select(n => (double)n / MaxPairs).ToArray();
        var spend = SpendingFunction(Spending, Alpha);
        var z = GroupSequential.TwoSidedBoundaries(t, spend);
        // β is spent only before the budget: at the final look the verdict is "not resolved" anyway. Its boundaries
        // come from the null recursion too: under a true effect δ the statistic minus δ is a null one, and the
        // futility interval excludes δ exactly when that centred statistic crosses the one-sided boundary.
        double[] zf = [];
        Func<double, double> beta = _ => 0;
        if (FutilityBeta > 0 && t.Length > 1)
        {
            beta = SpendingFunction(FutilitySpending, FutilityBeta);
            zf = GroupSequential.OneSidedBoundaries(t[..^1], beta);
        }
        return pairs.Select((n, k) =>
        {
            double f = k < zf.Length ? zf[k] : double.PositiveInfinity;
            return new Look(k + 1, n, t[k], Math.Min(spend(t[k]), Alpha), z[k], TCritical(z[k], n - 1),
                k < zf.Length ? Math.Min(beta(t[k]), FutilityBeta) : 0, f, TCritical(f, n - 1));
        }).ToArray();
    }

    /// <summary>Cumulative error spent by information fraction f, with <paramref name="total"/> spent at f = 1.</summary>
    private static Func<double, double> SpendingFunction(AlphaSpending family, double total) => family switch
    {
        // Lan & DeMets' (1983) two-sided form, total α inside; gsDesign/ld98 put α/2 per side inside (more
        // conservative early, e.g. 4.88 instead of 4.38 at the first of five looks). Both spend exactly α.
        AlphaSpending.OBrienFleming => f => 2 * UpperTail(Normal.InvCDF(0, 1, 1 - total / 2) / Math.Sqrt(f)),
        AlphaSpending.Pocock => f => total * Math.Log(1 + (Math.E - 1) * f),
        AlphaSpending.Quadratic => f => total * f * f,
        _ => throw new ArgumentOutOfRangeException(nameof(family)),
    };

    /// <summary>The t critical value with the same one-sided tail as z: −T⁻¹_df(Φ(−z)).</summary>
    internal static double TCritical(double z, int df)
    {
        if (df < 1) return double.PositiveInfinity;
        double p = UpperTail(z);
        // MathNet's quantile is a root search bracketed at ±800, and with few degrees of freedom a tiny tail lies
        // beyond that (df = 1, p = 1e-4: t ≈ 3000). Such a look cannot stop anything: call it infinite
        // (conservative). Below 1e-10 the look spends practically nothing either.
        if (!(p >= 1e-10) || p <= StudentT.CDF(0, 1, df, -800)) return double.PositiveInfinity;
        // From the lower tail: p is small, so 1 − p would lose its digits.
        return -StudentT.InvCDF(0, 1, df, p);
    }

    internal static double UpperTail(double x) => 0.5 * SpecialFunctions.Erfc(x / Math.Sqrt(2));
}

/// <summary>Lan–DeMets boundaries by recursive numerical integration over the continuation region.</summary>
internal static class GroupSequential
{
    /// <summary>
    /// Two-sided symmetric boundaries z_k at information fractions t (ascending, in (0, 1]) such that, for a
    /// standard normal statistic with independent increments under no effect, the probability of first
    /// crossing |Z| ≥ z_k at look k is spend(t_k) − spend(t_{k−1}). An infinite z_k spends nothing.
    /// </summary>
    internal static double[] TwoSidedBoundaries(IReadOnlyList<double> t, Func<double, double> spend) => Boundaries(t, spend, twoSided: true);

    /// <summary>The same for one side: first crossing Z ≥ z_k at look k (the futility interval's boundaries).</summary>
    internal static double[] OneSidedBoundaries(IReadOnlyList<double> t, Func<double, double> spend) => Boundaries(t, spend, twoSided: false);

    private static double[] Boundaries(IReadOnlyList<double> t, Func<double, double> spend, bool twoSided)
    {
        int looks = t.Count;
        var z = new double[looks];
        // The score S_k = Z_k·√t_k is a Brownian motion at time t_k. Its sub-density on the continuation region
        // after look k−1 is carried as grid points u with (density × Simpson weight) w; before look 1 it is a
        // point mass at 0.
        double[] u = [0.0], w = [1.0];
        double spent = 0, previous = 0;
        for (int k = 0; k < looks; k++)
        {
            double dt = t[k] - previous, sdt = Math.Sqrt(dt), st = Math.Sqrt(t[k]);
            if (!(dt > 0)) throw new ArgumentException("information fractions must increase");
            var (uk, wk) = (u, w);
            // Probability of leaving through the upper side (and the lower, two-sided) at look k when the boundary is c.
            double Exit(double c)
            {
                double p = 0;
                for (int i = 0; i < uk.Length; i++)
                    p += wk[i] * (SequentialDesign.UpperTail((c * st - uk[i]) / sdt) + (twoSided ? SequentialDesign.UpperTail((c * st + uk[i]) / sdt) : 0));
                return p;
            }
            double target = spend(t[k]) - spent;
            if (target < 1e-13) z[k] = double.PositiveInfinity;
            else
            {
                // Exit(c) falls from (mass still running) at c = 0 to ~0 at c = 40; Brent needs ~10 evaluations. One-sided,
                // Exit(0) can be below a large target (more than half the running mass): the boundary is then 0.
                z[k] = Exit(0) <= target ? 0 : Brent.FindRoot(c => Exit(c) - target, 0, 40, 1e-9, 200);
                spent += Exit(z[k]);
            }
            previous = t[k];
            if (k == looks - 1) break;

            // Density of S_k on (−z_k√t_k, z_k√t_k) (one-sided: (−9√t_k, z_k√t_k)): convolve the previous one with the
            // N(0, dt) increment. Beyond 9 SD the mass is < 1e-18: truncate there when the boundary is infinite.
            double hi = Math.Min(z[k], 9) * st, lo = twoSided ? -hi : -9 * st;
            double nextSd = Math.Sqrt(t[k + 1] - t[k]);
            // The next step integrates against a kernel of SD √(t_{k+1}−t_k): the grid must resolve it (and this one).
            double h = Math.Min(nextSd, sdt) / 6;
            int intervals = Math.Max(2, (int)Math.Ceiling((hi - lo) / h));
            intervals += intervals % 2; // Simpson needs an even count
            double step = (hi - lo) / intervals;
            var nu = new double[intervals + 1];
            var nw = new double[intervals + 1];
            double window = 9 * sdt; // kernel support actually summed
            for (int j = 0; j <= intervals; j++)
            {
                double s = lo + j * step, dens = 0;
                for (int i = 0; i < uk.Length; i++)
                {
                    double x = s - uk[i];
                    if (Math.Abs(x) > window) continue;
                    dens += wk[i] * Math.Exp(-0.5 * x * x / dt);
                }
                dens /= sdt * Math.Sqrt(2 * Math.PI);
                double simpson = j == 0 || j == intervals ? 1 : j % 2 == 1 ? 4 : 2;
                (nu[j], nw[j]) = (s, dens * simpson * step / 3);
            }
            (u, w) = (nu, nw);
        }
        return z;
    }
}
