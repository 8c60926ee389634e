// The one result model every view of a profile renders: the CLI table, --json, and later the editor.
namespace InlineAdvisor.Core;

public sealed record SiteRow(
    int Rank,
    CallSite Site,
    double Bound,               // site samples / all samples: the share through the site (not a limit: inlining also changes the caller's code)
    double ShareOfCaller,       // site samples / the caller's inclusive samples
    bool Hot,
    int CalleeIlSize,           // -1 when unknown
    int CalleeNativeSize,       // largest optimized body of the callee compiled on its own; -1 when never compiled alone
    string ExistingAttribute,   // "AggressiveInlining", "NoInlining" or ""
    string Decision,            // e.g. "inlined", "not inlined: too many il bytes", "mixed: …", "no decision seen"
    string? Measured = null,    // the newest experiment at this site, e.g. "block: +11.8% [+9.0%, +14.6%] wall time, n=10 (experiment 2)"
    string? Partial = null);    // why the share misses time of this call: its caller was inlined elsewhere (null: nothing known)

public sealed record ProfileReport(RunInfo Run, RunTotals Totals, IReadOnlyList<SiteRow> Sites, int SitesTotal, double HotThreshold, int FrameworkSitesHidden = 0)
{
    /// <summary>The compiles that ran out of inline budget, and what had spent it (<see cref="InlineBudget"/>).</summary>
    public IReadOnlyList<BudgetCase> Budget { get; init; } = [];
}

/// <summary>
/// A callee method over all its profiled sites: its inlining attribute is the method's, so the attribute's whole effect
/// shows here, not at any one site. SummedShare adds the sites' shares (a sample under two of its sites counts twice;
/// capped at 100%).
/// </summary>
public sealed record MethodRow(
    MethodIdentity Method,
    string ExistingAttribute,
    IReadOnlyList<CallSite> Sites,      // hottest first
    int Callers,
    double SummedShare,
    int InlinedSites,
    IReadOnlyDictionary<string, int> RefusedByReason,
    int UndecidedSites,
    double CallersJitMilliseconds,      // JIT time of its callers' optimized compiles: where its inlines are compiled
    long? InlinedCodeBytes)             // summed CallSite.InlinedCodeBytes of its sites: an estimate, null when none has one
{
    /// <summary>"3 profiled site(s) in 1 caller(s): 3 inlined (≈ 144 B of optimized code at their statements), 0 refused, 0 with no decision seen".</summary>
    public string Counts => $"{Sites.Count} profiled site(s) in {Callers} caller(s): {InlinedSites} inlined{InlinedCode}, {RefusedByReason.Values.Sum()} refused, {UndecidedSites} with no decision seen";

    private string InlinedCode => InlinedCodeBytes is { } b ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (≈ {b:N0} B of optimized code at their statements)") : "";
}

public static class ReportBuilder
{
    /// <summary>Every callee of the run's sites (those <paramref name="include"/> keeps), by summed share.</summary>
    public static IReadOnlyList<MethodRow> Methods(RunProfile profile, Func<CallSite, bool>? include = null)
    {
        var methods = profile.Methods.GroupBy(m => m.Method).ToDictionary(g => g.Key, g => g.First());
        var optimizedJit = methods.ToDictionary(m => m.Key, m => m.Value.Compiles.Where(c => c.Tier.StartsWith("Optimized", StringComparison.Ordinal)).Sum(c => c.JitMilliseconds));
        return profile.Sites.Where(s => include?.Invoke(s) ?? true).GroupBy(s => s.Callee).Select(g =>
        {
            var sites = g.OrderByDescending(s => s.TotalSamples).ToList();
            int inlined = sites.Count(s => s.Decision.Outcome == InlineOutcome.Inlined);
            var refused = sites.Where(s => s.Decision.Outcome == InlineOutcome.NotInlined)
                .GroupBy(s => s.Decision.Reason.Length > 0 ? s.Decision.Reason : "no reason given").ToDictionary(r => r.Key, r => r.Count());
            var callers = sites.Select(s => s.Caller).Distinct().ToList();
            return new MethodRow(g.Key, MethodImplFlagsText.Describe(methods.GetValueOrDefault(g.Key)?.ImplFlags ?? MethodImplFlags.None), sites, callers.Count,
                Math.Min(1, sites.Sum(profile.AmdahlBound)), inlined, refused, sites.Count - inlined - refused.Values.Sum(),
                callers.Sum(c => optimizedJit.GetValueOrDefault(c)),
                sites.Any(s => s.InlinedCodeBytes is not null) ? sites.Sum(s => s.InlinedCodeBytes ?? 0) : null);
        }).OrderByDescending(m => m.SummedShare).ThenBy(m => m.Method.Display, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Ranks sites by Amdahl bound. A site is hot when its bound reaches <paramref name="hotThreshold"/>
    /// (default 1% of samples: below that, no change at the site can matter measurably).
    /// </summary>
    /// <param name="hideSite">Sites left out of the rows (counted in <see cref="ProfileReport.FrameworkSitesHidden"/>):
    /// by default the CLI hides calls from framework code to framework code, which no flag of the user's can change.</param>
    public static ProfileReport Build(RunProfile profile, int top = 20, double hotThreshold = 0.01, Func<CallSite, ExperimentRecord?>? evidence = null,
        Func<CallSite, bool>? hideSite = null)
    {
        var methods = profile.Methods.GroupBy(m => m.Method).ToDictionary(g => g.Key, g => g.First());
        var shown = hideSite is null ? profile.Sites : profile.Sites.Where(s => !hideSite(s)).ToList();
        var ranked = shown
            .OrderByDescending(s => s.TotalSamples).ThenBy(s => s.Caller.Display, StringComparer.Ordinal).ThenBy(s => s.IlOffset)
            .ToList();
        // Where each method's body was inlined into code that ran: a sample inside such a copy belongs to the outer
        // site (a release runtime's IL-to-native map gives the root's IL offsets only), so the inner site's share misses it.
        var inlinedInto = profile.Sites.Where(s => s.Decision.Outcome is InlineOutcome.Inlined or InlineOutcome.Mixed && s.TotalSamples > 0)
            .ToLookup(s => s.Callee);
        var rows = ranked.Take(top).Select((site, i) =>
        {
            var callee = methods.GetValueOrDefault(site.Callee);
            var caller = methods.GetValueOrDefault(site.Caller);
            double bound = profile.AmdahlBound(site);
            return new SiteRow(
                i + 1, site, bound,
                caller is { InclusiveSamples: > 0 } c ? Math.Min(1, (double)site.TotalSamples / c.InclusiveSamples) : 0,
                bound >= hotThreshold,
                callee?.IlSize ?? -1,
                callee?.Compiles.Where(v => v.Tier.StartsWith("Optimized", StringComparison.Ordinal)).Select(v => v.NativeSize).DefaultIfEmpty(-1).Max() ?? -1,
                MethodImplFlagsText.Describe(callee?.ImplFlags ?? MethodImplFlags.None),
                DescribeDecision(site.Decision),
                evidence?.Invoke(site) is { } e ? DescribeEvidence(e) : null,
                Partial(site, inlinedInto[site.Caller].Where(o => o.Caller != site.Caller).ToList(), profile));
        }).ToList();
        return new ProfileReport(profile.Run, profile.Totals, rows, profile.Sites.Count, hotThreshold, profile.Sites.Count - shown.Count)
            { Budget = InlineBudget.Cases(profile) };
    }

    /// <summary>
    /// The caveat of a site whose caller was itself inlined into methods that ran: the call's time inside those copies
    /// lands at the outer sites, so this share counts only the caller's own compiled body. Null when it was not.
    /// </summary>
    static string? Partial(CallSite site, IReadOnlyList<CallSite> outer, RunProfile profile)
    {
        if (outer.Count == 0) return null;
        var top = outer.OrderByDescending(o => o.TotalSamples).First();
        return $"partial: {site.Caller.Name} was inlined into {top.Caller.Display}{(outer.Count > 1 ? $" and {outer.Count - 1} more" : "")} " +
            $"({Percent.Share(outer.Sum(o => profile.AmdahlBound(o)))} of samples at those sites); this call's time inside those copies is counted there, not here";
    }

    /// <summary>An experiment in one line: action, the deciding metric's change with its interval, n, verdict.</summary>
    public static string DescribeEvidence(ExperimentRecord e)
    {
        var m = e.Metrics.FirstOrDefault(x => x.Metric == e.DecidingMetric);
        var action = string.Join("+", e.Edits.Select(x => x.Action.Text()));
        var change = m is null ? "" : $" {Percent.Signed(m.Effect)} [{Percent.Signed(m.Low)}, {Percent.Signed(m.High)}] {m.Metric},";
        var verdict = e.Verdict switch
        {
            ExperimentVerdict.Effect => "",
            ExperimentVerdict.NoEffect => FormattableString.Invariant($" no effect > ±{e.Epsilon:0.#%},"),
            _ => " not resolved,",
        };
        return $"{action}:{change}{verdict} n={e.Pairs} (measured, experiment {e.Id})";
    }

    public static string DescribeDecision(InlineDecision d) => d.Outcome switch
    {
        InlineOutcome.Inlined => "inlined",
        InlineOutcome.NotInlined => $"not inlined: {d.Reason}",
        InlineOutcome.Mixed => $"mixed: inlined in some compiles, not in others ({d.Reason})",
        _ => "no decision seen",
    };
}
