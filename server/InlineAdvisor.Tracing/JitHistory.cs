// The JIT's decisions of one process carried from one trace window to the next (`collect --rotate`).
namespace InlineAdvisor.Tracing;

/// <summary>
/// The JIT reports a compile's inlining decisions once, while it compiles. A later window of the same process sees the
/// body again only in its rundown (address, size, tier, map: no decisions), so without this history every window after
/// the first would say "no decision seen" at the sites that matter most: the hot methods, compiled early. Each window
/// adds its compiles; the next window's rundown bodies take the decisions of the same body (method, native code
/// version, start address) from here. The JIT time stays with the window that spent it.
/// Not thread-safe: a process's windows are analyzed one after another, in order.
/// </summary>
public sealed class JitHistory
{
    private readonly Dictionary<(long MethodId, long Version, ulong Start), List<InlineEvent>> _decisions = [];

    /// <summary>How many compiles with decisions the history holds.</summary>
    public int Compiles => _decisions.Count;

    /// <summary>Gives the trace's rundown bodies the decisions recorded for them earlier, then records the trace's own compiles.
    /// Returns how many bodies took decisions from the history.</summary>
    internal int CarryInto(RawTrace raw)
    {
        int carried = 0;
        foreach (var range in raw.Code)
            if (range.FromRundown && range.Inlines.Count == 0 && _decisions.TryGetValue(Key(range), out var earlier))
            {
                range.Inlines = earlier;
                carried++;
            }
        foreach (var range in raw.Code)
            if (!range.FromRundown && range.Inlines.Count > 0) _decisions[Key(range)] = range.Inlines;
        return carried;
    }

    private static (long, long, ulong) Key(CodeRange range) => (range.MethodId, range.CodeVersion, range.Start);
}
