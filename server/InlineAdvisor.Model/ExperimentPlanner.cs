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
    const double LoopingCallee = 0.02;

    static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The K sites with the most headroom, one experiment per callee (its flag applies to every call), among the sites
    /// whose callee is in the app's assemblies, whose share is at least <paramref name="minShare"/>, and whose decision
    /// a flag can change (InlineReasons.NoFlagChanges: the one rule `advise` and the editor use too).
    /// </summary>
    public static PlanResult Top(RunProfile profile, ILFeatureReader il, int k, InlineAction? forced, double minShare = 0.01)
    {
        var skipped = new List<SkippedSite>();
        var scored = new List<PlannedExperiment>();
        foreach (var site in profile.Sites.OrderByDescending(s => s.TotalSamples))
        {
            double share = profile.AmdahlBound(site);
            if (share < minShare) break;
            if (il.Find(site.Callee) is null) { skipped.Add(new(site, "the callee is not in the app's assemblies")); continue; }
            if (InlineReasons.NoFlagChanges(site.Decision) is { } why) { skipped.Add(new(site, $"no flag changes a refusal for '{why}'")); continue; }
            var (headroom, how) = Headroom(profile, site, il);
            scored.Add(new(site.Callee, forced ?? ActionFor(site, profile), [site], share, headroom, how));
        }
        var chosen = scored.OrderByDescending(p => p.Headroom).ThenByDescending(p => p.Share)
            .DistinctBy(p => p.Callee).Take(k).ToList();
        return new(chosen, skipped);
    }

    /// <summary>
    /// The experiment on one method, all its profiled sites together. Null with a one-line reason when the name
    /// matches no callee of the run, or several (the reason lists them).
    /// </summary>
    public static PlannedExperiment? Method(RunProfile profile, ILFeatureReader il, string name, InlineAction? forced, out string? error)
    {
        var callees = profile.Sites.Select(s => s.Callee).Distinct().Where(c => il.Find(c) is not null).ToList();
        // An exact name (Name, Type.Name or the full display) wins over a part of one.
        var exact = callees.Where(c => c.Name == name || $"{c.Type}.{c.Name}" == name || c.Display == name).ToList();
        var matches = exact.Count > 0 ? exact : callees.Where(c => c.Display.Contains(name, StringComparison.Ordinal)).ToList();
        if (matches.Count != 1)
        {
            error = matches.Count == 0
                ? $"no profiled callee in the app's assemblies is named '{name}' (see `advisor report`)"
                : $"'{name}' names {matches.Count} methods: {string.Join("; ", matches.Take(5).Select(m => m.Display))}{(matches.Count > 5 ? "; …" : "")} — give the type too";
            return null;
        }
        var method = matches[0];
        var sites = profile.Sites.Where(s => s.Callee == method).OrderByDescending(s => s.TotalSamples).ToList();
        var changeable = sites.Where(s => InlineReasons.NoFlagChanges(s.Decision) is null).ToList();
        if (changeable.Count == 0)
        {
            error = $"no flag changes the JIT's decision at any of the {sites.Count} profiled site(s) of {method.Display} ({ReportBuilder.DescribeDecision(sites[0].Decision)})";
            return null;
        }
        error = null;
        double share = Math.Min(1, sites.Sum(profile.AmdahlBound));
        double headroom = changeable.Sum(s => Headroom(profile, s, il).Headroom);
        return new(method, forced ?? ActionFor(changeable[0], profile), sites, share, headroom, I($"{sites.Count} profiled site(s), {Percent.Share(share)} of samples through them"));
    }

    /// <summary>The change to try when none is given: remove an existing attribute, force a refused call, block an inlined one.</summary>
    public static InlineAction ActionFor(CallSite site, RunProfile profile) =>
        InlineActions.ToTry(profile.Methods.FirstOrDefault(m => m.Method == site.Callee)?.ImplFlags ?? MethodImplFlags.None, site.Decision.Outcome);

    /// <summary>
    /// The share of the run a change of this call could plausibly move: the site's share × the part of each call that is
    /// overhead, overhead / (overhead + work per call). Work per call comes from the callee's shape: large when it, or a
    /// callee holding most of its time, loops; otherwise its IL size. (Dynamic-PGO counts cover only the instrumented
    /// phase of a method, not the run, so they are shown, not used: measured, 2.2M counted calls of a 1.2 s run's
    /// per-byte call gave 350 ns a call.)
    /// </summary>
    internal static (double Headroom, string How) Headroom(RunProfile profile, CallSite site, ILFeatureReader il)
    {
        var callee = il.Callee(site.Callee);
        double share = profile.AmdahlBound(site);
        string counted = site.PgoCount is { } calls ? I($"; {calls:N0} calls in the PGO phase") : "";
        if (Loops(profile, site, il, depth: 3))
            return (share * LoopingCallee, $"the callee or what it calls loops: much work per call{counted}");
        int ilBytes = callee?.IlSize ?? 0;
        double fraction = CallOverheadSeconds / (CallOverheadSeconds + ilBytes * SecondsPerIlByte);
        return (share * fraction, I($"a loop-free callee of {ilBytes} IL bytes: ~{fraction:P0} of each call is overhead{counted}"));
    }

    /// <summary>Whether the callee loops, or calls (in a site holding half or more of this site's samples) something that does.</summary>
    static bool Loops(RunProfile profile, CallSite site, ILFeatureReader il, int depth)
    {
        if (il.Callee(site.Callee) is { Loops: > 0 }) return true;
        if (depth == 0) return false;
        return profile.Sites.Any(inner => inner.Caller == site.Callee && inner.Callee != site.Callee && inner.TotalSamples * 2 >= site.TotalSamples
            && Loops(profile, inner, il, depth - 1));
    }
}
