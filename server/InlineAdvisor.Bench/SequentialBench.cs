// bench sequential [--sims N] [--explore] [--explore-futility]   (--explore: spending functions and look schedules, then the futility table; --explore-futility: only the futility β × spending table, each also with its budget recalibrated to 80% power; ~1 min at --sims 1000)
// Pairs needed to decide a ±2% effect: the group-sequential design (SequentialDesign.Decide, the code the
// experiment runner uses) against a fixed-N design with the same error rates: α = 5% two-sided, 80% power at a
// 2% effect, both with the same A/A-control rule. Synthetic noise matched to this machine: the SD of
// ln(B/A) of a pair is 0.04–0.08 (runs ≥ 2 s), whole runs vary ~7%, and the speed switches between regimes
// ×1.00 / ×1.08 as a Markov chain over time (mean dwell 30 s, 3 s runs), applied to every run at its position.
// Both budgets (fixed N, the sequential design's maximum) are calibrated by simulation to 80% power on one set
// of seeds, then every figure is measured on fresh seeds. Deterministic: everything is seeded per experiment.
// "old" is the design without futility (FutilityBeta 0), "new" the default design with its β-spending futility
// boundary, at the SAME budget (the old design's calibrated one): what futility saves and what power it costs.
using System.Diagnostics;
using System.Globalization;
using InlineAdvisor.Statistics;
using MathNet.Numerics.Distributions;

public static class SequentialBench
{
    internal const double Effect = 0.02;
    internal const double Power = 0.80;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        int sims = args.SkipWhile(a => a != "--sims").Skip(1).Select(int.Parse).FirstOrDefault(6000);
        int calibrationSims = Math.Max(1000, sims / 2);
        var sw = Stopwatch.StartNew();

        if (args.Contains("--explore")) return Explore(sims, calibrationSims);
        if (args.Contains("--explore-futility")) return ExploreFutility(sims, calibrationSims);

        // The design under test is the default one (α·t² spending, a look every 5 pairs from 10 on: see --explore
        // for why), with ε = 2%: "decide a ±2% effect" means either an effect or "no effect larger than 2%".
        var template = new SequentialDesign(Epsilon: Effect, FutilityBeta: 0);
        var futility = new SequentialDesign();
        Console.WriteLine($"Deciding a ±2% effect: sequential ({template.Spending} spending, looks every {template.LookEvery} pairs from {template.MinPairs}, ε = 2%)");
        Console.WriteLine(string.Create(Inv, $"old: no futility stop; new: futility β = {futility.FutilityBeta:0.##} one-sided ({futility.FutilitySpending} spending), δ = ε = 2%, same budget as old."));
        Console.WriteLine($"vs fixed N; both α = 5% two-sided with the A/A-control rule, budgets calibrated to {Power:0%} power at +2%.");
        Console.WriteLine($"Noise: regime shifts ×1.00/×1.08 (mean dwell 30 s, 3 s runs), per-round load; {sims} experiments per cell.");
        Console.WriteLine("A pair = one round (B, A, C runs; A shared by the effect and control pairs).");
        Console.WriteLine();
        Console.WriteLine("  SD     SD     fixed | seq   |  seq pairs at +2%  |  seq pairs at 0   |   power       |  false pos.  | E[seq|+2%]  E[seq|0]");
        Console.WriteLine(" ln B/A  meas.    N   | max N | median  mean       | median  mean     | fixed  seq    | fixed  seq   |  / fixed N  / fixed N");
        foreach (var sd in new[] { 0.04, 0.06, 0.08 })
        {
            var row = Measure(template, sd, sims, calibrationSims, control: true);
            Console.WriteLine(string.Create(Inv,
                $" {sd,5:0.00}  {row.MeasuredSd,5:0.000}  {row.Fixed.N,5} | {row.MaxN,5} | {row.H1.Median,6}  {row.H1.Mean,6:0.0}     | {row.H0.Median,6}  {row.H0.Mean,6:0.0}   | {row.Fixed.Power,5:0.0%}  {row.H1.Power,5:0.0%} | {row.Fixed.FalsePositive,5:0.0%} {row.H0.FalsePositive,5:0.0%} |   {row.H1.Mean / row.Fixed.N,5:0.00}     {row.H0.Mean / row.Fixed.N,5:0.00}"));
            Console.WriteLine(string.Create(Inv,
                $"   new (futility)           | {row.H1F.Median,6}  {row.H1F.Mean,6:0.0}     | {row.H0F.Median,6}  {row.H0F.Mean,6:0.0}   |        {row.H1F.Power,5:0.0%} |       {row.H0F.FalsePositive,5:0.0%} |   {row.H1F.Mean / row.Fixed.N,5:0.00}     {row.H0F.Mean / row.Fixed.N,5:0.00}"));
            Console.WriteLine(string.Create(Inv,
                $"        at 0:   old: no effect >2% {row.H0.NoEffect:0.0%}, not resolved {row.H0.NotResolved:0.0%};  fixed N: 95% interval within ±2% {row.Fixed.NoEffect:0.0%}"));
            Console.WriteLine(string.Create(Inv,
                $"                new: no effect >2% {row.H0F.NoEffect:0.0%}, cannot reach ±2% (futility) {row.H0F.Futile:0.0%}, not resolved {row.H0F.NotResolved:0.0%}, effect {row.H0F.FalsePositive:0.0%}"));
            Console.WriteLine(string.Create(Inv,
                $"        at +2%: old: effect {row.H1.Power:0.0%}, wrong sign {row.H1.WrongSign:0.0%}, no effect {row.H1.NoEffect:0.0%}, not resolved {row.H1.NotResolved:0.0%}"));
            Console.WriteLine(string.Create(Inv,
                $"                new: effect {row.H1F.Power:0.0%}, wrong sign {row.H1F.WrongSign:0.0%}, no effect {row.H1F.NoEffect:0.0%}, cannot reach (futility) {row.H1F.Futile:0.0%}, not resolved {row.H1F.NotResolved:0.0%}"));
            Console.WriteLine(string.Create(Inv,
                $"        at +1%: old: effect {row.HHalf.Power:0.0%}, mean pairs / fixed N {row.HHalf.Mean / row.Fixed.N:0.00};  new: effect {row.HHalfF.Power:0.0%}, futility {row.HHalfF.Futile:0.0%}, mean pairs / fixed N {row.HHalfF.Mean / row.Fixed.N:0.00}"));
            Console.WriteLine(string.Create(Inv,
                $"        larger effects, sequential mean pairs / fixed N: +5% {row.H5.Mean / row.Fixed.N:0.00} (power {row.H5.Power:0%}), +10% {row.H10.Mean / row.Fixed.N:0.00} (power {row.H10.Power:0%}); new: +5% {row.H5F.Mean / row.Fixed.N:0.00} (power {row.H5F.Power:0%})"));
            // The default ε = 1% with the same budget: under no effect, how often can it say "no effect > 1%"?
            var strict = RunMany(template with { Epsilon = 0.01, MaxPairs = row.MaxN }, sd, 0, sims / 2, 7_000_000);
            var strictF = RunMany(futility with { Epsilon = 0.01, MaxPairs = row.MaxN }, sd, 0, sims / 2, 7_000_000);
            Console.WriteLine(string.Create(Inv,
                $"        ε = 1%, same budget, at 0: no effect >1% {strict.NoEffect:0.0%}, not resolved {strict.NotResolved:0.0%}, effect {strict.FalsePositive:0.0%}, mean pairs {strict.Mean:0.0}; new (δ = 1%): futility {strictF.Futile:0.0%}, mean pairs {strictF.Mean:0.0}"));
            // What "clear of the control" costs: the same comparison judging B vs A alone.
            var alone = Measure(template, sd, sims, calibrationSims, control: false);
            Console.WriteLine(string.Create(Inv,
                $"        without the control rule: fixed N {alone.Fixed.N} (control rule ×{row.Fixed.N / (double)alone.Fixed.N:0.00}), seq max N {alone.MaxN}, E[seq|+2%]/N {alone.H1.Mean / alone.Fixed.N:0.00}, E[seq|0]/N {alone.H0.Mean / alone.Fixed.N:0.00}, false pos. fixed {alone.Fixed.FalsePositive:0.0%} seq {alone.H0.FalsePositive:0.0%}"));
            Console.WriteLine(string.Create(Inv,
                $"          new: E[seq|+2%]/N {alone.H1F.Mean / alone.Fixed.N:0.00}, E[seq|0]/N {alone.H0F.Mean / alone.Fixed.N:0.00}, power {alone.H1.Power:0.0%} -> {alone.H1F.Power:0.0%}, false pos. {alone.H0F.FalsePositive:0.0%}"));
        }
        Console.WriteLine();
        // Wald–Wolfowitz: no test with these error rates has a smaller expected sample size at the alternative
        // than the SPRT (known SD, continuous monitoring, one direction). Our problem (unknown SD, both
        // directions, looks every 5 pairs) is harder, so its ratio to fixed N is a floor (Wald's approximation,
        // ignoring overshoot).
        double sprt = SprtRatio(0.025, 1 - Power);
        Console.WriteLine(string.Create(Inv,
            $"Floor: even Wald's SPRT (known SD, a look after every pair, one-sided 2.5%, {Power:0%} power) needs {sprt:0.00} × fixed N at the alternative;"));
        Console.WriteLine("so the target \"≤ 0.5 × fixed N at +2% with 80% power\" cannot be met by a valid design; larger effects stop far earlier (+5%, +10% lines).");
        Console.WriteLine(string.Create(Inv, $"({sw.Elapsed.TotalSeconds:0.0} s)"));
        return 0;
    }

    // ----- one row of the table -----

    private sealed record Row(double MeasuredSd, FixedOutcomes Fixed, int MaxN, Outcomes H1, Outcomes H0, Outcomes H5, Outcomes H10,
        Outcomes H1F, Outcomes H0F, Outcomes H5F, Outcomes HHalf, Outcomes HHalfF);

    /// <param name="control">Judge "effect" as the experiments do (B vs A and B vs C), or B vs A alone.</param>
    private static Row Measure(SequentialDesign template, double sd, int sims, int calibrationSims, bool control, double futilityBeta = SequentialDesign.DefaultFutilityBeta)
    {
        int fixedN = CalibrateFixed(sd, calibrationSims, seedBase: 1_000_000, control);
        var (fixedOutcomes, measuredSd) = EvaluateFixed(fixedN, template.Epsilon, sd, sims, seedBase: 2_000_000, control);
        var design = CalibrateSequential(template, sd, fixedN, calibrationSims, seedBase: 3_000_000, control);
        var h1 = RunMany(design, sd, Effect, sims, seedBase: 4_000_000, control);
        var h0 = RunMany(design, sd, 0, sims, seedBase: 5_000_000, control);
        var h5 = RunMany(design, sd, 0.05, sims / 4, seedBase: 6_000_000, control);
        var h10 = RunMany(design, sd, 0.10, sims / 4, seedBase: 6_500_000, control);
        var hHalf = RunMany(design, sd, 0.01, sims / 4, seedBase: 6_800_000, control);
        // The same seeds for old and new: the paired difference is futility's alone.
        var withFutility = design with { FutilityBeta = futilityBeta };
        var h1f = RunMany(withFutility, sd, Effect, sims, seedBase: 4_000_000, control);
        var h0f = RunMany(withFutility, sd, 0, sims, seedBase: 5_000_000, control);
        var h5f = RunMany(withFutility, sd, 0.05, sims / 4, seedBase: 6_000_000, control);
        var hHalfF = RunMany(withFutility, sd, 0.01, sims / 4, seedBase: 6_800_000, control);
        return new Row(measuredSd, fixedOutcomes, design.MaxPairs, h1, h0, h5, h10, h1f, h0f, h5f, hHalf, hHalfF);
    }

    // ----- the fixed-N design: one 95% t-interval at N, same control rule -----

    /// <summary>Smallest N whose fixed design has ≥ 80% power at +2%: one pass per experiment with running sums.</summary>
    internal static int CalibrateFixed(double sd, int sims, int seedBase, bool control)
    {
        int scan = (int)Math.Ceiling(40 * Math.Pow(sd / 0.04, 2) * 3) + 50; // ~3× the textbook N
        var crit = Enumerable.Range(0, scan + 1).Select(n => n < 2 ? double.PositiveInfinity : StudentT.InvCDF(0, 1, n - 1, 0.975)).ToArray();
        var wins = new int[scan + 1];
        var perSim = new bool[sims][];
        Parallel.For(0, sims, i =>
        {
            var machine = new Machine(seedBase + i, sd);
            var eff = new List<(double A, double B)>(scan);
            var ctl = new List<(double A, double C)>(scan);
            var ok = new bool[scan + 1];
            double sx = 0, sxx = 0, sy = 0, syy = 0;
            for (int n = 1; n <= scan; n++)
            {
                machine.Round(n - 1, Math.Log(1 + Effect), eff, ctl);
                double x = Math.Log(eff[^1].B / eff[^1].A), y = x - Math.Log(ctl[^1].C / ctl[^1].A);
                sx += x; sxx += x * x; sy += y; syy += y * y;
                if (n < 2) continue;
                double mx = sx / n, my = sy / n;
                double sex = Math.Sqrt(Math.Max(0, (sxx - n * mx * mx) / (n - 1)) / n), sey = Math.Sqrt(Math.Max(0, (syy - n * my * my) / (n - 1)) / n);
                ok[n] = mx - crit[n] * sex > 0 && (!control || my - crit[n] * sey > 0);
            }
            perSim[i] = ok;
        });
        foreach (var ok in perSim) for (int n = 0; n <= scan; n++) if (ok[n]) wins[n]++;
        for (int n = 2; n <= scan; n++) if (wins[n] >= Power * sims) return n;
        throw new InvalidOperationException("fixed design never reached the power: widen the scan");
    }

    private sealed record FixedOutcomes(int N, double Power, double FalsePositive, double NoEffect);

    /// <summary>Power, false-positive rate and "no effect" share at N on fresh seeds, through PairedLogRatio (the shipped code).</summary>
    private static (FixedOutcomes Outcomes, double MeasuredSd) EvaluateFixed(int n, double epsilon, double sd, int sims, int seedBase, bool control)
    {
        var power = new bool[sims];
        var fp = new bool[sims];
        var none = new bool[sims];
        var sds = new double[sims];
        Parallel.For(0, sims, i =>
        {
            foreach (var effect in new[] { Effect, 0.0 })
            {
                var machine = new Machine(seedBase + i + (effect == 0 ? 500_000 : 0), sd);
                var eff = new List<(double A, double B)>(n);
                var ctl = new List<(double A, double C)>(n);
                for (int r = 0; r < n; r++) machine.Round(r, Math.Log(1 + effect), eff, ctl);
                var stats = PairedLogRatio.From(eff);
                var e = stats.Interval(0.95);
                var d = PairedLogRatio.Difference(eff, ctl, n).Interval(0.95);
                bool up = e.Lower > 0 && (!control || d.Lower > 0), down = e.Upper < 0 && (!control || d.Upper < 0);
                if (effect > 0) { power[i] = up; sds[i] = stats.SdLog; }
                else { fp[i] = up || down; none[i] = !fp[i] && e.Within(epsilon) && (!control || d.Within(epsilon)); }
            }
        });
        static double Share(bool[] x) => x.Average(b => b ? 1.0 : 0);
        return (new FixedOutcomes(n, Share(power), Share(fp), Share(none)), sds.Average());
    }

    // ----- the sequential design -----

    /// <summary>Smallest budget (MaxPairs) with ≥ 80% power at +2%; boundaries are recomputed for each budget.</summary>
    internal static SequentialDesign CalibrateSequential(SequentialDesign template, double sd, int fixedN, int sims, int seedBase, bool control = true)
    {
        int lo = Math.Max(template.MinPairs, fixedN / 2), hi = fixedN * 3;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (RunMany(template with { MaxPairs = mid }, sd, Effect, sims, seedBase, control).Power >= Power) hi = mid; else lo = mid + 1;
        }
        return template with { MaxPairs = lo };
    }

    internal sealed record Outcomes(double Power, double WrongSign, double FalsePositive, double NoEffect, double NotResolved, double Futile, int Median, double Mean);

    /// <summary>Runs the design to its verdict on <paramref name="sims"/> seeded experiments.</summary>
    internal static Outcomes RunMany(SequentialDesign design, double sd, double effect, int sims, int seedBase, bool control = true)
    {
        var verdicts = new Verdict[sims];
        var signs = new double[sims];
        var used = new int[sims];
        _ = design.Schedule; // compute the boundaries once, before the threads
        Parallel.For(0, sims, i =>
        {
            var machine = new Machine(seedBase + i, sd);
            var eff = new List<(double A, double B)>(design.MaxPairs);
            var ctl = new List<(double A, double C)>(design.MaxPairs);
            foreach (var look in design.Schedule)
            {
                while (eff.Count < look.Pairs) machine.Round(eff.Count, Math.Log(1 + effect), eff, ctl);
                var decision = design.Decide(eff, control ? ctl : []);
                if (decision.Verdict == Verdict.Continue) continue;
                (verdicts[i], signs[i], used[i]) = (decision.Verdict, decision.Effect.Estimate, decision.N);
                break;
            }
        });
        double Share(Func<int, bool> f) => Enumerable.Range(0, sims).Count(f) / (double)sims;
        var sorted = used.Order().ToArray();
        return new Outcomes(
            Power: Share(i => verdicts[i] == Verdict.Effect && signs[i] > 0),
            WrongSign: Share(i => verdicts[i] == Verdict.Effect && signs[i] <= 0),
            FalsePositive: Share(i => verdicts[i] == Verdict.Effect),
            NoEffect: Share(i => verdicts[i] == Verdict.NoEffect),
            NotResolved: Share(i => verdicts[i] == Verdict.NotResolved),
            Futile: Share(i => verdicts[i] == Verdict.Futile),
            Median: sorted[sims / 2], Mean: used.Average());
    }

    // ----- design exploration: spending function, look interval, first look -----

    private static int Explore(int sims, int calibrationSims)
    {
        const double sd = 0.06;
        int fixedN = CalibrateFixed(sd, calibrationSims, 1_000_000, control: true);
        Console.WriteLine(string.Create(Inv, $"SD 0.06, fixed N = {fixedN}; each design's budget calibrated to {Power:0%} power at +2%, ε = 2%"));
        Console.WriteLine(" spending       every  min | max N | E[n]/N at +2%   +5%  +10%    0   | power  false pos.");
        foreach (var spending in new[] { AlphaSpending.Pocock, AlphaSpending.Quadratic, AlphaSpending.OBrienFleming })
        foreach (var every in new[] { 2, 5 })
        foreach (var min in new[] { 5, 10 })
        {
            var template = new SequentialDesign(Epsilon: Effect, LookEvery: every, MinPairs: min, Spending: spending, FutilityBeta: 0);
            var design = CalibrateSequential(template, sd, fixedN, calibrationSims, 3_000_000);
            var h1 = RunMany(design, sd, Effect, sims, 4_000_000);
            var h5 = RunMany(design, sd, 0.05, sims, 4_000_000);
            var h10 = RunMany(design, sd, 0.10, sims, 4_000_000);
            var h0 = RunMany(design, sd, 0, sims, 5_000_000);
            Console.WriteLine(string.Create(Inv,
                $" {spending,-14} {every,5} {min,4} | {design.MaxPairs,5} |   {h1.Mean / fixedN,5:0.00}  {h5.Mean / fixedN,5:0.00}  {h10.Mean / fixedN,5:0.00}  {h0.Mean / fixedN,5:0.00} | {h1.Power,5:0.0%}  {h0.FalsePositive,5:0.0%}"));
        }
        return ExploreFutility(sims, calibrationSims);
    }

    /// <summary>Futility β and its spending at the default α design's budget (calibrated without futility), per SD.</summary>
    private static int ExploreFutility(int sims, int calibrationSims, bool recalibrate = true)
    {
        Console.WriteLine("Futility: β (one-sided, spent before the budget) × spending, at the budget calibrated without futility, ε = δ = 2%");
        Console.WriteLine("  SD  β     spending       | E[n|0]/N  E[n|+2%]/N | power (old)     false pos. (old) | at 0: futility  no effect");
        foreach (var sd in new[] { 0.04, 0.06, 0.08 })
        {
            int fixedN = CalibrateFixed(sd, calibrationSims, 1_000_000, control: true);
            var old = CalibrateSequential(new SequentialDesign(Epsilon: Effect, FutilityBeta: 0), sd, fixedN, calibrationSims, 3_000_000);
            var h1 = RunMany(old, sd, Effect, sims, 4_000_000);
            var h0 = RunMany(old, sd, 0, sims, 5_000_000);
            foreach (var beta in new[] { 0.05, 0.08, 0.10, 0.20 })
            foreach (var spending in new[] { AlphaSpending.Pocock, AlphaSpending.Quadratic })
            {
                var design = old with { FutilityBeta = beta, FutilitySpending = spending };
                var f1 = RunMany(design, sd, Effect, sims, 4_000_000);
                var f0 = RunMany(design, sd, 0, sims, 5_000_000);
                Console.WriteLine(string.Create(Inv,
                    $" {sd:0.00} {beta,4:0.00}  {spending,-14} |   {f0.Mean / fixedN,5:0.00}     {f1.Mean / fixedN,5:0.00}   | {f1.Power,5:0.0%} ({h1.Power,5:0.0%})  {f0.FalsePositive,5:0.0%} ({h0.FalsePositive,5:0.0%})  |   {f0.Futile,5:0.0%}    {f0.NoEffect,5:0.0%}"));
                if (!recalibrate) continue;
                var re = CalibrateSequential(design, sd, fixedN, calibrationSims, 3_000_000);
                var r1 = RunMany(re, sd, Effect, sims, 4_000_000);
                var r0 = RunMany(re, sd, 0, sims, 5_000_000);
                Console.WriteLine(string.Create(Inv,
                    $"    budget recalibrated {old.MaxPairs} -> {re.MaxPairs}:    {r0.Mean / fixedN,5:0.00}     {r1.Mean / fixedN,5:0.00}   | {r1.Power,5:0.0%}            {r0.FalsePositive,5:0.0%}          |   {r0.Futile,5:0.0%}    {r0.NoEffect,5:0.0%}"));
            }
        }
        return 0;
    }

    /// <summary>Wald's approximate expected sample size of the SPRT at the alternative over the fixed-N size.</summary>
    private static double SprtRatio(double alpha, double beta)
    {
        double a = Math.Log((1 - beta) / alpha), b = Math.Log(beta / (1 - alpha));
        double sprt = 2 * ((1 - beta) * a + beta * b); // × σ²/δ²
        double za = Normal.InvCDF(0, 1, 1 - alpha), zb = Normal.InvCDF(0, 1, 1 - beta);
        return sprt / ((za + zb) * (za + zb));
    }

    // The simulated machine (Machine, SplitMix64) is in SimulatedMachine.cs, shared with bench screening.
}
