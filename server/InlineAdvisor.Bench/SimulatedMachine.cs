// The simulated machine of bench sequential and bench screening: regime shifts, shared load, per-run noise.
// Moved out of SequentialBench unchanged (same draws in the same order), so both benches measure on the same noise.

/// <summary>
/// Runs on a machine whose speed switches between two regimes (a Markov chain in time: each 3 s run has a
/// 1 − e^(−3/30) chance that the regime flipped since the previous run), with a per-round load shared by
/// the round's runs and independent log-normal noise per run, sized so that SD(ln B/A) of a pair equals
/// the target: 2·s² + P(flip)·ln(1.08)² = SD². Rounds alternate B A C / C A B, so every pair is adjacent
/// in time and neither arm always runs first.
/// </summary>
internal sealed class Machine
{
    private const double RunSeconds = 3, MeanDwellSeconds = 30, RoundLoadSd = 0.05;
    private static readonly double Shift = Math.Log(1.08);
    private static readonly double Flip = 1 - Math.Exp(-RunSeconds / MeanDwellSeconds);
    private readonly SplitMix64 _rng;
    private readonly double _runSd;
    private double _regime;

    public Machine(int seed, double pairSd)
    {
        _rng = new SplitMix64(seed);
        double v = (pairSd * pairSd - Flip * Shift * Shift) / 2;
        if (v <= 0) throw new ArgumentOutOfRangeException(nameof(pairSd), "regime shifts alone exceed this SD");
        _runSd = Math.Sqrt(v);
        _regime = _rng.NextDouble() < 0.5 ? 0 : Shift;
    }

    public void Round(int round, double logEffect, List<(double A, double B)> effect, List<(double A, double C)> control)
    {
        double load = RoundLoadSd * Gauss();
        double a, b, c;
        if (round % 2 == 0) { b = Run(logEffect, load); a = Run(0, load); c = Run(0, load); }
        else { c = Run(0, load); a = Run(0, load); b = Run(logEffect, load); }
        effect.Add((a, b));
        control.Add((a, c));
    }

    /// <summary>One round's (or one mirror pair's) shared load term, drawn as <see cref="Round"/> draws it.</summary>
    public double Load() => RoundLoadSd * Gauss();

    /// <summary>One 3 s run at the machine's next position in time: the regime may flip first, as in <see cref="Round"/>.</summary>
    public double Run(double logEffect, double load)
    {
        if (_rng.NextDouble() < Flip) _regime = Shift - _regime;
        return RunSeconds * Math.Exp(logEffect + _regime + load + _runSd * Gauss());
    }

    private double Gauss()
    {
        double u1 = 1 - _rng.NextDouble(), u2 = _rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>
/// SplitMix64 (Steele, Lea & Flood 2014). Not System.Random: its seeded (legacy) generator gives nearly
/// linear first draws across consecutive seeds (correlation −0.5 between seeds s and s+1), so experiments
/// seeded 1, 2, 3… were not independent and the power estimates drifted by 3 points between seed sets.
/// </summary>
internal sealed class SplitMix64(long seed)
{
    private ulong _state = Mix((ulong)seed);

    public double NextDouble() => (Mix(_state += 0x9E3779B97F4A7C15UL) >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
