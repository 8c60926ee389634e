// Advice per call site, in three standings: measured advice (an experiment at the site), candidates worth measuring (a
// prediction or the JIT's own event says a change may pay: never an instruction), and sites to leave alone. The API the
// CLI and the editor call.
using System.Globalization;
using InlineAdvisor.Core;

namespace InlineAdvisor.Model;

/// <summary>
/// One predicted target for the proposed change: local effect, app-level effect (local × share), 90% interval. A null
/// end is open: the model was never trained for it, or its value was clipped to the range of measured targets
/// (OutsideRange), which says nothing about how far beyond that range the truth lies.
/// </summary>
public sealed record PredictedEffect(string Target, string Unit, double Value, double? Low, double? High, bool OutsideRange)
{
    /// <summary>"[-3.1%, +∞)" for a ratio, "[-12, +40] B" style ends for the others (format gives one end).</summary>
    public string Interval(Func<double, string> format) =>
        $"{(Low is { } l ? "[" + format(l) : "(-∞")}, {(High is { } h ? format(h) + "]" : "+∞)")}";
}

/// <summary>What a line of advice rests on.</summary>
public enum AdviceStanding
{
    /// <summary>An experiment at the site measured the change: its action (or "leave", with the evidence) is advice.</summary>
    Measured,
    /// <summary>A prediction or the JIT's own event says a change may pay: a reason to measure it, never an instruction.</summary>
    Candidate,
    /// <summary>Nothing here is worth measuring (too small a share, no flag changes it, or no predicted gain).</summary>
    Leave,
}

public sealed record SiteAdvice(
    int Rank,
    CallSite Site,
    double Bound,
    string ExistingAttribute,
    string Decision,
    AdviceStanding Standing,
    InlineAction Action,               // what to do now: force/block/remove only when Standing is Measured
    InlineAction? Considered,          // the flag change the payoff is about (null: none is possible)
    EvidenceKind Evidence,
    string Payoff,                     // one line, always saying "measured" or "predicted"
    IReadOnlyList<PredictedEffect> Predicted,
    string Reason,
    string? Split)                     // a fast/slow split suggestion (a heuristic), when the profile suggests one
{
    public string ActionText => Action.AdviceText();

    /// <summary>The advice column: the action when measured, "measure: force" for a candidate, "leave" otherwise.</summary>
    public string Headline => Advisor.Headline(Standing, Action, Considered);
}

/// <summary>
/// A method whose inlining attribute the user set: the attribute's effect is the sum over every call of the method, so
/// its sites are summed here (SummedShare: a sample under two of its sites counts twice; capped at 100%).
/// </summary>
public sealed record MethodAdvice(
    MethodIdentity Method,
    string ExistingAttribute,
    int Sites,
    int Callers,
    double SummedShare,
    int InlinedSites,
    IReadOnlyDictionary<string, int> RefusedByReason,
    AdviceStanding Standing,
    InlineAction Action,               // what to do now: a change only when Standing is Measured and it paid
    InlineAction? Considered,          // the change the payoff is about
    string Payoff,
    string Reason)
{
    public string Headline => Advisor.Headline(Standing, Action, Considered);
}

/// <summary>
/// A compile that ran out of inline budget after forced inlines: remove the AggressiveInlining of Spender (or block it)
/// to free budget for Lost in Case.Compiled. Measured when an experiment changed Spender's flag; otherwise a candidate.
/// </summary>
public sealed record BudgetAdvice(BudgetCase Case, BudgetSpender Spender, BudgetLoss Lost, AdviceStanding Standing, InlineAction Action, string Payoff, string Reason)
{
    public string Headline => Advisor.Headline(Standing, Action, InlineAction.Remove);

    public string Change => $"remove AggressiveInlining from {Spender.Method.Display} (or block it) to free inline budget for {Lost.Inlinee.Display} in {Case.Compiled.Display}";
}

public sealed record AdviceReport(RunInfo Run, IReadOnlyList<SiteAdvice> Sites, IReadOnlyList<MethodAdvice> Methods, IReadOnlyList<BudgetAdvice> Budget,
    IReadOnlyList<string> Notes, string? Model);

public sealed record AdviseOptions(double MinBound = 0.01, int Top = 20);

public static class Advisor
{
    static string Pct(double f) => Percent.Signed(f);

    /// <summary>The advice column of a site or method line: the action when measured, "measure: force" for a candidate, "leave" otherwise.</summary>
    public static string Headline(AdviceStanding standing, InlineAction action, InlineAction? considered) =>
        standing == AdviceStanding.Candidate && considered is { } c ? $"measure: {InlineActions.Text(c)}" : action.AdviceText();
    static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Advice for the sites of <paramref name="profile"/> whose callee is in the app folder (the only flags a user can
    /// change). Only an experiment makes advice to change a flag; a prediction makes a candidate worth measuring, ranked
    /// by its predicted app-level gain (local effect × the site's share of the run's samples).
    /// </summary>
    public static AdviceReport Advise(RunProfile profile, Func<CallSite, IReadOnlyList<ExperimentRecord>> experimentsFor, ILFeatureReader il,
        ModelFileData? model, string? modelPath, AdviseOptions options)
    {
        var notes = new List<string>();
        if (model is null) notes.Add("no model: only measured evidence and the JIT's own reasons are used (train one with `advisor train`)");
        var payoff = model?.ToModel();
        var methods = profile.Methods.GroupBy(m => m.Method).ToDictionary(g => g.Key, g => g.First());
        var sites = profile.Sites.Where(s => il.Find(s.Callee) is not null)
            .OrderByDescending(s => s.TotalSamples).ThenBy(s => s.Caller.Display, StringComparer.Ordinal).ThenBy(s => s.IlOffset).ToList();
        bool settingsNoted = false;
        var advice = new List<(SiteAdvice Advice, double Gain)>();   // Gain: a candidate's predicted app-level gain, for its rank
        foreach (var site in sites)
        {
            var calleeShape = il.Callee(site.Callee);
            var flags = calleeShape?.Flags ?? methods.GetValueOrDefault(site.Callee)?.ImplFlags ?? MethodImplFlags.None;
            var attribute = MethodImplFlagsText.Describe(flags);
            var decision = ReportBuilder.DescribeDecision(site.Decision);
            double bound = profile.AmdahlBound(site);
            InlineAction candidate = InlineActions.ToTry(flags, site.Decision.Outcome);
            SiteAdvice Make(AdviceStanding standing, EvidenceKind ev, string pay, IReadOnlyList<PredictedEffect> pred, string reason, string? split = null) =>
                new(0, site, bound, attribute, decision, standing, InlineAction.Leave, candidate, ev, pay, pred, reason, split);
            void Leave(string reason, string? split = null) => advice.Add((Make(AdviceStanding.Leave, EvidenceKind.None, "-", [], reason, split), 0));

            var experiments = experimentsFor(site).Where(e => e.Edits.Count == 1).ToList();
            if (experiments.Count > 0)
            {
                var e = experiments.FirstOrDefault(x => x.Edits[0].Action == candidate) ?? experiments[0];
                if (!settingsNoted && e.RuntimeConfig != profile.Run.RuntimeConfig)
                {
                    settingsNoted = true;
                    // Both record RuntimeSettings.Describe (stores older than it kept every DOTNET_* variable for experiments).
                    notes.Add($"experiment {e.Id} ran with runtime settings '{e.RuntimeConfig}', the run with '{profile.Run.RuntimeConfig}': " +
                              "the JIT may decide differently under each; check they match before comparing");
                }
                advice.Add((FromExperiment(site, bound, attribute, decision, e), 0));
                continue;
            }
            if (bound < options.MinBound)
            {
                Leave($"leave it: too small to matter ({Percent.Share(bound)} of CPU samples through the site < {Percent.Share(options.MinBound)})");
                continue;
            }
            var reasonClass = InlineReasons.Classify(site.Decision.Reason);
            if (site.Decision.Reason == InlineReasons.TierZeroOnly)
            {
                Leave($"{decision}: no flag changes inlining in unoptimized code");
                continue;
            }
            if ((flags & MethodImplFlags.AggressiveInlining) != 0 && site.Decision.Outcome == InlineOutcome.NotInlined)
            {
                // The JIT's own event, not a prediction; but the attribute is the method's and may pay at its other sites.
                advice.Add((Make(AdviceStanding.Candidate, EvidenceKind.None, "-", [],
                    $"{decision} despite AggressiveInlining: the attribute does nothing at this site (the JIT's own event); measure removing it, which also changes its other sites"), 0));
                continue;
            }
            if (InlineReasons.NoFlagChanges(site.Decision) is { } unliftable)
            {
                Leave($"{decision}: no flag changes a refusal for \"{unliftable}\"");
                continue;
            }
            string? split = SplitHint(profile, site, calleeShape, reasonClass);
            if (payoff is null)
            {
                advice.Add((Make(AdviceStanding.Candidate, EvidenceKind.None, "-", [], "no measurement and no model: measure it with `advisor experiment`", split), 0));
                continue;
            }
            var features = FeatureBuilder.Build(profile, site, candidate, calleeShape, il.Site(site.Caller, site.Callee, site.IlOffset));
            var preds = Targets.All.ToDictionary(t => t, t => payoff.Predict(t, candidate, features));
            var predicted = preds.Select(x => Effect(x.Key, x.Value, bound)).ToList();
            var rt = predicted.Single(p => p.Target == Targets.Name(TargetKind.Runtime));
            var code = predicted.Single(p => p.Target == Targets.Name(TargetKind.CodeBytes));
            var jit = predicted.Single(p => p.Target == Targets.Name(TargetKind.JitMs));
            bool outside = predicted.Any(p => p.OutsideRange);
            string Bytes(double b) => I($"{b:+0;-0;0}");
            string text = I($"{InlineActions.Text(candidate)}: {Pct(rt.Value)} {rt.Interval(Pct)} runtime, Tier1 code {Bytes(code.Value)} B {code.Interval(Bytes)}, JIT {jit.Value:+0.00;-0.00;0.00} ms (predicted{(outside ? ", outside the model's range" : "")})");
            var (standing, reason) = Judge(candidate, rt, code, jit, attribute, decision);
            advice.Add((Make(standing, EvidenceKind.Predicted, text, predicted, reason, split), standing == AdviceStanding.Candidate ? -rt.Value : 0));
        }
        // Measured advice first (the changes that pay, then measured "leave"), then candidates by predicted gain, then the rest.
        var ranked = advice
            .OrderBy(a => a.Advice.Standing switch { AdviceStanding.Measured => a.Advice.Action == InlineAction.Leave ? 1 : 0, AdviceStanding.Candidate => 2, _ => 3 })
            .ThenByDescending(a => a.Gain)
            .ThenByDescending(a => a.Advice.Bound)
            .Take(options.Top)
            .Select((a, i) => a.Advice with { Rank = i + 1 }).ToList();
        return new AdviceReport(profile.Run, ranked, Methods(profile, experimentsFor, il, options), Budget(profile, experimentsFor, il, options), notes, modelPath);
    }

    /// <summary>
    /// One line per hot method whose compiles ran out of inline budget after force-inlining a method of the app (the
    /// user's lever): the app's spender with the most IL bytes brought in before the first refusal, and the hottest
    /// call refused. The JIT's events show the order, not what freeing the budget would buy: a candidate until measured.
    /// </summary>
    static IReadOnlyList<BudgetAdvice> Budget(RunProfile profile, Func<CallSite, IReadOnlyList<ExperimentRecord>> experimentsFor, ILFeatureReader il, AdviseOptions options)
    {
        var result = new List<BudgetAdvice>();
        foreach (var c in InlineBudget.Cases(profile))
        {
            if (c.Lost.Count == 0 || c.Share < options.MinBound) continue;
            var spender = c.Spenders.FirstOrDefault(sp => il.Find(sp.Method) is not null);
            if (spender is null) continue;
            var lost = c.Lost[0];
            string facts = I($"{c.Compiled.Display} ({Percent.Share(c.Share)} of samples) ran out of inline budget in {c.Compiles} compile(s) ({string.Join(", ", c.Tiers)}): ") +
                I($"{c.InlinesBefore} inlines succeeded before the first refusal, {spender.Inlines} of them {spender.Method.Display} (AggressiveInlining, {(spender.IlSize >= 0 ? spender.IlSize + " IL bytes" : "IL size unknown")}); ") +
                I($"then {lost.Inlinee.Display}{(lost.Forced ? " (itself AggressiveInlining)" : "")} was refused {lost.Refusals}× in {lost.Inliner.Display}, {Percent.Share(lost.Share)} of samples at that call") +
                (c.Lost.Count > 1 ? I($", and {c.Lost.Count - 1} more call(s)") : "");
            if (MeasuredOn(spender.Method, profile.Sites.Where(s => s.Callee == spender.Method), experimentsFor) is { } measured)
            {
                var (action, reason) = ReadMeasured(measured, "AggressiveInlining");
                result.Add(new BudgetAdvice(c, spender, lost, AdviceStanding.Measured, action, ReportBuilder.DescribeEvidence(measured), $"{reason}; {facts}"));
                continue;
            }
            result.Add(new BudgetAdvice(c, spender, lost, AdviceStanding.Candidate, InlineAction.Leave, "-",
                $"worth measuring: {facts}. Measure it: `{ExperimentPlanner.MethodCommand(spender.Method, InlineAction.Remove)}`"));
        }
        return result.OrderBy(b => b.Standing).ThenByDescending(b => b.Lost.Share).ThenByDescending(b => b.Case.Share).Take(options.Top).ToList();
    }

    /// <summary>
    /// The methods of the app that carry AggressiveInlining or NoInlining, with their profiled sites summed: a small
    /// reader inlined at 60 sites has no site over 1.2%, yet removing its attribute measured −6.6% CPU. Measured where an
    /// experiment changed the method's flag at one of its sites; otherwise a candidate when the summed share reaches
    /// the threshold and a flag can change at least one site.
    /// </summary>
    static IReadOnlyList<MethodAdvice> Methods(RunProfile profile, Func<CallSite, IReadOnlyList<ExperimentRecord>> experimentsFor, ILFeatureReader il, AdviseOptions options)
    {
        var result = new List<MethodAdvice>();
        var headrooms = new Dictionary<MethodIdentity, double>();
        var estimate = new HeadroomEstimate(profile, il);
        foreach (var row in ReportBuilder.Methods(profile, s => il.Find(s.Callee) is not null))
        {
            var flags = il.Callee(row.Method)?.Flags ?? MethodImplFlags.None;
            if ((flags & (MethodImplFlags.AggressiveInlining | MethodImplFlags.NoInlining)) == 0) continue;
            var sites = row.Sites;
            double summed = row.SummedShare;
            var attribute = MethodImplFlagsText.Describe(flags);
            string counts = row.Counts;
            MethodAdvice Make(AdviceStanding standing, InlineAction action, InlineAction considered, string payoff, string reason) =>
                new(row.Method, attribute, sites.Count, row.Callers, summed, row.InlinedSites, row.RefusedByReason, standing, action, considered, payoff, reason);
            if (MeasuredOn(row.Method, sites, experimentsFor) is { } measured)
            {
                var (advice, reason) = ReadMeasured(measured, attribute);
                result.Add(Make(AdviceStanding.Measured, advice, measured.Edits[0].Action, ReportBuilder.DescribeEvidence(measured), $"{reason}; {counts}"));
                continue;
            }
            if (summed < options.MinBound) continue;
            if (!ExperimentPlanner.Changeable(row).Any()) continue;
            double headroom = estimate.Of(row);
            headrooms[row.Method] = headroom;
            result.Add(Make(AdviceStanding.Candidate, InlineAction.Leave, InlineAction.Remove, "-",
                $"worth measuring: the {attribute} applies at every call; {counts}; {Percent.Share(summed)} of samples through them summed, headroom ≈ {Percent.Share(headroom)} (the call-overhead part, as `experiment --top` ranks). " +
                $"Measure the whole method: `{ExperimentPlanner.MethodCommand(row.Method, InlineAction.Remove)}`"));
        }
        // Candidates by headroom, as the planner ranks: a per-batch method's large share is mostly its own work.
        return result.OrderBy(m => m.Standing).ThenByDescending(m => headrooms.GetValueOrDefault(m.Method)).ThenByDescending(m => m.SummedShare).Take(options.Top).ToList();
    }

    /// <summary>An experiment at one of the method's sites that changed the method's flag alone, or null.</summary>
    static ExperimentRecord? MeasuredOn(MethodIdentity method, IEnumerable<CallSite> sites, Func<CallSite, IReadOnlyList<ExperimentRecord>> experimentsFor) =>
        sites.SelectMany(experimentsFor).FirstOrDefault(e => e.Edits.Count == 1 && e.Edits[0].Method == method);

    /// <summary>A target's prediction as shown: runtime and CPU at the app level (exp(local × share) − 1), others as predicted.</summary>
    internal static PredictedEffect Effect(TargetKind t, Prediction p, double share)
    {
        double? End(double v) => double.IsFinite(v) ? v : null;
        double App(double local) => Math.Exp(local * share) - 1;
        return t is TargetKind.Runtime or TargetKind.Cpu
            ? new(Targets.Name(t), "app ratio − 1", App(p.Value), End(p.Low) is { } l ? App(l) : null, End(p.High) is { } h ? App(h) : null, p.OutsideRange)
            : new(Targets.Name(t), Targets.Unit(t), p.Value, End(p.Low), End(p.High), p.OutsideRange);
    }

    /// <summary>
    /// Whether a prediction makes the site a candidate worth measuring. Each reason says only what its own numbers show:
    /// force/block when the whole runtime interval is below zero; remove when the predicted runtime change is not above
    /// zero and the code or JIT time shrinks. Outside the model's range nothing is claimed.
    /// </summary>
    static (AdviceStanding, string) Judge(InlineAction candidate, PredictedEffect rt, PredictedEffect code, PredictedEffect jit, string attribute, string decision)
    {
        string change = InlineActions.Text(candidate);
        if (rt.OutsideRange || code.OutsideRange)
            return (AdviceStanding.Leave, $"{decision}; the prediction is outside the model's range (sites unlike those it was trained on): no basis to rank it; measure it if the site matters");
        if (candidate == InlineAction.Remove)
        {
            // A saving counts only when its whole 90% interval is below zero: a point value under an interval that spans
            // zero would be a reason the line's own numbers do not support.
            bool codeShrinks = code.High is < 0, jitShrinks = jit.High is < 0;
            string Bytes(double b) => I($"{b:+0;-0;0}");
            string Ms(double v) => I($"{v:+0.00;-0.00;0.00}");
            return (codeShrinks || jitShrinks) && rt.Value <= 0
                ? (AdviceStanding.Candidate, I($"worth measuring: removing the {attribute} is predicted to shrink {(codeShrinks ? $"Tier1 code ({Bytes(code.Value)} B {code.Interval(Bytes)})" : $"JIT time ({Ms(jit.Value)} ms {jit.Interval(Ms)})")}, runtime {Pct(rt.Value)} {rt.Interval(Pct)}; {decision}"))
                : (AdviceStanding.Leave, I($"no predicted gain from removing the {attribute} (runtime {Pct(rt.Value)} {rt.Interval(Pct)} without it{(codeShrinks || jitShrinks ? "" : ", no code or JIT saving clear of zero")}); {decision}"));
        }
        return rt.High is { } high && high < 0
            ? (AdviceStanding.Candidate, $"worth measuring: {change} is predicted faster, the whole 90% interval below zero; {decision}")
            : (AdviceStanding.Leave, $"{decision}; the predicted payoff of {change} is not clearly positive: trust the JIT, or measure it if the share is large");
    }

    static SiteAdvice FromExperiment(CallSite site, double bound, string attribute, string decision, ExperimentRecord e)
    {
        var (advice, reason) = ReadMeasured(e, attribute);
        return new SiteAdvice(0, site, bound, attribute, decision, AdviceStanding.Measured, advice, e.Edits[0].Action, EvidenceKind.Measured,
            ReportBuilder.DescribeEvidence(e), [], reason, null);
    }

    /// <summary>
    /// What an experiment's evidence advises, with its reason: the same reading as `advisor export` (MeasuredOutcome), so
    /// the site lines, the method lines and the advice file never disagree.
    /// </summary>
    static (InlineAction Advice, string Reason) ReadMeasured(ExperimentRecord e, string attribute)
    {
        var action = e.Edits[0].Action;
        if (MeasuredOutcome.Improves(e))
            return (action, $"measured: {e.DecidingMetric} better with the change");
        if (action == InlineAction.Remove && MeasuredOutcome.CostsNothingAndShrinksCode(e))
            return (InlineAction.Remove, I($"measured: no runtime effect shown, Tier1 code {Pct(e.Metrics.First(x => x.Metric == Metrics.Tier1Code).Effect)} without the {attribute}"));
        return (InlineAction.Leave, e.Verdict == ExperimentVerdict.Effect ? "measured: the change made it worse" : "measured: no clear gain from the change");
    }

    /// <summary>
    /// A heuristic, said as one: a callee refused for size at a site the PGO counts show is entered often, whose own
    /// call sites (the profile's sites with the callee as caller) run in at most 5% of its entries — or whose body
    /// throws — has a hot entry and a cold tail: a small inlinable fast path calling a NoInlining slow path may win.
    /// </summary>
    static string? SplitHint(RunProfile profile, CallSite site, CalleeShape? callee, ReasonClass reasonClass)
    {
        if (reasonClass != ReasonClass.SizeBudget || site.PgoCount is not { } entries || entries <= 0) return null;
        var inner = profile.Sites.Where(s => s.Caller == site.Callee && s.PgoCount is not null).ToList();
        if (inner.Count > 0 && inner.Max(s => s.PgoCount!.Value) <= entries / 20)
            return I($"fast/slow split: the callee is entered {entries:N0} times here but its calls run at most {inner.Max(s => s.PgoCount!.Value):N0} times (PGO); move the cold part into a NoInlining method (heuristic)");
        if (callee is { Throws: true })
            return "fast/slow split: the callee is refused for size and has a throwing path; move it into a NoInlining throw helper (heuristic, no PGO block counts of the callee's body)";
        return null;
    }
}
