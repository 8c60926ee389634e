// Runs an A/B experiment: baseline, patched variant and an unmodified control copy, interleaved until the statistics decide.
using System.Globalization;
using System.Text.RegularExpressions;
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Statistics;
using InlineAdvisor.Tracing;

namespace InlineAdvisor.Experiments;

/// <summary>A number the workload prints (e.g. a steady-state throughput), read by a regex's first group.</summary>
public sealed record MetricSpec(string Pattern, bool HigherIsBetter)
{
    public Regex Regex { get; } = new(Pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant);
}

public sealed record ExperimentPlan
{
    public required string AppDir { get; init; }
    /// <summary>The workload; paths into <see cref="AppDir"/> (or "{app}") are pointed at each arm's copy.</summary>
    public required IReadOnlyList<string> Command { get; init; }
    public required IReadOnlyList<FlagChange> Changes { get; init; }
    public IReadOnlyList<CallSite> Sites { get; init; } = [];
    public long? ProfileRunId { get; init; }
    /// <summary>Where the copies and per-run traces go; must not exist yet.</summary>
    public required string WorkDir { get; init; }
    public int Warmups { get; init; } = 1;
    public SequentialDesign Design { get; init; } = new();
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>A number the workload prints; when given, it decides.</summary>
    public MetricSpec? Metric { get; init; }
    /// <summary>Without a metric: decide on CPU time (user+sys) instead of wall time. CPU time does not see the
    /// machine's other load or the wait for the trace session, and it counts the JIT's background work.</summary>
    public bool DecideOnCpu { get; init; }
    public bool VerifyFlip { get; init; } = true;
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

public sealed record ExperimentProgress(string Phase, int Round, int MaxRounds, SequentialDecision? Decision, TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>The experiment cannot go on (an arm fails, the metric is missing); the message is for the user.</summary>
public sealed class ExperimentException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class ExperimentRunner
{
    private const string Baseline = "A", Variant = "B", Control = "C";

    /// <summary>
    /// Arms run B A C in even rounds and C A B in odd ones: each A/B and A/C pair is adjacent in time, and
    /// which arm goes first alternates, so a drift of machine speed falls on both sides alike. The copies
    /// A and C are byte-identical: C vs A shows what "no change" measures as here (the A/A control).
    /// </summary>
    public Task<ExperimentRecord> RunAsync(ExperimentPlan plan, IProgress<ExperimentProgress>? progress, CancellationToken cancel) =>
        Task.Run(() => Run(plan, progress, cancel));

    // Every run blocks on its process; the work runs off the caller's thread as a whole.
    private static ExperimentRecord Run(ExperimentPlan plan, IProgress<ExperimentProgress>? progress, CancellationToken cancel)
    {
        var started = DateTime.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var work = Path.GetFullPath(plan.WorkDir);
        if (Directory.Exists(work)) throw new ExperimentException($"{work} exists already");
        var dirs = new Dictionary<string, string> { [Baseline] = Path.Combine(work, "A"), [Variant] = Path.Combine(work, "B"), [Control] = Path.Combine(work, "C") };
        progress?.Report(new("copying the app", 0, plan.Design.MaxPairs, null, clock.Elapsed, null));
        foreach (var dir in dirs.Values) AppCopy.Copy(plan.AppDir, dir);
        Directory.CreateDirectory(Path.Combine(work, "traces"));
        var patched = FlagPatcher.Patch(dirs[Variant], plan.Changes);
        var commands = dirs.ToDictionary(d => d.Key, d => AppCopy.Retarget(plan.Command, plan.AppDir, d.Value));
        if (commands[Variant].SequenceEqual(plan.Command))
            throw new ExperimentException($"the command never names the app folder {plan.AppDir}: give the program's path inside it (e.g. `dotnet {Path.Combine(plan.AppDir, "App.dll")}`) or write {{app}} where it goes");

        var notes = patched.SelectMany(p => p.Notes).Distinct().ToList();
        var runs = new List<ArmRun>();

        var meter = new ArmMeter(Path.Combine(work, "traces"), plan.Metric, plan.RunTimeout);
        ArmRun Measure(string arm, int round) => meter.Measure(arm, commands[arm], round, patchedCopy: arm == Variant, cancel);

        FlipCheck? flip = null;
        try
        {
            for (int w = 0; w < plan.Warmups; w++)
                foreach (var arm in new[] { Variant, Baseline, Control })
                {
                    progress?.Report(new($"warm-up {w + 1}/{plan.Warmups}: {arm}", 0, plan.Design.MaxPairs, null, clock.Elapsed, null));
                    Measure(arm, -1 - w);
                }
            if (plan.VerifyFlip)
            {
                progress?.Report(new("verifying the JIT honours the change", 0, plan.Design.MaxPairs, null, clock.Elapsed, null));
                var before = meter.TracedProfile("verify-" + Baseline, commands[Baseline], cancel);
                var after = meter.TracedProfile("verify-" + Variant, commands[Variant], cancel);
                flip = after is null ? new FlipCheck(0, 0, ["the variant's traced run produced no trace: the flip could not be checked"])
                    : ArmMeter.CheckFlip(before, after, patched);
            }
        }
        catch (OperationCanceledException)
        {
            throw new ExperimentException("stopped before the first round: nothing was measured");
        }

        SequentialDecision? decision = null;
        var roundSeconds = new List<double>();
        for (int round = 0; !cancel.IsCancellationRequested; round++)
        {
            var roundStart = clock.Elapsed;
            var order = round % 2 == 0 ? new[] { Variant, Baseline, Control } : [Control, Baseline, Variant];
            var results = new List<ArmRun>();
            try
            {
                foreach (var arm in order) results.Add(Measure(arm, round));
            }
            catch (OperationCanceledException)
            {
                break;   // Ctrl-C: the finished rounds stand; this partial one is dropped
            }
            runs.AddRange(results);
            roundSeconds.Add((clock.Elapsed - roundStart).TotalSeconds);
            var (effect, control) = Pairs(runs, DecidingValue(plan));
            decision = plan.Design.Decide(effect, control);
            var remaining = TimeSpan.FromSeconds(roundSeconds.Average() * (plan.Design.MaxPairs - decision.N));
            progress?.Report(new("measuring", decision.N, plan.Design.MaxPairs, decision, clock.Elapsed, remaining));
            if (decision.Verdict != Verdict.Continue || clock.Elapsed > plan.TimeBudget) break;
        }
        if (decision is null) throw new ExperimentException("stopped before the first round finished: nothing was measured");
        if (decision.Verdict == Verdict.Continue)
            notes.Add(cancel.IsCancellationRequested ? $"stopped by the user after {decision.N} rounds" : $"time budget ({plan.TimeBudget.TotalMinutes:0} min) spent after {decision.N} rounds");
        // Futility is stored as "not resolved" (the store's verdicts stay three), with its reason as the note.
        if (decision.Verdict == Verdict.Futile)
            notes.Add(FutilityNote(plan.Design, decision.N));

        return new ExperimentRecord
        {
            ProfileRunId = plan.ProfileRunId,
            StartedUtc = started,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            AppDir = Path.GetFullPath(plan.AppDir),
            Command = string.Join(' ', plan.Command),
            Sites = plan.Sites,
            Edits = patched.Select(p => new FlagEdit(p.Method, plan.Changes.First(c => c.Method.NameKey == p.Method.NameKey).Action, p.Before, p.After)).ToList(),
            Verdict = Stored(decision.Verdict),
            DecidingMetric = DecidingName(plan),
            Pairs = decision.N,
            Epsilon = plan.Design.Epsilon,
            Metrics = Effects(runs, plan, decision),
            Flip = flip,
            RuntimeConfig = RuntimeSettings.Describe(),
            Machine = $"{System.Environment.MachineName}, {System.Environment.ProcessorCount} cores",
            Counters = meter.Counters,
            Notes = notes,
            Runs = runs,
        };
    }

    /// <summary>The verdict as the store keeps it: three verdicts; a futility stop (or Continue at a stop) is "not resolved".</summary>
    internal static ExperimentVerdict Stored(Verdict verdict) => verdict switch
    {
        Verdict.Effect => ExperimentVerdict.Effect,
        Verdict.NoEffect => ExperimentVerdict.NoEffect,
        _ => ExperimentVerdict.NotResolved,
    };

    /// <summary>The note of a futility stop; its text starts with <see cref="SequentialDecision.FutilityReason"/>.</summary>
    public static string FutilityNote(SequentialDesign design, int n) => string.Create(CultureInfo.InvariantCulture,
        $"{SequentialDecision.FutilityReason(design.Epsilon)}: stopped for futility at n={n} of {design.MaxPairs} (an effect of ±{design.Delta:0.#%} is ruled out at β = {design.FutilityBeta:0.##})");

    private static Func<ArmRun, double?> DecidingValue(ExperimentPlan plan) => ArmMeter.Deciding(plan.Metric, plan.DecideOnCpu).Value;

    private static string DecidingName(ExperimentPlan plan) => ArmMeter.Deciding(plan.Metric, plan.DecideOnCpu).Name;

    /// <summary>Per round: (A, B) and (A, C) values of one metric; rounds where a value is missing or not positive are left out.</summary>
    private static (List<(double A, double B)> Effect, List<(double A, double C)> Control) Pairs(IReadOnlyList<ArmRun> runs, Func<ArmRun, double?> value)
    {
        var effect = new List<(double, double)>();
        var control = new List<(double, double)>();
        foreach (var round in runs.Where(r => r.Round >= 0).GroupBy(r => r.Round).OrderBy(g => g.Key))
        {
            double? a = value(round.Single(r => r.Arm == Baseline)), b = value(round.Single(r => r.Arm == Variant)), c = value(round.Single(r => r.Arm == Control));
            if (a is > 0 && b is > 0 && c is > 0) { effect.Add((a.Value, b.Value)); control.Add((a.Value, c.Value)); }
        }
        return (effect, control);
    }

    /// <summary>
    /// Every metric with the same pairing. The deciding metric carries the sequential design's critical
    /// value (its interval is the one the verdict used); the others get fixed-n 95% t intervals, which
    /// are descriptive: they did not steer the stopping.
    /// </summary>
    private static IReadOnlyList<MetricEffect> Effects(IReadOnlyList<ArmRun> runs, ExperimentPlan plan, SequentialDecision decision)
    {
        var result = new List<MetricEffect>();
        foreach (var (name, unit, lower, value) in ArmMeter.Metrics(plan.Metric))
        {
            var (effect, control) = Pairs(runs, value);
            if (effect.Count < 2) continue;
            var e = PairedLogRatio.From(effect);
            var c = PairedLogRatio.From(control);
            bool deciding = name == DecidingName(plan);
            var ei = deciding ? e.IntervalAt(decision.CriticalValue) : e.Interval();
            var ci = deciding ? c.IntervalAt(decision.CriticalValue) : c.Interval();
            result.Add(new MetricEffect(name, unit, lower, e.N, e.MedianFirst, e.MedianSecond, ei.Estimate, ei.Lower, ei.Upper, ci.Estimate, ci.Lower, ci.Upper));
        }
        return result;
    }
}
