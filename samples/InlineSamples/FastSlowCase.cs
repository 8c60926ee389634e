// Case "fastslow": a list Add whose rare growth path lives in the same method as its fast path.
// Literature: partial inlining / the "trampoline" split (Way et al. 2000 region-based partial inlining; the BCL's
// List<T>.Add, which keeps a tiny inlinable fast path and a [MethodImpl(NoInlining)] AddWithResize slow path).
// Here GrowableIntList.Add carries the growth code inline (125 IL bytes in all), although the part that runs almost
// always is a few instructions. Measured at the hot site in ListFiller.Fill: without PGO the JIT calls it
// ("unprofitable inline"); with dynamic PGO it inlines all of it, the cold growth code included. Either way the
// split (fast path inlined, growth out of line) is the better shape.
using System.Runtime.CompilerServices;

namespace InlineSamples;

public sealed class GrowableIntList
{
    private int[] _items;
    private int _count;

    public GrowableIntList(int capacity) { _items = new int[capacity]; }

    public int Count => _count;
    public int Capacity => _items.Length;
    public int Growths { get; private set; }

    /// <summary>Hot callee: fast path (store + bump) and the rare growth path in ONE method.</summary>
    public void Add(int value)
    {
        int[] items = _items;
        int count = _count;
        if ((uint)count < (uint)items.Length)
        {
            items[count] = value;  // fast path: taken almost always
            _count = count + 1;
            return;
        }

        // Slow path: grow by doubling. Rare, but its IL is most of Add's size, so it decides whether Add is inlined.
        int newCapacity = items.Length == 0 ? 4 : items.Length * 2;
        if ((uint)newCapacity > (uint)Array.MaxLength) newCapacity = Array.MaxLength;
        if (newCapacity < count + 1) newCapacity = count + 1;
        int[] bigger = new int[newCapacity];
        Array.Copy(items, bigger, count);
        bigger[count] = value;
        _items = bigger;
        _count = count + 1;
        Growths++;
    }

    public void Clear() { _count = 0; }

    public int this[int index] => _items[index];
}

public static class ListFiller
{
    // NoInlining on the caller only keeps it a separate compile, so the JIT reports the interesting site under this
    // method's own name (otherwise the harness lambda may absorb it and the events name the lambda instead).
    /// <summary>Hot caller: appends n generated values; the Add call is the hot call site.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Fill(GrowableIntList list, int n, int seed)
    {
        int x = seed;
        for (int i = 0; i < n; i++)
        {
            list.Add(x);  // hot call site
            x = x * 1103515245 + 12345;
        }
    }

    /// <summary>Order-dependent digest of the list contents.</summary>
    public static ulong Digest(GrowableIntList list)
    {
        ulong h = (ulong)list.Count;
        for (int i = 0; i < list.Count; i++) h = h * 31 + (uint)list[i];
        return h;
    }
}

public static class FastSlowCase
{
    public const string Name = "fastslow";
    public const string Description = "list Add with fast path and rare growth path in one method (split into fast + NoInlining slow would help)";

    private const int AddsPerBatch = 4096;
    // Every 64th batch starts from a fresh 4-slot list, so growth runs ~10 times per 64 x 4096 adds:
    // rare, but present in the profile, and the allocation stays negligible.
    private const int FreshListEvery = 64;
    private const int BatchesAtScale1 = 500_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    public static CaseResult Execute(double scale)
    {
        var list = new GrowableIntList(4);
        return Harness.Run(Name, scale, BatchesAtScale1, AddsPerBatch, "adds", i =>
        {
            if (i % FreshListEvery == 0) list = new GrowableIntList(4);
            else list.Clear();
            ListFiller.Fill(list, AddsPerBatch, i);
            return ListFiller.Digest(list) ^ (ulong)list.Growths;
        });
    }
}
