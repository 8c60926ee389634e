// Aggregates several stored runs of one program into one profile (pure, no I/O).
namespace InlineAdvisor.Core;

/// <summary>
/// Merges runs of one program: samples, PGO counts and totals are summed; methods are matched by
/// <see cref="MethodIdentity"/>, sites by caller + callee + IL offset; decisions that disagree
/// across runs become <see cref="InlineOutcome.Mixed"/>. The newest run (latest StartedUtc, then
/// highest Id) supplies the RunInfo and the per-build data (token, IL size, flags, source).
/// </summary>
public static class ProfileMerge
{
    public static RunProfile Merge(IReadOnlyList<RunProfile> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
            throw new ArgumentException("Nothing to aggregate: give at least one run.", nameof(runs));
        var programs = runs.Select(r => r.Run.Program).Distinct().ToList();
        if (programs.Count > 1)
            throw new ArgumentException(
                $"Runs of different programs cannot be aggregated ({string.Join(", ", programs)}); pick runs of one program.",
                nameof(runs));

        // Oldest first, so "last seen" means "newest" and first-appearance order is stable.
        var ordered = runs.OrderBy(r => r.Run.StartedUtc).ThenBy(r => r.Run.Id).ToList();
        var newest = ordered[^1];

        return new RunProfile(
            MergeInfo(ordered, newest.Run),
            MergeMethods(ordered),
            MergeSites(ordered),
            MergeTotals(ordered))
        {
            // Each compile is its own event history: the aggregate keeps every one (a case then counts all runs' compiles).
            BudgetCompiles = ordered.SelectMany(r => r.BudgetCompiles).ToList(),
        };
    }

    private static RunInfo MergeInfo(List<RunProfile> ordered, RunInfo newest)
    {
        var ids = ordered.Select(r => r.Run.Id).OrderBy(id => id).ToList();
        var notes = new List<string>(newest.Notes);
        foreach (var note in ordered.SelectMany(r => r.Run.Notes))
            if (!notes.Contains(note)) notes.Add(note);
        notes.Add(ids.Count == 1
            ? $"aggregate of 1 run: id {ids[0]}"
            : $"aggregate of {ids.Count} runs: ids {string.Join(", ", ids)}");
        return newest with { Notes = notes };
    }

    private static List<MethodProfile> MergeMethods(List<RunProfile> ordered)
    {
        var merged = new Dictionary<MethodIdentity, MethodProfile>();
        var order = new List<MethodIdentity>();
        foreach (var m in ordered.SelectMany(r => r.Methods))
        {
            if (!merged.TryGetValue(m.Method, out var acc))
            {
                merged[m.Method] = m with { Compiles = [.. m.Compiles] };
                order.Add(m.Method);
                continue;
            }
            merged[m.Method] = acc with
            {
                Token = m.Token,                                   // newest build's
                IlSize = m.IlSize >= 0 ? m.IlSize : acc.IlSize,    // newest known
                ImplFlags = m.ImplFlags,
                ExclusiveSamples = acc.ExclusiveSamples + m.ExclusiveSamples,
                InclusiveSamples = acc.InclusiveSamples + m.InclusiveSamples,
                Compiles = [.. acc.Compiles, .. m.Compiles],
            };
        }
        return order.Select(k => merged[k]).ToList();
    }

    private static List<CallSite> MergeSites(List<RunProfile> ordered)
    {
        var merged = new Dictionary<(MethodIdentity, MethodIdentity, int), CallSite>();
        var order = new List<(MethodIdentity, MethodIdentity, int)>();
        foreach (var s in ordered.SelectMany(r => r.Sites))
        {
            var key = (s.Caller, s.Callee, s.IlOffset);
            if (!merged.TryGetValue(key, out var acc))
            {
                merged[key] = s;
                order.Add(key);
                continue;
            }
            merged[key] = acc with
            {
                Source = s.Source ?? acc.Source,
                CallSamples = acc.CallSamples + s.CallSamples,
                StatementSamples = acc.StatementSamples + s.StatementSamples,
                SharesStatement = acc.SharesStatement || s.SharesStatement,
                Decision = MergeDecision(acc.Decision, s.Decision),
                PgoCount = acc.PgoCount is null && s.PgoCount is null ? null : (acc.PgoCount ?? 0) + (s.PgoCount ?? 0),
                // The same code compiled again in another run is not more code: the largest estimate of one run.
                InlinedCodeBytes = acc.InlinedCodeBytes is null && s.InlinedCodeBytes is null ? null : Math.Max(acc.InlinedCodeBytes ?? 0, s.InlinedCodeBytes ?? 0),
            };
        }
        // Site numbers belong to one stored run; an aggregate has none of its own.
        return order.Select(k => merged[k] with { Id = 0 }).ToList();
    }

    /// <summary>
    /// Inlined in one run and refused in another gives Mixed. Reasons and tiers are kept (distinct,
    /// in order seen). FailAlways survives only while no run actually inlined the callee.
    /// </summary>
    public static InlineDecision MergeDecision(InlineDecision a, InlineDecision b)
    {
        var outcome = (a.Outcome, b.Outcome) switch
        {
            (InlineOutcome.Unknown, var o) => o,
            (var o, InlineOutcome.Unknown) => o,
            var (x, y) when x == y => x,
            _ => InlineOutcome.Mixed,
        };
        var reasons = SplitReasons(a.Reason).Concat(SplitReasons(b.Reason)).Distinct();
        var tiers = a.Tiers.Concat(b.Tiers).Distinct().ToList();
        var failAlways = (a.FailAlways || b.FailAlways) && outcome == InlineOutcome.NotInlined;
        return new InlineDecision(outcome, string.Join(ReasonSeparator, reasons), tiers, failAlways);
    }

    /// <summary>Separates distinct JIT reasons in a merged <see cref="InlineDecision.Reason"/>.</summary>
    public const string ReasonSeparator = "; ";

    private static IEnumerable<string> SplitReasons(string reason) =>
        reason.Split(ReasonSeparator, StringSplitOptions.RemoveEmptyEntries);

    private static RunTotals MergeTotals(List<RunProfile> ordered) =>
        ordered.Select(r => r.Totals).Aggregate((a, b) => new RunTotals(
            a.Samples + b.Samples,
            a.ExternalSamples + b.ExternalSamples,
            a.Events + b.Events,
            a.JitMilliseconds + b.JitMilliseconds,
            a.Tier1CodeBytes + b.Tier1CodeBytes,
            a.MethodsJitted + b.MethodsJitted));
}
