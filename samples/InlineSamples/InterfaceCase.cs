// Case "interface": an interface call site over 3 classes with a skewed receiver distribution.
// Literature: receiver-class prediction / guarded devirtualization (Hölzle & Ungar 1994 polymorphic inline
// caches, Detlefs & Agesen 1999 guarded inlining; .NET's dynamic PGO class profiles). About 80% of the receivers
// at the IPricer.Price call in PriceTotaler.Total are FlatPricer, so the JIT can guard on FlatPricer and inline
// its Price; the other 20% fall back to the interface dispatch.
using System.Runtime.CompilerServices;

namespace InlineSamples;

public interface IPricer
{
    long Price(int quantity);
}

/// <summary>The dominant receiver (~80%).</summary>
public sealed class FlatPricer(int unit) : IPricer
{
    public long Price(int quantity) => (long)unit * quantity;
}

/// <summary>~15% of receivers.</summary>
public sealed class TieredPricer(int unit) : IPricer
{
    public long Price(int quantity) => quantity <= 10 ? (long)unit * quantity : (long)unit * 10 + (long)(unit - 1) * (quantity - 10);
}

/// <summary>~5% of receivers.</summary>
public sealed class BulkPricer(int unit, int discountPercent) : IPricer
{
    public long Price(int quantity) => (long)unit * quantity * (100 - discountPercent) / 100;
}

public static class PriceTotaler
{
    // NoInlining on the caller only keeps it a separate compile, so the JIT reports the interesting site under this
    // method's own name (otherwise the harness lambda may absorb it and the events name the lambda instead).
    /// <summary>Hot caller: one interface call site, receivers skewed towards FlatPricer.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Total(IPricer[] pricers, int round)
    {
        long total = 0;
        for (int i = 0; i < pricers.Length; i++)
        {
            total += pricers[i].Price(((i + round) & 31) + 1);  // hot interface call site (GDV candidate)
        }
        return total;
    }
}

public static class InterfaceCase
{
    public const string Name = "interface";
    public const string Description = "interface call over 3 classes, 80/15/5 skew (guarded devirtualization from the class profile)";

    private const int Count = 4096;
    private const int BatchesAtScale1 = 680_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    /// <summary>Fixed-seed receivers: 80% FlatPricer, 15% TieredPricer, 5% BulkPricer, shuffled.</summary>
    public static IPricer[] MakePricers(int count, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var pricers = new IPricer[count];
        for (int i = 0; i < count; i++)
        {
            int roll = rng.NextInt(100);
            int unit = 1 + rng.NextInt(50);
            pricers[i] = roll < 80 ? new FlatPricer(unit) : roll < 95 ? new TieredPricer(unit) : new BulkPricer(unit, 5 + rng.NextInt(20));
        }
        return pricers;
    }

    public static CaseResult Execute(double scale)
    {
        var pricers = MakePricers(Count, 5);
        return Harness.Run(Name, scale, BatchesAtScale1, Count, "calls",
            i => (ulong)PriceTotaler.Total(pricers, i));
    }
}
