// Ranked advice per call site: measured evidence first, otherwise a labelled prediction with its interval; the API the CLI and the editor call.
using System.Globalization;
using InlineAdvisor.Core;

namespace InlineAdvisor.Model;

/// <summary>One predicted target for the proposed change: local effect, app-level effect (local × bound), 90% interval.</summary>
public sealed record PredictedEffect(string Target, string Unit, double Value, double Low, double High);

public sealed record SiteAdvice(
    int Rank,
    CallSite Site,
    double Bound,
    string ExistingAttribute,
    string Decision,
    InlineAction Action,
    InlineAction? Considered,          // the flag change the payoff is about (null: none is possible)
    EvidenceKind Evidence,
    string Payoff,                     // one line, always saying "measured" or "predicted"
    IReadOnlyList<PredictedEffect> Predicted,
    string Reason,
    string? Split)                     // a fast/slow split suggestion (a heuristic), when the profile suggests one
{
    public string ActionText => Action.AdviceText();
}

public sealed record AdviceReport(RunInfo Run, IReadOnlyList<SiteAdvice> Sites, IReadOnlyList<string> Notes, string? Model);

public sealed record AdviseOptions(double MinBound = 0.01, int Top = 20);

public static class Advisor
{
    static string Pct(double f) => Percent.Signed(f);
    static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Advice for the sites of <paramref name="profile"/> whose callee is in the app folder (the only flags a user can
    /// change). App-level payoff = local effect × the site's Amdahl bound: the model predicts the local effect (the
    /// site's own work), and the bound is the share of the run that work is.
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
        var advice = new List<SiteAdvice>();
        foreach (var site in sites)
        {
            var calleeShape = il.Callee(site.Callee);
            var flags = calleeShape?.Flags ?? methods.GetValueOrDefault(site.Callee)?.ImplFlags ?? MethodImplFlags.None;
            var attribute = MethodImplFlagsText.Describe(flags);
            var decision = ReportBuilder.DescribeDecision(site.Decision);
            double bound = profile.AmdahlBound(site);
            InlineAction candidate = InlineActions.ToTry(flags, site.Decision.Outcome);
            SiteAdvice Make(InlineAction action, EvidenceKind ev, string pay, IReadOnlyList<PredictedEffect> pred, string reason, string? split = null) =>
                new(0, site, bound, attribute, decision, action, candidate, ev, pay, pred, reason, split);

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
                advice.Add(FromExperiment(site, bound, attribute, decision, e));
                continue;
            }
            if (bound < options.MinBound)
            {
                advice.Add(Make(InlineAction.Leave, EvidenceKind.None, "-", [],
                    $"leave it: nothing here can matter (bound {Percent.Share(bound)} < {Percent.Share(options.MinBound)} of CPU)"));
                continue;
            }
            var reasonClass = InlineReasons.Classify(site.Decision.Reason);
            if (site.Decision.Reason == InlineReasons.TierZeroOnly)
            {
                advice.Add(Make(InlineAction.Leave, EvidenceKind.None, "-", [], $"{decision}: no flag changes inlining in unoptimized code"));
                continue;
            }
            if ((flags & MethodImplFlags.AggressiveInlining) != 0 && site.Decision.Outcome == InlineOutcome.NotInlined)
            {
                advice.Add(Make(InlineAction.Remove, EvidenceKind.None, "-", [],
                    $"{decision} despite AggressiveInlining: the attribute does nothing here (the JIT's own decision event)"));
                continue;
            }
            if (InlineReasons.NoFlagChanges(site.Decision) is { } unliftable)
            {
                advice.Add(Make(InlineAction.Leave, EvidenceKind.None, "-", [],
                    $"{decision}: no flag changes a refusal for \"{unliftable}\""));
                continue;
            }
            string? split = SplitHint(profile, site, calleeShape, reasonClass);
            if (payoff is null)
            {
                advice.Add(Make(InlineAction.Leave, EvidenceKind.None, "-", [], "no measurement and no model: measure it with `advisor experiment`", split));
                continue;
            }
            var features = FeatureBuilder.Build(profile, site, candidate, calleeShape, il.Site(site.Caller, site.Callee, site.IlOffset));
            var preds = Targets.All.Select(t => (t, p: payoff.Predict(t, candidate, features))).ToList();
            var (rt, rlo, rhi, _) = preds.First(x => x.t == TargetKind.Runtime).p;
            var (code, _, _, _) = preds.First(x => x.t == TargetKind.CodeBytes).p;
            var (jit, _, _, _) = preds.First(x => x.t == TargetKind.JitMs).p;
            // App level: exp(local × bound) − 1 (a local log ratio scaled by the share of the run it applies to).
            double App(double local) => Math.Exp(local * bound) - 1;
            var predicted = preds.Select(x => x.t is TargetKind.Runtime or TargetKind.Cpu
                ? new PredictedEffect(Targets.Name(x.t), "app ratio − 1", App(x.p.Value), App(x.p.Low), App(x.p.High))
                : new PredictedEffect(Targets.Name(x.t), Targets.Unit(x.t), x.p.Value, x.p.Low, x.p.High)).ToList();
            string text = I($"{InlineActions.Text(candidate)}: {Pct(App(rt))} [{Pct(App(rlo))}, {Pct(App(rhi))}] runtime, Tier1 code {code:+0;-0;0} B, JIT {jit:+0.00;-0.00;0.00} ms (predicted)");
            InlineAction action;
            string reason;
            if (candidate == InlineAction.Remove)
            {
                // The most valuable finding in real libraries: an attribute whose inlining grows code and JIT time without a runtime gain.
                bool shrinks = code < 0 || jit < 0;
                (action, reason) = shrinks && App(rt) <= 0.005
                    ? (InlineAction.Remove, $"{attribute} predicted to cost code/JIT time without a runtime gain; {decision}")
                    : (InlineAction.Leave, $"{attribute} predicted to earn its keep or the prediction is unclear; measure it to be sure");
            }
            else if (App(rhi) < 0)
                (action, reason) = (candidate == InlineAction.Force ? InlineAction.Force : InlineAction.Block,
                    $"predicted faster with the whole 90% interval below zero; {decision}; confirm with `advisor experiment`");
            else
                (action, reason) = (InlineAction.Leave, $"{decision}; predicted payoff not clearly positive: trust the JIT, or measure it if the bound is large");
            advice.Add(Make(action, EvidenceKind.Predicted, text, predicted, reason, split));
        }
        var ranked = advice
            .OrderBy(a => a.Action == InlineAction.Leave && a.Evidence == EvidenceKind.None && a.Bound < options.MinBound ? 1 : 0)
            .ThenBy(a => a.Action == InlineAction.Leave ? 1 : 0)
            .ThenByDescending(a => a.Bound)
            .Take(options.Top)
            .Select((a, i) => a with { Rank = i + 1 }).ToList();
        return new AdviceReport(profile.Run, ranked, notes, modelPath);
    }

    static SiteAdvice FromExperiment(CallSite site, double bound, string attribute, string decision, ExperimentRecord e)
    {
        var action = e.Edits[0].Action;
        var code = e.Metrics.FirstOrDefault(x => x.Metric == Metrics.Tier1Code);
        string evidence = ReportBuilder.DescribeEvidence(e);
        InlineAction advice;
        string reason;
        // The same reading of the evidence as `advisor export` (MeasuredOutcome), so the two never disagree.
        if (MeasuredOutcome.Improves(e))
            (advice, reason) = (action switch { InlineAction.Force => InlineAction.Force, InlineAction.Block => InlineAction.Block, _ => InlineAction.Remove },
                $"measured: {e.DecidingMetric} better with the change");
        else if (action == InlineAction.Remove && MeasuredOutcome.CostsNothingAndShrinksCode(e))
            (advice, reason) = (InlineAction.Remove,
                I($"measured: no runtime effect shown, Tier1 code {Pct(code!.Effect)} without the {attribute}"));
        else
            (advice, reason) = (InlineAction.Leave, e.Verdict == ExperimentVerdict.Effect ? "measured: the change made it worse" : "measured: no clear gain from the change");
        return new SiteAdvice(0, site, bound, attribute, decision, advice, action, EvidenceKind.Measured, evidence, [], reason, null);
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
