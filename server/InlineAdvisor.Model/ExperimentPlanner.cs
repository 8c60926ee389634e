// Which experiments to run first: the planner behind `advisor experiment --top K` and `--method`. Inlining removes call
// overhead and enables optimizations at the call site, so its headroom grows with the number of calls and shrinks with
// the callee's own work per call: a per-batch call with most of the samples inside the callee has little, a per-element
// call in a loop has much. Sites no flag can change are never planned.
using System.Globalization;
using InlineAdvisor.Core;

namespace InlineAdvisor.Model;

/// <summary>
/// One planned experiment: the callee's flag change, the sites of the profile it changes (the flag is the method's:
/// every call of it), and the estimated headroom (a share of the run's samples) with how it was estimated.
/// </summary>
public sealed record PlannedExperiment(MethodIdentity Callee, InlineAction Action, IReadOnlyList<CallSite> Sites, double Share, double Headroom, string Why);

/// <summary>A site left out, and why (shown so the user sees nothing was skipped silently).</summary>
public sealed record SkippedSite(CallSite Site, string Why);

public sealed record PlanResult(IReadOnlyList<PlannedExperiment> Chosen, IReadOnlyList<SkippedSite> Skipped);

public static class ExperimentPlanner
{
    /// <summary>
    /// What one call costs beyond the callee's work (call and return, argument moves, the spills around the call: a few
    /// ns on current x64), and what one IL byte of straight-line callee work costs. Ranking heuristics: only the order
    /// they give is used, and each plan line says how its estimate was made.
    /// </summary>
    public const double CallOverheadSeconds = 5e-9, SecondsPerIlByte = 0.25e-9;

    /// <summary>The share of a call that is overhead when the callee (or what it calls) loops: its work per call is large.</summary>
    internal const double LoopingCallee = 0.02;

    /// <summary>
    /// The JIT's ALWAYS_INLINE_SIZE (inline.h): a callee of at most this many IL bytes is inlined because its body is
    /// about the size of the call. Blocking such an inline adds the call and saves no code, so nothing can pay.
    /// </summary>
    public const int AlwaysInlineIlSize = 16;

    internal static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The K sites with the most headroom, one experiment per callee (its flag applies to every call), among the sites
    /// whose callee is in the app's assemblies, whose share is at least <paramref name="minShare"/>, and whose decision
    /// a flag can change (InlineReasons.NoFlagChanges: the one rule `advise` and the editor use too).
    /// </summary>
    public static PlanResult Top(RunProfile profile, ILFeatureReader il, int k, InlineAction? forced, double minShare = 0.01)
    {
        var headroom = new HeadroomEstimate(profile, il);
        var skipped = new List<SkippedSite>();
        var scored = new List<PlannedExperiment>();
        foreach (var site in profile.Sites.OrderByDescending(s => s.TotalSamples))
        {
            double share = profile.AmdahlBound(site);
            if (share < minShare) break;
            if (il.Find(site.Callee) is null) { skipped.Add(new(site, "the callee is not in the app's assemblies")); continue; }
            if (InlineReasons.NoFlagChanges(site.Decision) is { } why) { skipped.Add(new(site, $"no flag changes a refusal for '{why}'")); continue; }
            var action = forced ?? ActionFor(site, profile);
            if (action == InlineAction.Block && site.Decision.Outcome == InlineOutcome.Inlined && headroom.Shape(site.Callee) is { IlSize: > 0 and <= AlwaysInlineIlSize } tiny)
            {
                skipped.Add(new(site, I($"blocking adds a call and saves no code: {tiny.IlSize} IL bytes is within the JIT's always-inline size ({AlwaysInlineIlSize})")));
                continue;
            }
            var (room, how) = headroom.Of(site);
            scored.Add(new(site.Callee, action, [site], share, room, how));
        }
        var ranked = scored.OrderByDescending(p => p.Headroom).ThenByDescending(p => p.Share).DistinctBy(p => p.Callee).ToList();
        var chosen = new List<PlannedExperiment>();
        foreach (var p in ranked)
        {
            if (chosen.Count == k) break;
            // A per-batch call (its callee loops over calls it makes) is never measured while a call made inside it is a
            // candidate: that call runs at least as often and holds the overhead a flag can remove.
            if (ranked.FirstOrDefault(q => q != p && headroom.Reaches(p.Callee, q.Sites[0].Caller)) is { } inner && headroom.Loops(p.Sites[0]))
            {
                skipped.Add(new(p.Sites[0], $"a per-batch call: its callee loops over calls such as {inner.Callee.Name}, a candidate that runs at least as often"));
                continue;
            }
            chosen.Add(p);
        }
        return new(chosen, skipped);
    }

    /// <summary>
    /// The experiment on one method, all its profiled sites together. Null with a one-line reason when the name
    /// matches no callee of the run, or several (the reason lists them).
    /// </summary>
    public static PlannedExperiment? Method(RunProfile profile, ILFeatureReader il, string name, InlineAction? forced, out string? error)
    {
        var methods = ReportBuilder.Methods(profile, s => il.Find(s.Callee) is not null);
        // An exact name (Name, Type.Name or the full display) wins over a part of one.
        var exact = methods.Where(m => m.Method.Name == name || $"{m.Method.Type}.{m.Method.Name}" == name || m.Method.Display == name).ToList();
        var matches = exact.Count > 0 ? exact : methods.Where(m => m.Method.Display.Contains(name, StringComparison.Ordinal)).ToList();
        if (matches.Count != 1)
        {
            error = matches.Count == 0
                ? $"no profiled callee in the app's assemblies is named '{name}' (see `advisor report`)"
                : $"'{name}' names {matches.Count} methods: {string.Join("; ", matches.Take(5).Select(m => m.Method.Display))}{(matches.Count > 5 ? "; …" : "")} — give the type too";
            return null;
        }
        var row = matches[0];
        if (Changeable(row).FirstOrDefault() is not { } first)
        {
            error = $"no flag changes the JIT's decision at any of the {row.Sites.Count} profiled site(s) of {row.Method.Display} ({ReportBuilder.DescribeDecision(row.Sites[0].Decision)})";
            return null;
        }
        error = null;
        return new(row.Method, forced ?? ActionFor(first, profile), row.Sites, row.SummedShare, new HeadroomEstimate(profile, il).Of(row),
            I($"{row.Sites.Count} profiled site(s), {Percent.Share(row.SummedShare)} of samples through them"));
    }

    /// <summary>
    /// The screen's candidates worth confirming with an ordinary experiment, best first: a gain on the deciding metric
    /// clear of the control, or an attribute removal with no effect beyond ±ε whose Tier1 code shrinks (what advice
    /// would take from an ordinary experiment). A screen ranks; only the confirming experiment can become advice.
    /// </summary>
    public static IReadOnlyList<ScreenCandidate> ToConfirm(ScreenRecord screen)
    {
        double? Gain(ScreenCandidate c)
        {
            if (c.Metrics.FirstOrDefault(m => m.Metric == screen.DecidingMetric) is not { } d) return null;
            bool gain = c.Verdict == ExperimentVerdict.Effect && (d.LowerIsBetter ? d.High < 0 : d.Low > 0);
            bool freeShrink = c.Verdict == ExperimentVerdict.NoEffect && c.Edit.Action == InlineAction.Remove
                && c.Metrics.FirstOrDefault(m => m.Metric == Metrics.Tier1Code) is { High: < 0 };
            return gain ? Math.Abs(d.Effect) : freeShrink ? 0 : null;
        }
        return screen.Candidates.Select(c => (c, Gain: Gain(c))).Where(x => x.Gain is not null).OrderByDescending(x => x.Gain).Select(x => x.c).ToList();
    }

    /// <summary>The command that measures one flag change of a method at all its sites (what a candidate line tells the user to run).</summary>
    public static string MethodCommand(MethodIdentity method, InlineAction action) =>
        $"advisor experiment --method {method.Type}.{method.Name} --action {InlineActions.Text(action)}";

    /// <summary>A method's sites whose decision a flag can change (InlineReasons.NoFlagChanges), hottest first.</summary>
    public static IEnumerable<CallSite> Changeable(MethodRow method) => method.Sites.Where(s => InlineReasons.NoFlagChanges(s.Decision) is null);

    /// <summary>The change to try when none is given: remove an existing attribute, force a refused call, block an inlined one.</summary>
    public static InlineAction ActionFor(CallSite site, RunProfile profile) =>
        InlineActions.ToTry(profile.Methods.FirstOrDefault(m => m.Method == site.Callee)?.ImplFlags ?? MethodImplFlags.None, site.Decision.Outcome);
}

/// <summary>
/// The share of the run a change of a call could plausibly move: the site's share × the part of each call that is
/// overhead, overhead / (overhead + work per call). Work per call comes from the callee's shape: large when it, or a
/// callee holding most of its time, loops; otherwise its IL size. (Dynamic-PGO counts cover only the instrumented phase
/// of a method, not the run, so they are shown, not used: measured, 2.2M counted calls of a 1.2 s run's per-byte call
/// gave 350 ns a call.) One estimate per profile: the sites by caller and each callee's IL shape are read once.
/// </summary>
public sealed class HeadroomEstimate(RunProfile profile, ILFeatureReader il)
{
    readonly ILookup<MethodIdentity, CallSite> _byCaller = profile.Sites.ToLookup(s => s.Caller);
    readonly Dictionary<MethodIdentity, CalleeShape?> _shapes = [];

    /// <summary>The callee's IL shape, decoded once per method (ILFeatureReader.Callee decodes on every call).</summary>
    public CalleeShape? Shape(MethodIdentity m) => _shapes.TryGetValue(m, out var s) ? s : _shapes[m] = il.Callee(m);

    public (double Headroom, string How) Of(CallSite site) => Of(site, depth: 4);

    (double Headroom, string How) Of(CallSite site, int depth)
    {
        double share = profile.AmdahlBound(site);
        string counted = site.PgoCount is { } calls ? ExperimentPlanner.I($"; {calls:N0} calls in the PGO phase") : "";
        if (Loops(site, depth: 3))
        {
            double room = share * ExperimentPlanner.LoopingCallee;
            // A per-batch call: each call of the callee runs its loop, so its hottest inner call is made at least as often
            // as the call itself and has at least its call overhead to gain. The per-batch site ranks below that site.
            var hottest = _byCaller[site.Callee].Where(inner => inner.Callee != site.Callee).MaxBy(inner => inner.TotalSamples);
            if (depth > 0 && hottest is not null && Of(hottest, depth - 1).Headroom / 2 is var inner && inner < room)
                return (inner, ExperimentPlanner.I($"the callee loops (much work per call) and calls {hottest.Callee.Name} at least as often as it is called: half that site's headroom{counted}"));
            return (room, $"the callee or what it calls loops: much work per call{counted}");
        }
        int ilBytes = Shape(site.Callee)?.IlSize ?? 0;
        double fraction = ExperimentPlanner.CallOverheadSeconds / (ExperimentPlanner.CallOverheadSeconds + ilBytes * ExperimentPlanner.SecondsPerIlByte);
        return (share * fraction, ExperimentPlanner.I($"a loop-free callee of {ilBytes} IL bytes: ~{fraction:P0} of each call is overhead{counted}"));
    }

    /// <summary>A method's headroom: the sum over its sites a flag can change.</summary>
    public double Of(MethodRow method) => ExperimentPlanner.Changeable(method).Sum(s => Of(s).Headroom);

    /// <summary>Whether the callee loops, or calls (in a site holding half or more of this site's samples) something that does: the per-batch shape.</summary>
    public bool Loops(CallSite site) => Loops(site, depth: 3);

    /// <summary>Whether <paramref name="to"/> is <paramref name="from"/> or is called from it within a few levels of the profile's sites.</summary>
    public bool Reaches(MethodIdentity from, MethodIdentity to, int depth = 4) =>
        from == to || depth > 0 && _byCaller[from].Any(s => s.Callee != from && Reaches(s.Callee, to, depth - 1));

    bool Loops(CallSite site, int depth)
    {
        if (Shape(site.Callee) is { Loops: > 0 }) return true;
        if (depth == 0) return false;
        return _byCaller[site.Callee].Any(inner => inner.Callee != site.Callee && inner.TotalSamples * 2 >= site.TotalSamples && Loops(inner, depth - 1));
    }
}
