// Case "throwhelper": a cold validation helper that the JIT inlines into a hot path.
// Literature: the throw-helper pattern (.NET's ThrowHelper, Roslyn's and the BCL's guidance to move throw
// statements out of hot methods) and hot/cold splitting (Pettis & Hansen 1990): the exception-constructing code
// never runs, yet when ArgChecks.CheckWindow is inlined its throw blocks land in the hot loop's method, growing
// code and register pressure. Marking the helper [MethodImpl(NoInlining)], or moving its throws into a separate
// throw helper, might help. The run never passes bad input, so no exception is ever thrown. Measured: with dynamic
// PGO (the default) the JIT inlines CheckWindow into SumWindows; with DOTNET_TieredPGO=0 it does not ("unprofitable").
using System.Runtime.CompilerServices;

namespace InlineSamples;

public static class ArgChecks
{
    /// <summary>Cold callee: argument validation with inline throw statements (all cold).</summary>
    public static void CheckWindow(int[] data, int start, int length)
    {
        if (data is null) throw new ArgumentNullException(nameof(data));
        if ((uint)start > (uint)data.Length || (uint)length > (uint)(data.Length - start)) throw new ArgumentOutOfRangeException(nameof(length));
    }
}

public static class WindowSummer
{
    // NoInlining on the caller only keeps it a separate compile, so the JIT reports the interesting site under this
    // method's own name (otherwise the harness lambda may absorb it and the events name the lambda instead).
    /// <summary>Hot caller: sums many short windows, validating each one first.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SumWindows(int[] data, int[] starts, int length)
    {
        long total = 0;
        for (int w = 0; w < starts.Length; w++)
        {
            int start = starts[w];
            ArgChecks.CheckWindow(data, start, length);  // hot call site of the cold helper
            long sum = 0;
            for (int i = start; i < start + length; i++) sum += data[i] ^ i;
            total += sum * (w + 1);
        }
        return total;
    }
}

public static class ThrowHelperCase
{
    public const string Name = "throwhelper";
    public const string Description = "cold argument-check helper with inline throws, inlined into a hot loop (NoInlining might help)";

    private const int DataLength = 8192;
    private const int Windows = 1024;
    private const int WindowLength = 8;  // short windows: the check is a real share of the work
    private const int BatchesAtScale1 = 800_000;

    public static ulong Run(double scale) => Execute(scale).Checksum;

    public static CaseResult Execute(double scale)
    {
        var data = new int[DataLength];
        var starts = new int[Windows];
        var rng = new SplitMix64(3);
        for (int i = 0; i < data.Length; i++) data[i] = (int)rng.Next();
        for (int i = 0; i < starts.Length; i++) starts[i] = rng.NextInt(DataLength - WindowLength);
        return Harness.Run(Name, scale, BatchesAtScale1, Windows, "windows",
            i => (ulong)WindowSummer.SumWindows(data, starts, WindowLength) + (ulong)i);
    }
}
