// Case "pipeline": a per-element loop through four small steps, for screening (`advisor experiment --screen`).
// One step carries a [MethodImpl(NoInlining)] it does not need (the kind left behind after a debugging session or
// copied from a method that needed it), so every element pays a call; removing it is the one large gain here. The
// other steps are what a real loop has beside it: a tiny AggressiveInlining helper the JIT would inline anyway, a
// clamp the JIT inlines on its own, and a per-batch checksum. Their flag changes measure small, none, or a loss.
using System.Numerics;
using System.Runtime.CompilerServices;

namespace InlineSamples;

public static class Pipeline
{
    /// <summary>Hot caller: every element goes through Scale, Rotate and Clamp; then one checksum per batch.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Process(int[] input, int[] output)
    {
        for (int i = 0; i < input.Length; i++)
            output[i] = Clamp(Rotate(Scale(input[i])));
        return Sum(output);
    }

    /// <summary>The needless NoInlining: a call per element for two instructions of work.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Scale(int x) => x * 5 + 3;

    /// <summary>Forced, but tiny: the JIT inlines it without the attribute.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Rotate(int x) => (int)BitOperations.RotateLeft((uint)x, 5);

    /// <summary>No attribute: the JIT inlines it on its own.</summary>
    public static int Clamp(int x) => x < 0 ? -x : x > 1 << 28 ? x >> 3 : x;

    /// <summary>Per batch: one call per 4096 elements.</summary>
    public static ulong Sum(int[] values)
    {
        ulong sum = 0;
        foreach (var v in values) sum = sum * 31 + (uint)v;
        return sum;
    }
}

public static class PipelineCase
{
    public const string Name = "pipeline";
    public const string Description = "per-element loop through 4 small steps, one with a needless NoInlining (for screening)";

    private const int BufferSize = 4096;
    private const int BatchesAtScale1 = 200_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    public static CaseResult Execute(double scale)
    {
        var input = new int[BufferSize];
        var output = new int[BufferSize];
        var rng = new SplitMix64(3);
        for (int i = 0; i < input.Length; i++) input[i] = (int)rng.Next();
        return Harness.Run(Name, scale, BatchesAtScale1, BufferSize, "elements",
            i => { input[i % BufferSize] ^= i; return Pipeline.Process(input, output); });
    }
}
