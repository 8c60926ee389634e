// What the editor shows, rendered from the report's SiteRow and the stored experiments: lens titles and hover markdown.
using System.Globalization;
using System.Text;
using InlineAdvisor.Core;
using InlineAdvisor.Model;

namespace InlineAdvisor.LanguageServer;

public static class LensText
{
    static string Share(double f) => Percent.Share(f);

    /// <summary>"81.9% CPU · inlined · remove: −1.2% [−3.0%, +0.6%] (n=30, measured)" — the site's share, the JIT's decision,
    /// and what a change does when known.</summary>
    public static string Site(SiteEntry e, bool stale = false)
    {
        var text = $"{Share(e.Row.Bound)} CPU · {e.Row.Decision}";
        if (Payoff(e) is { } payoff) text += " · " + payoff;
        if (stale) text += " · stale: the code changed since the profile";
        return text;
    }

    /// <summary>
    /// The payoff part of a lens: what forcing, blocking or removing the inline does here. Measured evidence (the newest
    /// experiment on this caller → callee) wins; otherwise the model's prediction of the app-level runtime change, labelled
    /// "(predicted)" with its 90% interval — never shown as a measurement.
    /// </summary>
    public static string? Payoff(SiteEntry e)
    {
        if (e.Experiments.Count == 0) return e.Advice is { } a ? Predicted(a) : null;
        return ReportBuilder.DescribeEvidence(e.Experiments[0]);
    }

    static string? Predicted(SiteAdvice a)
    {
        if (a.Evidence != EvidenceKind.Predicted || a.Considered is not { } action) return null;
        var rt = a.Predicted.FirstOrDefault(p => p.Target == Targets.Name(TargetKind.Runtime));
        return rt is null ? null : $"{InlineActions.Text(action)}: {Percent.Signed(rt.Value)} {rt.Interval(Percent.Signed)} (predicted{(rt.OutsideRange ? ", outside the model's range" : "")})";
    }

    static string Verdict(ExperimentRecord x) => x.Verdict switch
    {
        ExperimentVerdict.Effect => "effect",
        ExperimentVerdict.NoEffect => $"no effect > ±{x.Epsilon.ToString("0.#%", CultureInfo.InvariantCulture)}",
        _ => "not resolved",
    };

    /// <summary>A method declaration's lens: its inclusive share (and own time), how many sites the profile saw in it.</summary>
    public static string Method(AnchoredMethod m, int sites)
    {
        var text = $"{Share(m.Entry.InclusiveShare)} CPU (incl.) · self {Share(m.Entry.ExclusiveShare)}";
        if (sites > 0) text += $" · {sites} profiled call site{(sites == 1 ? "" : "s")}";
        var attr = MethodImplFlagsText.Describe(m.Entry.Profile.ImplFlags);
        if (attr.Length > 0) text += $" · [{attr}]";
        if (m.StaleSites > 0) text += $" · {m.StaleSites} site{(m.StaleSites == 1 ? "" : "s")} stale (code changed since the profile)";
        return text;
    }

    /// <summary>The full evidence of a site, as markdown.</summary>
    public static string SiteHover(SiteEntry e, RunInfo run, int shift, string? predictionNote = null)
    {
        var r = e.Row;
        var s = r.Site;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"**{s.Caller.Display} → {s.Callee.Display}**");
        if (s.Id > 0) sb.Append(CultureInfo.InvariantCulture, $" (site {s.Id}");
        if (s.IlOffset >= 0) sb.Append(CultureInfo.InvariantCulture, $"{(s.Id > 0 ? ", " : " (")}IL_{s.IlOffset:x4}");
        if (s.Id > 0 || s.IlOffset >= 0) sb.Append(')');
        sb.Append("\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **Samples:** {s.TotalSamples:N0} ({s.CallSamples:N0} in calls, {s.StatementSamples:N0} at the statement{(s.SharesStatement ? ", shared with another site: an upper bound" : "")})\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **Share through the site:** {Share(r.Bound)} of all CPU samples (not a limit: inlining also changes the caller's own code around the call)\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **Share of caller:** {Share(r.ShareOfCaller)}\n");
        if (r.Partial is { } partial) sb.Append(CultureInfo.InvariantCulture, $"- **Share is partial:** {partial}\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **JIT decision:** {r.Decision}");
        if (s.Decision.Tiers.Count > 0) sb.Append(CultureInfo.InvariantCulture, $" (tiers: {string.Join(", ", s.Decision.Tiers)})");
        if (s.Decision.FailAlways) sb.Append(" — the JIT marks this callee as never inlinable");
        sb.Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"- **PGO count:** {(s.PgoCount is { } c ? c.ToString("N0", CultureInfo.InvariantCulture) : "no PGO data")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **Callee size:** IL {(r.CalleeIlSize >= 0 ? $"{r.CalleeIlSize} bytes" : "unknown")}, native {(r.CalleeNativeSize >= 0 ? $"{r.CalleeNativeSize} bytes (largest optimized body)" : "never compiled on its own")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **Attribute on the callee:** {(r.ExistingAttribute.Length > 0 ? $"[MethodImpl({r.ExistingAttribute})]" : "none")}\n");
        if (shift != 0) sb.Append(CultureInfo.InvariantCulture, $"- **Source:** the code moved {Math.Abs(shift)} line{(Math.Abs(shift) == 1 ? "" : "s")} {(shift > 0 ? "down" : "up")} since the profile; re-anchored by method identity\n");
        sb.Append('\n');
        if (e.Experiments.Count == 0) sb.Append("No experiment at this site yet (`advisor experiment --site …` measures one).\n");
        else
        {
            sb.Append("**Experiments** (newest first)\n\n");
            foreach (var x in e.Experiments) sb.Append(Experiment(x));
        }
        if (e.Advice is { } a)
        {
            var heading = a.Standing switch
            {
                AdviceStanding.Measured => $"Advice: {a.ActionText}",
                AdviceStanding.Candidate => $"Worth measuring: {(a.Considered is { } considered ? InlineActions.Text(considered) : "a change")} (not advice until measured)",
                _ => "Leave it",
            };
            sb.Append(CultureInfo.InvariantCulture, $"\n**{heading}** — {a.Reason}\n\n");
            if (a.Payoff != "-") sb.Append(CultureInfo.InvariantCulture, $"- {a.Payoff}\n");
            if (a.Evidence == EvidenceKind.Predicted)
                sb.Append("- a prediction of the shipped model (90% interval; app-level runtime = the site's local effect × its share of samples), not a measurement: `advisor experiment` measures it\n");
            if (a.Split is { } split) sb.Append(CultureInfo.InvariantCulture, $"- {split}\n");
        }
        else if (predictionNote is not null) sb.Append(CultureInfo.InvariantCulture, $"\n_{predictionNote}_\n");
        sb.Append(CultureInfo.InvariantCulture, $"\n_Run {run.Id} of {run.Program}, {run.StartedUtc:yyyy-MM-dd HH:mm} UTC{(run.RuntimeConfig.Length > 0 ? $", {run.RuntimeConfig}" : "")}_");
        foreach (var note in run.Notes) sb.Append(CultureInfo.InvariantCulture, $"\n\n_note: {note}_");
        return sb.ToString();
    }

    /// <summary>One experiment: the report's one-line description, then every metric with its control, the flip check and notes.</summary>
    static string Experiment(ExperimentRecord x)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"- {ReportBuilder.DescribeEvidence(x)} — verdict: {Verdict(x)}, {x.StartedUtc:yyyy-MM-dd HH:mm} UTC\n");
        foreach (var m in x.Metrics)
            sb.Append(CultureInfo.InvariantCulture,
                $"  - {m.Metric}: {Percent.Signed(m.Effect)} [{Percent.Signed(m.Low)}, {Percent.Signed(m.High)}], control {Percent.Signed(m.ControlEffect)} [{Percent.Signed(m.ControlLow)}, {Percent.Signed(m.ControlHigh)}], n={m.N}{(m.Metric == x.DecidingMetric ? " (deciding)" : "")}\n");
        if (x.Flip is { } f) sb.Append(CultureInfo.InvariantCulture, $"  - JIT check: {(f.Verified ? "verified" : $"{f.Honoured}/{f.Sites} sites honoured")}{(f.Details.Count > 0 ? ": " + string.Join("; ", f.Details) : "")}\n");
        foreach (var n in x.Notes) sb.Append(CultureInfo.InvariantCulture, $"  - note: {n}\n");
        return sb.ToString();
    }

    public static string MethodHover(AnchoredMethod m, IReadOnlyList<SiteEntry> sitesInMethod, RunInfo run, IReadOnlyList<BudgetCase>? budget = null, MethodRow? asCallee = null)
    {
        var p = m.Entry.Profile;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"**{p.Method.Display}** `{p.Method.Signature}`\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **CPU:** {Share(m.Entry.InclusiveShare)} inclusive ({p.InclusiveSamples:N0} samples), {Share(m.Entry.ExclusiveShare)} in its own code\n");
        sb.Append(CultureInfo.InvariantCulture, $"- **IL size:** {(p.IlSize >= 0 ? $"{p.IlSize} bytes" : "unknown")}; attribute: {(MethodImplFlagsText.Describe(p.ImplFlags) is { Length: > 0 } a ? $"[MethodImpl({a})]" : "none")}\n");
        if (p.Compiles.Count > 0)
            sb.Append(CultureInfo.InvariantCulture, $"- **Compiles:** {string.Join(", ", p.Compiles.Select(c => $"{c.Tier} {c.NativeSize} B"))}\n");
        // Its attribute acts at every call of it: the calls the profile saw, summed.
        if (asCallee is not null)
            sb.Append(CultureInfo.InvariantCulture, $"- **As a callee:** {asCallee.Counts}; {Share(asCallee.SummedShare)} of samples through them summed; its callers' optimized compiles took {asCallee.CallersJitMilliseconds:0.0} ms of JIT time\n");
        foreach (var e in sitesInMethod.OrderByDescending(e => e.Row.Bound).Take(10))
            sb.Append(CultureInfo.InvariantCulture, $"- line {e.Site.Source?.Line}: → {e.Site.Callee.Display}: {LensText.Site(e)}\n");
        foreach (var line in BudgetLines(p.Method, budget ?? [])) sb.Append(CultureInfo.InvariantCulture, $"- **Inline budget:** {line}\n");
        if (m.StaleSites > 0) sb.Append(CultureInfo.InvariantCulture, $"\n{m.StaleSites} profiled site(s) of this method no longer match the code (edited since the profile): collect again.\n");
        sb.Append(CultureInfo.InvariantCulture, $"\n_Run {run.Id} of {run.Program}, {run.StartedUtc:yyyy-MM-dd HH:mm} UTC_");
        return sb.ToString();
    }

    /// <summary>What the budget cases say about one method: as the compile that ran out, as a forced inlinee that spent
    /// budget first, or as a call refused for it. Facts from the JIT's events; what freeing the budget buys is unmeasured.</summary>
    public static IEnumerable<string> BudgetLines(MethodIdentity method, IReadOnlyList<BudgetCase> cases)
    {
        static string Refused(BudgetCase c) => string.Join(", ", c.Lost.Take(3).Select(l => $"{l.Inlinee.Display} ×{l.Refusals} ({Share(l.Share)} at the call)"));
        foreach (var c in cases)
        {
            if (c.Compiled == method)
                yield return $"its compiles ran out {c.Compiles}× ({string.Join(", ", c.Tiers)}) after {c.InlinesBefore} inlines; refused: {Refused(c)}; " +
                    $"forced inlinees before the first refusal: {(c.Spenders.Count == 0 ? "none" : string.Join(", ", c.Spenders.Take(3).Select(sp => $"{sp.Method.Display} ×{sp.Inlines}")))}";
            else if (c.Spenders.FirstOrDefault(sp => sp.Method == method) is { } spent)
                yield return $"force-inlined {spent.Inlines}× into {c.Compiled.Display} before its budget ran out; then refused: {Refused(c)}. " +
                    $"Removing the AggressiveInlining may free budget there: worth measuring (`{ExperimentPlanner.MethodCommand(method, InlineAction.Remove)}`), not advice until measured";
            else if (c.Lost.FirstOrDefault(l => l.Inlinee == method) is { } lost)
                yield return $"refused {lost.Refusals}× in {c.Compiled.Display} because its inline budget ran out";
        }
    }
}
