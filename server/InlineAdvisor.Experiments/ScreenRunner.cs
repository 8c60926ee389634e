// Runs a screen: K flag changes measured together in a two-level design (Statistics.ScreeningDesign), one patched copy
// per design row, replicates in randomised order with mirror pairs adjacent, until every change has a verdict.
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Statistics;

namespace InlineAdvisor.Experiments;

/// <summary>One change screened: the flag change and the profiled sites it was chosen for.</summary>
public sealed record ScreenCandidatePlan(FlagChange Change, IReadOnlyList<CallSite> Sites);

public sealed record ScreenPlan
{
    public required string AppDir { get; init; }
    /// <summary>The workload; paths into <see cref="AppDir"/> (or "{app}") are pointed at each row's copy.</summary>
    public required IReadOnlyList<string> Command { get; init; }
    public required IReadOnlyList<ScreenCandidatePlan> Candidates { get; init; }
    public long? ProfileRunId { get; init; }
    /// <summary>Where the copies and per-run traces go; must not exist yet.</summary>
    public required string WorkDir { get; init; }
    public required ScreeningDesign Design { get; init; }
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromMinutes(30);
    public MetricSpec? Metric { get; init; }
    public bool DecideOnCpu { get; init; }
    /// <summary>The first run of every row is traced with the JIT's inlining events and checks the row's changes.</summary>
    public bool VerifyFlip { get; init; } = true;
    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Seeds the run order of the replicates (recorded in the notes, so a screen can be replayed).</summary>
    public int Seed { get; init; } = Environment.TickCount;
}

public sealed record ScreenProgress(string Phase, int Replicate, int MaxReplicates, ScreenDecision? Decision, TimeSpan Elapsed);

public sealed class ScreenRunner
{
    public Task<ScreenRecord> RunAsync(ScreenPlan plan, IProgress<ScreenProgress>? progress, CancellationToken cancel) =>
        Task.Run(() => Run(plan, progress, cancel));

    private static ScreenRecord Run(ScreenPlan plan, IProgress<ScreenProgress>? progress, CancellationToken cancel)
    {
        var design = plan.Design;
        if (design.Factors != plan.Candidates.Count) throw new ArgumentException("the design must have one factor per candidate");
        if (plan.Candidates.Select(c => c.Change.Method.NameKey).Distinct().Count() != plan.Candidates.Count)
            throw new ExperimentException("a screen changes each method once: the same method is listed twice");
        var started = DateTime.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var work = Path.GetFullPath(plan.WorkDir);
        if (Directory.Exists(work)) throw new ExperimentException($"{work} exists already");
        int rows = design.RowsPerReplicate;
        void Report(string phase, int replicate, ScreenDecision? d) => progress?.Report(new(phase, replicate, design.MaxReplicates, d, clock.Elapsed));

        // One copy per design row, patched with exactly that row's changes (the app itself is never touched).
        var commands = new IReadOnlyList<string>[rows];
        var patched = new IReadOnlyList<PatchedMethod>[rows];
        var notes = new List<string>();
        for (int row = 0; row < rows; row++)
        {
            Report($"copying and patching row {row + 1}/{rows}", 0, null);
            var dir = Path.Combine(work, $"row{row:00}");
            AppCopy.Copy(plan.AppDir, dir);
            var changes = design.ChangesIn(row).Select(f => plan.Candidates[f].Change).ToList();
            patched[row] = changes.Count == 0 ? [] : FlagPatcher.Patch(dir, changes);
            notes.AddRange(patched[row].SelectMany(p => p.Notes));
            commands[row] = AppCopy.Retarget(plan.Command, plan.AppDir, dir);
        }
        if (commands[0].SequenceEqual(plan.Command))
            throw new ExperimentException($"the command never names the app folder {plan.AppDir}: give the program's path inside it (e.g. `dotnet {Path.Combine(plan.AppDir, "App.dll")}`) or write {{app}} where it goes");
        Directory.CreateDirectory(Path.Combine(work, "traces"));
        notes = notes.Distinct().ToList();
        notes.Add($"run order seed {plan.Seed}");

        var meter = new ArmMeter(Path.Combine(work, "traces"), plan.Metric, plan.RunTimeout);
        ArmRun Measure(int row, int replicate) => meter.Measure(ScreenRecord.RowArm(row), commands[row], replicate, patchedCopy: patched[row].Count > 0, cancel);

        // Warm-up: every row once, discarded. With verification that run is traced with the JIT's inlining events instead,
        // and checks every change the row applies; the all-off row (an unmodified copy) gives each site's earlier decision.
        var traced = new RunProfile?[rows];
        RunProfile? before = null;
        try
        {
            int unmodified = Enumerable.Range(0, rows).First(r => patched[r].Count == 0);
            if (plan.VerifyFlip) before = meter.TracedProfile("verify-" + ScreenRecord.RowArm(unmodified), commands[unmodified], cancel);
            for (int row = 0; row < rows; row++)
            {
                if (!plan.VerifyFlip || patched[row].Count == 0)
                {
                    if (row != unmodified || !plan.VerifyFlip) { Report($"warm-up: row {row + 1}/{rows}", 0, null); Measure(row, -1); }
                    continue;
                }
                Report($"warm-up, verifying the JIT honours row {row + 1}/{rows}'s changes", 0, null);
                traced[row] = meter.TracedProfile("verify-" + ScreenRecord.RowArm(row), commands[row], cancel);
            }
        }
        catch (OperationCanceledException)
        {
            throw new ExperimentException("stopped before the first replicate: nothing was measured");
        }

        var random = new Random(plan.Seed);
        var runs = new List<ArmRun>();
        var deciding = DecidingValue(plan);
        ScreenDecision? decision = null;
        for (int replicate = 0; !cancel.IsCancellationRequested; replicate++)
        {
            var order = design.RunOrder(random);
            var results = new List<ArmRun>(rows);
            try
            {
                foreach (var row in order)
                {
                    Report($"replicate {replicate + 1}: run {results.Count + 1}/{rows}", replicate, decision);
                    results.Add(Measure(row, replicate));
                }
            }
            catch (OperationCanceledException)
            {
                break;   // Ctrl-C: the finished replicates stand; this partial one is dropped
            }
            runs.AddRange(results);
            var logs = ReplicateLogs(runs, rows, deciding);
            if (logs.Count == 0) throw new ExperimentException($"the deciding metric ({DecidingName(plan)}) was not measured in the runs");
            decision = design.Decide(logs, decision);
            Report("measuring", replicate + 1, decision);
            if (decision.Done || clock.Elapsed > plan.TimeBudget) break;
        }
        if (decision is null) throw new ExperimentException("stopped before the first replicate finished: nothing was measured");
        if (!decision.Done)
            notes.Add(cancel.IsCancellationRequested ? $"stopped by the user after {decision.Replicates} replicates" : $"time budget ({plan.TimeBudget.TotalMinutes:0} min) spent after {decision.Replicates} replicates");
        if (decision.Pairs < design.Sequential.MinPairs)
            notes.Add($"stopped before the first look ({design.FirstLookReplicates} replicates): no change has a verdict");

        var candidates = plan.Candidates.Select((c, f) =>
        {
            var rowsOn = Enumerable.Range(0, rows).Where(r => design.On(r, f)).ToList();
            var edit = patched[rowsOn[0]].Single(p => p.Method.NameKey == c.Change.Method.NameKey);
            var estimate = decision.Factors[f];
            return new ScreenCandidate(new FlagEdit(edit.Method, c.Change.Action, edit.Before, edit.After), c.Sites,
                ExperimentRunner.Stored(estimate.Verdict),
                estimate.Verdict == Verdict.Futile, estimate.DecidedAtPairs, Effects(runs, plan, design, decision, f, rowsOn),
                plan.VerifyFlip ? Flip(rowsOn, traced, before, edit) : null);
        }).ToList();

        return new ScreenRecord
        {
            ProfileRunId = plan.ProfileRunId,
            StartedUtc = started,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            AppDir = Path.GetFullPath(plan.AppDir),
            Command = string.Join(' ', plan.Command),
            DecidingMetric = DecidingName(plan),
            Epsilon = design.Sequential.Epsilon,
            Order = design.Order,
            Replicates = decision.Replicates,
            Candidates = candidates,
            Design = Enumerable.Range(0, rows).Select(r => design.ChangesIn(r)).ToList(),
            Interactions = design.Interactions(ReplicateLogs(runs, rows, deciding)).Select(i =>
                new ScreenInteraction(i.Pairs.Select(p => new CandidatePair(p.A, p.B)).ToList(), i.NonAdditivity.Estimate, i.NonAdditivity.Lower, i.NonAdditivity.Upper, i.Detected)).ToList(),
            RuntimeConfig = RuntimeSettings.Describe(),
            Machine = $"{Environment.MachineName}, {Environment.ProcessorCount} cores",
            Counters = meter.Counters,
            Notes = notes,
            Runs = runs,
        };
    }

    /// <summary>The candidate's flip check: its method's sites in every row that applies it (each row's traced warm-up).</summary>
    private static FlipCheck Flip(IReadOnlyList<int> rowsOn, RunProfile?[] traced, RunProfile? before, PatchedMethod edit)
    {
        int sites = 0, honoured = 0;
        var details = new List<string>();
        foreach (var row in rowsOn)
        {
            if (traced[row] is not { } after) { details.Add($"row {row}: its traced run produced no trace: the flip could not be checked"); continue; }
            var check = ArmMeter.CheckFlip(before, after, [edit], $"row {row}: ");
            (sites, honoured) = (sites + check.Sites, honoured + check.Honoured);
            details.AddRange(check.Details);
        }
        return new FlipCheck(sites, honoured, details);
    }

    private static Func<ArmRun, double?> DecidingValue(ScreenPlan plan) => ArmMeter.Deciding(plan.Metric, plan.DecideOnCpu).Value;

    private static string DecidingName(ScreenPlan plan) => ArmMeter.Deciding(plan.Metric, plan.DecideOnCpu).Name;

    /// <summary>Per complete replicate, the log of one metric for every row; replicates missing a value are left out.</summary>
    private static List<double[]> ReplicateLogs(IReadOnlyList<ArmRun> runs, int rows, Func<ArmRun, double?> value)
    {
        var result = new List<double[]>();
        foreach (var replicate in runs.Where(r => r.Round >= 0).GroupBy(r => r.Round).OrderBy(g => g.Key))
        {
            var logs = new double[rows];
            bool complete = true;
            for (int row = 0; row < rows && complete; row++)
            {
                var v = replicate.SingleOrDefault(r => r.Arm == ScreenRecord.RowArm(row)) is { } run ? value(run) : null;
                if (v is > 0) logs[row] = Math.Log(v.Value); else complete = false;
            }
            if (complete) result.Add(logs);
        }
        return result;
    }

    /// <summary>
    /// Every metric's main effect for candidate <paramref name="factor"/>. The deciding metric's interval is the one its
    /// verdict used (the deciding look's); the others are fixed-n 95% intervals, descriptive.
    /// </summary>
    private static IReadOnlyList<MetricEffect> Effects(IReadOnlyList<ArmRun> runs, ScreenPlan plan, ScreeningDesign design, ScreenDecision decision, int factor, IReadOnlyList<int> rowsOn)
    {
        var on = rowsOn.Select(ScreenRecord.RowArm).ToHashSet();
        var result = new List<MetricEffect>();
        foreach (var (name, unit, lower, value) in ArmMeter.Metrics(plan.Metric))
        {
            var logs = ReplicateLogs(runs, design.RowsPerReplicate, value);
            if (logs.Count == 0) continue;
            var est = design.MainEffects(logs, out _);
            RelativeInterval effect, control;
            if (name == DecidingName(plan) && logs.Count == decision.Replicates)
                (effect, control) = (decision.Factors[factor].Effect, decision.Control);
            else
                (effect, control) = (est[design.ColumnOf(factor)].Interval(), est[ScreeningDesign.ControlColumn].Interval());
            var measured = runs.Where(r => r.Round >= 0 && value(r) is > 0).ToList();
            result.Add(new MetricEffect(name, unit, lower, logs.Count * design.Order,
                Median(measured.Where(r => !on.Contains(r.Arm)).Select(r => value(r)!.Value)), Median(measured.Where(r => on.Contains(r.Arm)).Select(r => value(r)!.Value)),
                effect.Estimate, effect.Lower, effect.Upper, control.Estimate, control.Lower, control.Upper));
        }
        return result;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
