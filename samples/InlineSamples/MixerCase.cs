// Case "mixer": forced inlining that may hurt — a large AggressiveInlining callee in a hot loop.
// Literature: the cost side of inlining (code growth, i-cache and register pressure in loops; Scheifler 1977,
// Chang & Hwu 1992 on code expansion) and the .NET guidance that [MethodImpl(AggressiveInlining)] bypasses the
// JIT's size and profitability heuristics. Mix is ~100 IL bytes of 64-bit multiply/xor-shift rounds — well past the
// 16-byte "always inline" size — and is forced in at three sites of the hashing loop, so every copy costs code size.
using System.Runtime.CompilerServices;

namespace InlineSamples;

public static class ByteHasher
{
    // NoInlining on the caller only keeps it a separate compile, so the JIT reports the interesting site under this
    // method's own name (otherwise the harness lambda may absorb it and the events name the lambda instead).
    /// <summary>Hot caller: hashes a buffer byte by byte in two interleaved lanes, calling Mix per byte.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong HashBlock(byte[] data, ulong seed)
    {
        ulong a = seed;
        ulong b = seed ^ 0x5851F42D4C957F2DUL;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            a = Mix(a, data[i]);      // forced inline site 1
            b = Mix(b, data[i + 1]);  // forced inline site 2
        }
        if (i < data.Length) a = Mix(a, data[i]);  // tail byte: forced inline site 3
        return a ^ (b * 0x2127599BF4325C37UL);
    }

    /// <summary>Forced callee: one byte into a 64-bit state (murmur/splitmix-style finalizer rounds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong h, byte value)
    {
        h ^= value;
        h *= 0x9E3779B97F4A7C15UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        h = (h << 23) | (h >> 41);
        h *= 0x94D049BB133111EBUL;
        h ^= h >> 31;
        h += 0xD6E8FEB86659FD93UL ^ value;
        h ^= h >> 27;
        return h;
    }
}

public static class MixerCase
{
    public const string Name = "mixer";
    public const string Description = "AggressiveInlining 64-bit mixer called per byte at 3 sites of a hashing loop (forced inline, code growth)";

    // 16 KiB buffers: big enough that the loop dominates, small enough to stay in L1/L2.
    private const int BufferSize = 16 * 1024;
    private const int BatchesAtScale1 = 100_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    public static CaseResult Execute(double scale)
    {
        var data = new byte[BufferSize];
        var rng = new SplitMix64(1);
        for (int i = 0; i < data.Length; i++) data[i] = (byte)rng.Next();
        return Harness.Run(Name, scale, BatchesAtScale1, BufferSize / 1e6, "MB",
            i => ByteHasher.HashBlock(data, (ulong)i));
    }
}
