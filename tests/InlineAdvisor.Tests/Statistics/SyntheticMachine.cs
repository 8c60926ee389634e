// A simulated noisy machine for testing the statistics against known answers: the true effect is set, so
// coverage and false-positive rates can be counted. Matches what was measured here: SD of ln(B/A) of a pair
// 0.04–0.08, and a speed that switches between regimes for seconds to minutes.
using InlineAdvisor.Statistics;

namespace InlineAdvisor.Tests.Statistics;

/// <summary>
/// Runs on a machine whose speed switches between ×1 and ×<see cref="RegimeFactor"/> as a two-state Markov
/// chain over time (each run of <see cref="RunSeconds"/> has a 1 − e^(−run/dwell) chance that the regime flipped
/// since the previous run), with a load shared by a round's runs and independent log-normal noise per run,
/// sized so that SD(ln B/A) of a pair = <see cref="PairSd"/>: 2s² + P(flip)·ln(factor)² = SD².
/// Rounds alternate B A C / C A B (as the runner does): each pair adjacent in time, neither arm always first.
/// </summary>
internal sealed class SyntheticMachine
{
    private readonly SplitMix64 _rng;
    private readonly double _runSd, _shift, _flip;
    private double _regime;

    public SyntheticMachine(long seed, double pairSd, double regimeFactor = 1.08, double meanDwellSeconds = 30,
        double runSeconds = 3, double roundLoadSd = 0.05)
    {
        (PairSd, RegimeFactor, RunSeconds, RoundLoadSd) = (pairSd, regimeFactor, runSeconds, roundLoadSd);
        _rng = new SplitMix64(seed);
        _shift = Math.Log(regimeFactor);
        _flip = 1 - Math.Exp(-runSeconds / meanDwellSeconds);
        double v = (pairSd * pairSd - _flip * _shift * _shift) / 2;
        if (v <= 0) throw new ArgumentOutOfRangeException(nameof(pairSd), "regime shifts alone exceed this SD");
        _runSd = Math.Sqrt(v);
        _regime = _rng.NextDouble() < 0.5 ? 0 : _shift;
    }

    public double PairSd { get; }
    public double RegimeFactor { get; }
    public double RunSeconds { get; }
    public double RoundLoadSd { get; }

    public double Gauss() => _rng.Gauss();

    /// <summary>One round: appends (A, B) and (A, C) with the same A. <paramref name="effect"/> is B/A − 1, <paramref name="controlEffect"/> C/A − 1.</summary>
    public void Round(double effect, List<(double A, double B)> effectPairs, List<(double A, double C)> controlPairs, double controlEffect = 0)
    {
        double load = RoundLoadSd * _rng.Gauss();
        double lb = Math.Log(1 + effect), lc = Math.Log(1 + controlEffect), a, b, c;
        if (effectPairs.Count % 2 == 0) { b = Run(lb, load); a = Run(0, load); c = Run(lc, load); }
        else { c = Run(lc, load); a = Run(0, load); b = Run(lb, load); }
        effectPairs.Add((a, b));
        controlPairs.Add((a, c));
    }

    /// <summary>One run of the next 3 s: the regime may flip first; <paramref name="load"/> is shared by runs of a round.</summary>
    public double Run(double logEffect, double load)
    {
        if (_rng.NextDouble() < _flip) _regime = _shift - _regime;
        return RunSeconds * Math.Exp(logEffect + _regime + load + _runSd * _rng.Gauss());
    }

    /// <summary>
    /// Runs a design to its verdict. Decide is called at the planned looks only, to keep thousands of simulated
    /// experiments fast; a test checks that calling it after every round (as the runner does) changes nothing.
    /// </summary>
    public static SequentialDecision RunToVerdict(SequentialDesign design, long seed, double pairSd, double effect,
        bool withControl = true, double controlEffect = 0, double meanDwellSeconds = 30, bool everyRound = false)
    {
        var machine = new SyntheticMachine(seed, pairSd, meanDwellSeconds: meanDwellSeconds);
        var eff = new List<(double A, double B)>();
        var ctl = new List<(double A, double C)>();
        while (true)
        {
            machine.Round(effect, eff, ctl, controlEffect);
            if (!everyRound && design.LookAt(eff.Count) is null) continue;
            var decision = design.Decide(eff, withControl ? ctl : []);
            if (decision.Verdict != Verdict.Continue) return decision;
        }
    }
}

/// <summary>
/// SplitMix64 with Box–Muller normals. Not System.Random: its seeded generator gives nearly linear first draws
/// across consecutive seeds (correlation −0.5 between seeds s and s+1), so experiments seeded 1, 2, 3… would
/// not be independent.
/// </summary>
internal sealed class SplitMix64(long seed)
{
    private ulong _state = Mix((ulong)seed);

    public double NextDouble() => (Mix(_state += 0x9E3779B97F4A7C15UL) >> 11) * (1.0 / (1UL << 53));

    public double Gauss()
    {
        double u1 = 1 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
