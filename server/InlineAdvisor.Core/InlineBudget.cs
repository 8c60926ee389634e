// Inline budget accounting: which compiles ran out of the JIT's inline budget, what was refused for it, and which
// forced (AggressiveInlining) inlinees had spent it first. Facts from the JIT's own events, in the order it decided.
namespace InlineAdvisor.Core;

/// <summary>A forced inlinee that succeeded before a compile's first budget refusal: it spent part of that budget.</summary>
/// <param name="Inlines">Its successful inlines before the first refusal, summed over the method's budget-limited compiles.</param>
/// <param name="IlSize">Its IL bytes (-1: not known). The JIT's time estimate, which the budget bounds, grows with IL size.</param>
public sealed record BudgetSpender(MethodIdentity Method, int Inlines, int IlSize)
{
    /// <summary>IL bytes it brought into the compiles (Inlines × IlSize; 0 when the size is not known).</summary>
    public long IlBytes => IlSize < 0 ? 0 : (long)Inlines * IlSize;
}

/// <summary>An inline refused for budget: the call of Inlinee inside Inliner, and the share of samples at that call.</summary>
public sealed record BudgetLoss(MethodIdentity Inliner, MethodIdentity Inlinee, int Refusals, bool Forced, double Share);

/// <summary>
/// A method whose optimized compiles ran out of inline budget. Spenders are the forced inlinees that succeeded before
/// the first refusal, most IL bytes first; Lost, the refused calls, hottest first.
/// </summary>
public sealed record BudgetCase(
    MethodIdentity Compiled,
    int Compiles,
    IReadOnlyList<string> Tiers,
    double Share,
    int InlinesBefore,
    IReadOnlyList<BudgetSpender> Spenders,
    IReadOnlyList<BudgetLoss> Lost);

public static class InlineBudget
{
    /// <summary>The run's budget cases, the hottest refused call first, then the hottest compiled method.</summary>
    public static IReadOnlyList<BudgetCase> Cases(RunProfile profile)
    {
        var methods = profile.Methods.GroupBy(m => m.Method).ToDictionary(g => g.Key, g => g.First());
        bool Forced(MethodIdentity m) => methods.TryGetValue(m, out var p) && (p.ImplFlags & MethodImplFlags.AggressiveInlining) != 0;
        double Share(long samples) => profile.Totals.Samples == 0 ? 0 : Math.Min(1, (double)samples / profile.Totals.Samples);
        var siteSamples = profile.Sites.GroupBy(s => (s.Caller, s.Callee)).ToDictionary(g => g.Key, g => g.Sum(s => s.TotalSamples));

        var cases = new List<BudgetCase>();
        foreach (var group in profile.BudgetCompiles.GroupBy(c => c.Compiled))
        {
            var spenders = new Dictionary<MethodIdentity, int>();
            var lost = new Dictionary<(MethodIdentity, MethodIdentity), int>();
            int before = 0;
            foreach (var compile in group)
            {
                foreach (var e in compile.Refusals) lost[(e.Inliner, e.Inlinee)] = lost.GetValueOrDefault((e.Inliner, e.Inlinee)) + 1;
                foreach (var e in compile.SpentBefore)
                {
                    before++;
                    if (Forced(e.Inlinee)) spenders[e.Inlinee] = spenders.GetValueOrDefault(e.Inlinee) + 1;
                }
            }
            cases.Add(new BudgetCase(
                group.Key,
                group.Count(),
                group.Select(c => c.Tier).Distinct().ToList(),
                Share(methods.GetValueOrDefault(group.Key)?.InclusiveSamples ?? 0),
                before,
                spenders.Select(s => new BudgetSpender(s.Key, s.Value, methods.GetValueOrDefault(s.Key)?.IlSize ?? -1))
                    .OrderByDescending(s => s.IlBytes).ThenByDescending(s => s.Inlines).ThenBy(s => s.Method.Display, StringComparer.Ordinal).ToList(),
                lost.Select(l => new BudgetLoss(l.Key.Item1, l.Key.Item2, l.Value, Forced(l.Key.Item2), Share(siteSamples.GetValueOrDefault(l.Key))))
                    .OrderByDescending(l => l.Share).ThenByDescending(l => l.Refusals).ThenBy(l => l.Inlinee.Display, StringComparer.Ordinal).ToList()));
        }
        return cases.OrderByDescending(c => c.Lost.Count == 0 ? 0 : c.Lost[0].Share).ThenByDescending(c => c.Share)
            .ThenBy(c => c.Compiled.Display, StringComparer.Ordinal).ToList();
    }
}
