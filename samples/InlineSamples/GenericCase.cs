// Case "generic": one generic method instantiated over many value and reference types.
// Literature: code bloat from generic specialization (C++ template bloat; Kennedy & Syme 2001 on .NET generics:
// every value-type instantiation gets its own native code, reference types share one __Canon body). Each of the
// 12 value-type instantiations of GenericFolder.Fold<T> is a separate compile with its own inlined CompareTo;
// the 3 reference types share one body with a runtime-lookup interface call that cannot be inlined.
using System.Runtime.CompilerServices;

namespace InlineSamples;

public static class GenericFolder
{
    /// <summary>Hot generic callee: folds the order relation of neighbours into a number.</summary>
    public static long Fold<T>(T[] items) where T : IComparable<T>
    {
        long acc = items.Length;
        for (int i = 1; i < items.Length; i++)
        {
            int c = items[i - 1].CompareTo(items[i]);  // constrained call: inlined per value type
            acc = acc * 3 + (c < 0 ? 1 : c > 0 ? 2 : 0);
        }
        return acc;
    }

    // NoInlining on the caller only keeps it a separate compile, so the JIT reports the interesting site under this
    // method's own name (otherwise the harness lambda may absorb it and the events name the lambda instead).
    /// <summary>Hot caller: one call site per instantiation.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong FoldAll(GenericInputs d)
    {
        ulong h = Checksum.Seed;
        h = Checksum.Combine(h, (ulong)Fold(d.Ints));
        h = Checksum.Combine(h, (ulong)Fold(d.Longs));
        h = Checksum.Combine(h, (ulong)Fold(d.Shorts));
        h = Checksum.Combine(h, (ulong)Fold(d.Bytes));
        h = Checksum.Combine(h, (ulong)Fold(d.Doubles));
        h = Checksum.Combine(h, (ulong)Fold(d.Floats));
        h = Checksum.Combine(h, (ulong)Fold(d.Chars));
        h = Checksum.Combine(h, (ulong)Fold(d.Decimals));
        h = Checksum.Combine(h, (ulong)Fold(d.Guids));
        h = Checksum.Combine(h, (ulong)Fold(d.Dates));
        h = Checksum.Combine(h, (ulong)Fold(d.Spans));
        h = Checksum.Combine(h, (ulong)Fold(d.Money));
        h = Checksum.Combine(h, (ulong)Fold(d.Strings));
        h = Checksum.Combine(h, (ulong)Fold(d.Versions));
        h = Checksum.Combine(h, (ulong)Fold(d.Tags));
        return h;
    }
}

/// <summary>A user value type, so one instantiation is of the program's own struct.</summary>
public readonly record struct Money(long Cents, short Currency) : IComparable<Money>
{
    public int CompareTo(Money other) => Currency != other.Currency ? Currency.CompareTo(other.Currency) : Cents.CompareTo(other.Cents);
}

/// <summary>A user reference type, so one instantiation is of the program's own class.</summary>
public sealed class Tag(int id, string label) : IComparable<Tag>
{
    public int Id { get; } = id;
    public string Label { get; } = label;
    public int CompareTo(Tag? other) => other is null ? 1 : Id != other.Id ? Id.CompareTo(other.Id) : string.CompareOrdinal(Label, other.Label);
}

/// <summary>Fixed-seed input arrays, one per type argument.</summary>
public sealed class GenericInputs
{
    public readonly int[] Ints; public readonly long[] Longs; public readonly short[] Shorts; public readonly byte[] Bytes;
    public readonly double[] Doubles; public readonly float[] Floats; public readonly char[] Chars; public readonly decimal[] Decimals;
    public readonly Guid[] Guids; public readonly DateTime[] Dates; public readonly TimeSpan[] Spans; public readonly Money[] Money;
    public readonly string[] Strings; public readonly Version[] Versions; public readonly Tag[] Tags;

    public const int TypeCount = 15;

    public GenericInputs(int length, ulong seed)
    {
        var r = new SplitMix64(seed);
        Ints = Make(length, () => (int)r.Next());
        Longs = Make(length, () => (long)r.Next());
        Shorts = Make(length, () => (short)r.Next());
        Bytes = Make(length, () => (byte)r.Next());
        Doubles = Make(length, () => (double)(long)(r.Next() >> 20) / 4096.0);  // exact values, no NaN
        Floats = Make(length, () => (float)(r.Next() >> 48) / 16f);
        Chars = Make(length, () => (char)('a' + r.NextInt(26)));
        Decimals = Make(length, () => new decimal((long)(r.Next() >> 16)) / 100m);
        Guids = Make(length, () => { Span<byte> b = stackalloc byte[16]; BitConverter.TryWriteBytes(b, r.Next()); BitConverter.TryWriteBytes(b[8..], r.Next()); return new Guid(b); });
        Dates = Make(length, () => new DateTime(630_000_000_000_000_000L + (long)(r.Next() >> 8)));
        Spans = Make(length, () => TimeSpan.FromTicks((long)(r.Next() >> 4)));
        Money = Make(length, () => new Money((long)(r.Next() >> 24), (short)r.NextInt(3)));
        Strings = Make(length, () => "k" + r.NextInt(1000).ToString("D4"));
        Versions = Make(length, () => new Version(r.NextInt(4), r.NextInt(10), r.NextInt(100)));
        Tags = Make(length, () => new Tag(r.NextInt(50), "t" + r.NextInt(10)));
    }

    private static T[] Make<T>(int length, Func<T> next)
    {
        var a = new T[length];
        for (int i = 0; i < a.Length; i++) a[i] = next();
        return a;
    }
}

public static class GenericCase
{
    public const string Name = "generic";
    public const string Description = "GenericFolder.Fold<T> instantiated over 12 value types and 3 reference types (code bloat)";

    private const int Length = 1024;
    private const int BatchesAtScale1 = 140_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    public static CaseResult Execute(double scale)
    {
        var inputs = new GenericInputs(Length, 4);
        return Harness.Run(Name, scale, BatchesAtScale1, Length * GenericInputs.TypeCount, "elements",
            i => GenericFolder.FoldAll(inputs) + (ulong)i);
    }
}
