// Case "medium": a medium-sized callee (~150–250 IL bytes) at one hot call site, with no attribute.
// Literature: size-threshold inlining heuristics (the JIT's ExtendedDefaultPolicy refuses callees over
// JitExtDefaultPolicyMaxIL = 128 IL bytes with "too many il bytes", or 1024 with a trusted profile; Arnold et al.
// 2000 and later profile-guided work show such callees can pay off at hot sites). Under DOTNET_TieredPGO=0 the JIT
// refuses PacketScorer.Score (189 IL bytes) at the hot site in ScoreAll; with dynamic PGO (the default) the site's
// profile lifts the limit and it is inlined. Without PGO the advisor should flag it as a "force here?" candidate.
using System.Runtime.CompilerServices;

namespace InlineSamples;

public static class PacketScorer
{
    // NoInlining on the caller only keeps it a separate compile, so the JIT reports the interesting site under this
    // method's own name (otherwise the harness lambda may absorb it and the events name the lambda instead).
    /// <summary>Hot caller: scores every packet; the Score call is the one hot call site.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long ScoreAll(int[] kinds, int[] sizes, int[] flags)
    {
        long total = 0;
        for (int i = 0; i < kinds.Length; i++)
        {
            total += Score(kinds[i], sizes[i], flags[i]);  // hot call site
        }
        return total;
    }

    /// <summary>Medium callee: branchy integer scoring, sized to sit between 150 and 250 IL bytes.</summary>
    public static int Score(int kind, int size, int flags)
    {
        int score;
        int k = kind & 7;
        if (k == 0) score = size * 3 + 1;
        else if (k == 1) score = size ^ 0x5A5A;
        else if (k == 2) score = (size << 2) - flags;
        else if (k == 3) score = size / 3 + flags * 7;
        else if (k == 4) score = (size & 0xFF) * (flags | 1);
        else if (k == 5) score = size % 17 + (flags >> 3);
        else if (k == 6) score = ~size + flags;
        else score = size + flags + kind;

        if ((flags & 1) != 0) score += 11;
        if ((flags & 2) != 0) score ^= score >> 5;
        if ((flags & 4) != 0) score = score * 5 + 3;
        if ((flags & 8) != 0) score -= size >> 2;
        if (size > 1000) score -= size >> 4;
        else if (size < 10) score += 100;
        if (score < 0) score = -score;
        return score % 100_003;
    }
}

public static class MediumCase
{
    public const string Name = "medium";
    public const string Description = "medium ~190-IL-byte scorer at one hot call site in a loop, no attribute (refused: too many il bytes)";

    private const int Packets = 4096;
    private const int BatchesAtScale1 = 210_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    public static CaseResult Execute(double scale)
    {
        var kinds = new int[Packets];
        var sizes = new int[Packets];
        var flags = new int[Packets];
        var rng = new SplitMix64(2);
        for (int i = 0; i < Packets; i++)
        {
            kinds[i] = rng.NextInt(64);
            sizes[i] = rng.NextInt(2000);
            flags[i] = rng.NextInt(16);
        }
        return Harness.Run(Name, scale, BatchesAtScale1, Packets, "packets",
            i => (ulong)PacketScorer.ScoreAll(kinds, sizes, flags) + (ulong)i);
    }
}
