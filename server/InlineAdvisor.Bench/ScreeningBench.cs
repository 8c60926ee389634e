// bench screening [--sims N] [--calibration-sims N]   (N screens per cell; ~2–3 min on 2 cores at the default)
// Screening K flag changes together (ScreeningDesign: the foldover of a Sylvester–Hadamard matrix of order m ≥ K + 1,
// 2m runs a replicate, the two runs of a mirror pair adjacent, verdicts at SequentialDesign's looks, one look a
// replicate) against K separate ordinary sequential experiments, each judging one change with an A/A control.
// The same synthetic machine as bench sequential (SimulatedMachine.cs): regime shifts ×1.00/×1.08 as a Markov chain
// (mean dwell 30 s, 3 s runs), a load term shared by the two runs of a mirror pair (by the three runs of an ordinary
// round), per-run noise sized so a pair's SD of ln(B/A) is 0.04–0.08.
// Budgets: the ordinary experiment's MaxPairs is calibrated exactly as bench sequential does (same seeds, same
// calibration sims: 80% power at +2%, ε = 2%, the design without futility), and its experiments run the default
// design WITH futility at that budget. The screen gets 3 × MaxPairs runs: the runs of ONE ordinary experiment
// (B, A, C a round) for all K changes. Deterministic: every screen and experiment is seeded.
// A row's true log effect is Σ over changes on in it of ln(1 + e_f) + Σ over interacting pairs both on of ln(1 + γ_ab)
// (a flag's effect applied alone, on top of all-off); "±int" is the same interactions centred (¼·ln(1+γ)·x_a·x_b,
// x = ±1): pure non-additivity, no average effect for either change.
using System.Diagnostics;
using System.Globalization;
using InlineAdvisor.Statistics;

internal static class ScreeningBench
{
    private const double Epsilon = 0.02;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Scenario(string Name, double[] Effects, (int A, int B, double Gamma)[] Interactions, bool Centred)
    {
        public double TrueLog(ScreeningDesign design, int row)
        {
            double s = 0;
            for (int f = 0; f < design.Factors; f++) if (design.On(row, f)) s += Math.Log(1 + Effects[f]);
            foreach (var (a, b, g) in Interactions)
            {
                if (a >= design.Factors || b >= design.Factors) continue;
                s += Centred
                    ? 0.25 * Math.Log(1 + g) * design.Level(row, design.ColumnOf(a)) * design.Level(row, design.ColumnOf(b))
                    : design.On(row, a) && design.On(row, b) ? Math.Log(1 + g) : 0;
            }
            return s;
        }
    }

    private static Scenario[] Scenarios(int k)
    {
        double[] E(params (int F, double E)[] set) { var e = new double[k]; foreach (var (f, v) in set) e[f] = v; return e; }
        (int, int, double)[] inter = [(1, 2, 0.03), (0, 3, -0.03)];
        return
        [
            new("null", E(), [], false),
            new("+5%", E((0, 0.05)), [], false),
            new("mixed", E((0, 0.10), (1, -0.05), (2, 0.02)), [], false),
            new("int", E((0, 0.05)), inter, false),
            new("±int", E((0, 0.05)), inter, true),
        ];
    }

    /// <summary>One screen's outcome.</summary>
    private sealed record ScreenResult(int Runs, Verdict[] Verdicts, double[] Estimates, double[] FirstLookLog, double FirstLookControl,
        bool[] ChainDetected, double[] ChainEstimate);

    public static int Run(string[] args)
    {
        int sims = args.SkipWhile(a => a != "--sims").Skip(1).Select(int.Parse).FirstOrDefault(1000);
        // bench sequential's default (--sims 6000) calibrates on max(1000, 6000 / 2) experiments: the same budgets.
        int calibrationSims = args.SkipWhile(a => a != "--calibration-sims").Skip(1).Select(int.Parse).FirstOrDefault(3000);
        int singleSims = Math.Max(2000, sims);
        var sw = Stopwatch.StartNew();
        int[] ks = [4, 8, 16];
        double[] sds = [0.04, 0.06, 0.08];

        Console.WriteLine("Screening K changes together: ScreeningDesign (foldover of a Sylvester–Hadamard matrix of order m ≥ K+1, 2m runs a");
        Console.WriteLine("replicate, mirror pairs adjacent in random order, one look a replicate, SequentialDesign's α·t² boundaries and β = 10%");
        Console.WriteLine("futility, ε = 2%, each change judged against off AND the A/A control column) vs K separate sequential experiments");
        Console.WriteLine("(default SequentialDesign with futility, ε = 2%, 3 runs a round: B, A, C).");
        Console.WriteLine(string.Create(Inv, $"Budgets: one experiment's MaxPairs calibrated as bench sequential ({SequentialBench.Power:0%} power at +2%, {calibrationSims} calibration sims);"));
        Console.WriteLine("the screen may spend 3 × MaxPairs runs (whole replicates): the runs of ONE ordinary experiment, for all K changes.");
        Console.WriteLine("Noise: bench sequential's machine, regime shifts ×1.00/×1.08 (mean dwell 30 s, 3 s runs), load SD 0.05 shared by a mirror");
        Console.WriteLine("pair (a round), per-run noise sized to the pair SD of ln(B/A).");
        Console.WriteLine(string.Create(Inv, $"{sims} screens per cell, {singleSims} single experiments per effect; seeded, deterministic."));
        Console.WriteLine("Scenarios: null = all 0; +5% = change 0 +5%; mixed = +10%, −5%, +2% on changes 0–2; int = change 0 +5% with");
        Console.WriteLine("interactions γ(1,2) = +3%, γ(0,3) = −3% added when both are on; ±int = the same interactions centred (no average effect).");
        Console.WriteLine("In int a change's estimand (on − off averaged over the other changes' levels) carries half of each interaction it is");
        Console.WriteLine("in (±1.5% here): resolution IV keeps centred interactions (±int) out of the mains, not that average.");
        Console.WriteLine("runs: until every change has a verdict or the budget ends (rounds = runs / 3); FP: share of changes with e_f = 0 given");
        Console.WriteLine("\"effect\"; power: the +5% change gets \"effect\" with the right sign; noEff/futile/notRes: shares of all K changes;");
        Console.WriteLine("K sep: expected total runs of K separate experiments (sum of their means); /K sep and /one@0: screen mean runs over those.");

        var goals = new List<string>();
        for (int si = 0; si < sds.Length; si++)
        {
            double sd = sds[si];
            int fixedN = SequentialBench.CalibrateFixed(sd, calibrationSims, seedBase: 1_000_000, control: true);
            var calibrated = SequentialBench.CalibrateSequential(new SequentialDesign(Epsilon: Epsilon, FutilityBeta: 0), sd, fixedN, calibrationSims, seedBase: 3_000_000);
            var single = calibrated with { FutilityBeta = SequentialDesign.DefaultFutilityBeta };
            int maxPairs = single.MaxPairs;
            var singleByEffect = new Dictionary<double, SequentialBench.Outcomes>();
            SequentialBench.Outcomes Single(double e)
            {
                if (!singleByEffect.TryGetValue(e, out var o))
                    singleByEffect[e] = o = SequentialBench.RunMany(single, sd, e, singleSims, seedBase: 9_000_000 + 1_000_000 * singleByEffect.Count);
                return o;
            }
            var one0 = Single(0);
            var one5 = Single(0.05);
            Console.WriteLine();
            Console.WriteLine(string.Create(Inv,
                $"SD {sd:0.00}: one experiment: MaxPairs {maxPairs} ({3 * maxPairs} runs); mean runs at 0 {3 * one0.Mean:0} (median {3 * one0.Median}), at +5% {3 * one5.Mean:0} (median {3 * one5.Median}, power {one5.Power:0.0%}); false pos. at 0 {one0.FalsePositive:0.0%}, at 0: futile {one0.Futile:0.0%} no effect {one0.NoEffect:0.0%} not resolved {one0.NotResolved:0.0%}"));
            Console.WriteLine("   K  m  reps    scenario |  runs: median    mean  rounds |  FP/null  power+5% | noEff futile notRes |  K sep  /K sep  /one@0");
            for (int ki = 0; ki < ks.Length; ki++)
            {
                int k = ks[ki];
                var design = new ScreeningDesign(k, budgetRuns: 3 * maxPairs, epsilon: Epsilon);
                _ = design.Sequential.Schedule; // the boundaries once, before the threads
                foreach (var scenario in Scenarios(k))
                {
                    int seedBase = 20_000_000 + 3_000_000 * si + 1_000_000 * ki; // the same machines for every scenario of a cell
                    var results = new ScreenResult[sims];
                    Parallel.For(0, sims, i => results[i] = Screen(design, scenario, sd, seedBase + i));
                    Report(design, scenario, results, one0, Single, goals, sd);
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine("Goals (K = 8):");
        foreach (var g in goals) Console.WriteLine(g);
        Console.WriteLine(string.Create(Inv, $"({sw.Elapsed.TotalSeconds:0.0} s)"));
        return 0;
    }

    /// <summary>One screen on one simulated machine: replicates in RunOrder, a verdict look after each, until Done.</summary>
    private static ScreenResult Screen(ScreeningDesign design, Scenario scenario, double sd, int seed)
    {
        var machine = new Machine(seed, sd);
        var order = new Random((int)(new SplitMix64(~(long)seed).NextDouble() * int.MaxValue));
        int rows = design.RowsPerReplicate;
        var truth = Enumerable.Range(0, rows).Select(r => scenario.TrueLog(design, r)).ToArray();
        var replicates = new List<double[]>(design.MaxReplicates);
        ScreenDecision? decision = null;
        double[] firstLook = [];
        double firstControl = 0;
        while (true)
        {
            var runOrder = design.RunOrder(order);
            var logs = new double[rows];
            for (int j = 0; j < rows; j += 2)
            {
                // The two runs of a mirror pair run back to back and share the round's load, as B, A, C do in a round.
                double load = machine.Load();
                logs[runOrder[j]] = Math.Log(machine.Run(truth[runOrder[j]], load));
                logs[runOrder[j + 1]] = Math.Log(machine.Run(truth[runOrder[j + 1]], load));
            }
            replicates.Add(logs);
            if (replicates.Count == design.FirstLookReplicates)
            {
                var est = design.MainEffects(replicates, out _);
                firstLook = est.Skip(1).Select(e => e.Estimate).ToArray();
                firstControl = est[0].Estimate;
            }
            decision = design.Decide(replicates, decision);
            if (decision.Done) break;
        }
        var chains = design.Interactions(replicates);
        return new ScreenResult(replicates.Count * rows,
            decision.Factors.Select(f => f.Verdict).ToArray(), decision.Factors.Select(f => f.Effect.Estimate).ToArray(),
            firstLook, firstControl,
            chains.Select(c => c.Detected).ToArray(), chains.Select(c => Math.Log(1 + c.NonAdditivity.Estimate)).ToArray());
    }

    private static void Report(ScreeningDesign design, Scenario scenario, ScreenResult[] results, SequentialBench.Outcomes one0,
        Func<double, SequentialBench.Outcomes> single, List<string> goals, double sd)
    {
        int k = design.Factors, n = results.Length;
        var runs = results.Select(r => (double)r.Runs).Order().ToArray();
        double median = runs[n / 2], mean = runs.Average();
        var nulls = Enumerable.Range(0, k).Where(f => scenario.Effects[f] == 0).ToArray();
        double Share(IEnumerable<int> factors, Func<ScreenResult, int, bool> hit)
        {
            var fs = factors.ToArray();
            return fs.Length == 0 ? double.NaN : results.Sum(r => fs.Count(f => hit(r, f))) / (double)(n * fs.Length);
        }
        double fp = Share(nulls, (r, f) => r.Verdicts[f] == Verdict.Effect);
        int five = Array.IndexOf(scenario.Effects, 0.05);
        double power = five < 0 ? double.NaN : Share([five], (r, f) => r.Verdicts[f] == Verdict.Effect && r.Estimates[f] > 0);
        var all = Enumerable.Range(0, k);
        double noEff = Share(all, (r, f) => r.Verdicts[f] == Verdict.NoEffect);
        double futile = Share(all, (r, f) => r.Verdicts[f] == Verdict.Futile);
        double notRes = Share(all, (r, f) => r.Verdicts[f] == Verdict.NotResolved);
        double kSep = scenario.Effects.Sum(e => 3 * single(e).Mean);
        string reps = $"{design.FirstLookReplicates}-{design.MaxReplicates}";
        Console.WriteLine(string.Create(Inv,
            $"  {k,2} {design.Order,2} {reps,5} {scenario.Name,11} | {median,12:0} {mean,7:0.0} {mean / 3,7:0.0} |  {Pct(fp),6}  {Pct(power),7}  | {Pct(noEff),5} {Pct(futile),6} {Pct(notRes),6} | {kSep,6:0}  {mean / kSep,5:0.00}   {mean / (3 * one0.Mean),5:0.00}"));

        // Unbiasedness at a fixed n: the first look's regression estimates against the design's estimand (on-minus-off
        // of the true log effect averaged over the 2m rows), as a z score over the screens.
        var truth = Enumerable.Range(0, design.RowsPerReplicate).Select(r => scenario.TrueLog(design, r)).ToArray();
        double Estimand(int f) =>
            Enumerable.Range(0, truth.Length).Where(r => design.On(r, f)).Average(r => truth[r]) - Enumerable.Range(0, truth.Length).Where(r => !design.On(r, f)).Average(r => truth[r]);
        double worstZ = 0; int worstF = 0;
        for (int f = 0; f < k; f++)
        {
            var xs = results.Select(r => r.FirstLookLog[f] - Estimand(f)).ToArray();
            double m = xs.Average(), se = Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (n - 1) / n);
            if (Math.Abs(m / se) > Math.Abs(worstZ)) (worstZ, worstF) = (m / se, f);
        }
        var ctl = results.Select(r => r.FirstLookControl).ToArray();
        double ctlMean = ctl.Average(), ctlSe = Math.Sqrt(ctl.Sum(x => (x - ctlMean) * (x - ctlMean)) / (n - 1) / n);
        var details = new List<string>
        {
            string.Create(Inv, $"first-look estimates − estimand: largest |z| {worstZ:+0.0;-0.0} (change {worstF}); control {ctlMean:+0.00%;-0.00%} (z {ctlMean / ctlSe:+0.0;-0.0})"),
        };
        if (five >= 0)
        {
            var detected = results.Where(r => r.Verdicts[five] == Verdict.Effect && r.Estimates[five] > 0).Select(r => r.Estimates[five]).ToArray();
            if (detected.Length > 0) details.Add(string.Create(Inv, $"+5% change: mean estimate when detected {detected.Average():+0.00%}"));
        }
        if (scenario.Name == "mixed")
        {
            details.Add(string.Join(", ", Enumerable.Range(0, k).Where(f => scenario.Effects[f] != 0).Select(f => string.Create(Inv,
                $"{scenario.Effects[f]:+0%;-0%} detected (right sign) {Pct(Share([f], (r, g) => r.Verdicts[g] == Verdict.Effect && Math.Sign(r.Estimates[g]) == Math.Sign(scenario.Effects[g])))}"))));
        }
        if (scenario.Interactions.Length > 0)
        {
            var involved = nulls.Where(f => scenario.Interactions.Any(i => i.A == f || i.B == f)).ToArray();
            var free = nulls.Except(involved).ToArray();
            details.Add(string.Create(Inv,
                $"FP: null changes in an interaction {Pct(Share(involved, (r, f) => r.Verdicts[f] == Verdict.Effect))} (estimand {string.Join(" ", involved.Select(f => (Math.Exp(Estimand(f)) - 1).ToString("+0.0%;-0.0%", Inv)))}), other nulls {Pct(Share(free, (r, f) => r.Verdicts[f] == Verdict.Effect))}"));
        }
        // Interaction chains at the end of each screen (descriptive, Bonferroni over the chains).
        var chainColumns = Enumerable.Range(1, design.Order - 1)
            .Where(c => Enumerable.Range(0, k).Any(a => Enumerable.Range(a + 1, k - a - 1).Any(b => (design.ColumnOf(a) ^ design.ColumnOf(b)) == c))).ToArray();
        if (results.All(r => r.ChainDetected.Length == chainColumns.Length) && chainColumns.Length > 0)
        {
            var trueChains = scenario.Interactions.Select(i => (Index: Array.IndexOf(chainColumns, design.ColumnOf(i.A) ^ design.ColumnOf(i.B)), i.Gamma)).ToArray();
            var falseChains = Enumerable.Range(0, chainColumns.Length).Except(trueChains.Select(t => t.Index)).ToArray();
            double perChain = results.Average(r => falseChains.Count(c => r.ChainDetected[c]) / (double)falseChains.Length);
            double any = results.Count(r => falseChains.Any(c => r.ChainDetected[c])) / (double)n;
            var parts = trueChains.Select(t => string.Create(Inv,
                $"chain of γ {t.Gamma:+0%;-0%} detected {Pct(results.Count(r => r.ChainDetected[t.Index] && Math.Sign(r.ChainEstimate[t.Index]) == Math.Sign(t.Gamma)) / (double)n)} (mean est. {Math.Exp(results.Average(r => r.ChainEstimate[t.Index])) - 1:+0.0%;-0.0%})")).ToList();
            parts.Add(string.Create(Inv, $"chains without one: flagged {Pct(perChain)} each, any of {falseChains.Length} {Pct(any)}"));
            details.Add("interactions: " + string.Join("; ", parts));
        }
        foreach (var d in details) Console.WriteLine("                             " + d);

        if (k == 8 && scenario.Name is "null" or "+5%")
        {
            double at0 = 3 * one0.Mean, at5 = 3 * single(0.05).Mean;
            string Holds(double one) => mean <= 2 * one ? "≤ 2×" : "> 2× (fails)";
            goals.Add(string.Create(Inv,
                $"  SD {sd:0.00} {scenario.Name,-5}: screen mean runs {mean:0} (rounds {mean / 3:0.0}) = {mean / at0:0.00}× one experiment at 0 ({at0:0}) {Holds(at0)}, {mean / at5:0.00}× one at +5% ({at5:0}) {Holds(at5)}; FP/null {Pct(fp)}{(double.IsNaN(power) ? "" : $", power at +5% {Pct(power)}")}"));
        }
    }

    private static string Pct(double x) => double.IsNaN(x) ? "—" : x.ToString("0.0%", Inv);
}
