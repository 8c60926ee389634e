// JIT time and code size of one run, from its compile events: the cost inlining changes move first.
using InlineAdvisor.Core;

namespace InlineAdvisor.Tracing;

public sealed record JitCost(double JitMilliseconds, long Tier1CodeBytes, int MethodsJitted)
{
    /// <summary>Reads a trace with at least the Jit keyword (see <see cref="Providers.JitCost"/>).</summary>
    /// <exception cref="TraceFormatException">The file is missing or not an EventPipe trace.</exception>
    public static JitCost Read(string tracePath) => Of(TraceReader.Read(tracePath));

    internal static JitCost Of(RawTrace raw)
    {
        var jitted = raw.Code.Where(r => !r.FromRundown).ToList();
        return new JitCost(
            Math.Round(jitted.Sum(r => r.JitMilliseconds), 3),
            jitted.Where(r => r.Tier.StartsWith("OptimizedTier1", StringComparison.Ordinal) && !r.Tier.EndsWith("Instrumented", StringComparison.Ordinal)).Sum(r => (long)r.Size),
            jitted.Count);
    }
}
