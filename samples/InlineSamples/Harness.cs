// Shared runner for the single-threaded cases: warm-up batches first (tiering and dynamic PGO settle, Tier1 code
// is installed), then measured batches for a steady-state throughput. Both phases feed the checksum, so the
// checksum covers all the work and depends only on the case and the scale.
using System.Diagnostics;

namespace InlineSamples;

/// <summary>What one case run produced. Throughput is per second of the measured (post-warm-up) phase.</summary>
public readonly record struct CaseResult(string Name, ulong Checksum, double Throughput, string Unit);

public static class Harness
{
    /// <summary>Share of the batches run as warm-up before the measured phase.</summary>
    public const double WarmupFraction = 0.2;

    /// <summary>Number of batches for a scale: at least 2, so there is always a warm-up and a measured batch.</summary>
    public static int Batches(int batchesAtScale1, double scale)
    {
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be a positive number");
        double n = Math.Round(batchesAtScale1 * scale);
        return (int)Math.Clamp(n, 2, int.MaxValue);
    }

    /// <param name="unitsPerBatch">work units (bytes, calls, ...) one batch does, for the throughput line</param>
    /// <param name="batch">runs batch number i and returns its result; called in order 0..n-1</param>
    public static CaseResult Run(string name, double scale, int batchesAtScale1, double unitsPerBatch, string unit, Func<int, ulong> batch)
    {
        int total = Batches(batchesAtScale1, scale);
        int warm = Math.Clamp((int)(total * WarmupFraction), 1, total - 1);
        ulong checksum = Checksum.Seed;
        for (int i = 0; i < warm; i++) checksum = Checksum.Combine(checksum, batch(i));
        long start = Stopwatch.GetTimestamp();
        for (int i = warm; i < total; i++) checksum = Checksum.Combine(checksum, batch(i));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double throughput = (total - warm) * unitsPerBatch / Math.Max(seconds, 1e-9);
        return new CaseResult(name, checksum, throughput, unit);
    }
}

/// <summary>Order-dependent 64-bit combining, so a checksum changes if any batch result or their order changes.</summary>
public static class Checksum
{
    public const ulong Seed = 0xCBF29CE484222325UL;

    public static ulong Combine(ulong acc, ulong value)
    {
        acc ^= value + 0x9E3779B97F4A7C15UL + (acc << 6) + (acc >> 2);
        return acc * 0x100000001B3UL;
    }
}

/// <summary>Fixed-seed generator for the input data (no System.Random: its sequence is not a contract across versions).</summary>
public struct SplitMix64
{
    private ulong _state;
    public SplitMix64(ulong seed) { _state = seed; }

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound).</summary>
    public int NextInt(int bound) => (int)(Next() % (ulong)bound);
}
