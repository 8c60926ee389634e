// One measured run of one copy of the app, and the flip check: shared by ordinary experiments and screens.
using System.Globalization;
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Tracing;

namespace InlineAdvisor.Experiments;

/// <summary>One metric of a run, as experiments and screens compare it.</summary>
internal sealed record RunMetric(string Name, string Unit, bool LowerIsBetter, Func<ArmRun, double?> Value);

/// <param name="traces">Folder for the per-run traces (each is deleted once read).</param>
internal sealed class ArmMeter(string traces, MetricSpec? metric, TimeSpan runTimeout)
{
    /// <summary>Every metric a run records, the workload's own --metric first when given.</summary>
    public static IReadOnlyList<RunMetric> Metrics(MetricSpec? metric)
    {
        var metrics = new List<RunMetric>();
        if (metric is { } m) metrics.Add(new($"metric /{m.Pattern}/", "", !m.HigherIsBetter, r => r.Metric));
        metrics.AddRange([
            new(Core.Metrics.Wall, "s", true, r => Core.Metrics.RunValue(r, Core.Metrics.Wall)),
            new(Core.Metrics.Cpu, "s", true, r => Core.Metrics.RunValue(r, Core.Metrics.Cpu)),
            new(Core.Metrics.TaskClock, "s", true, r => Core.Metrics.RunValue(r, Core.Metrics.TaskClock)),
            new(Core.Metrics.PeakRss, "bytes", true, r => Core.Metrics.RunValue(r, Core.Metrics.PeakRss)),
            new(Core.Metrics.JitTime, "ms", true, r => Core.Metrics.RunValue(r, Core.Metrics.JitTime)),
            new(Core.Metrics.Tier1Code, "bytes", true, r => Core.Metrics.RunValue(r, Core.Metrics.Tier1Code))]);
        return metrics;
    }

    /// <summary>The metric that decides: the workload's own number, else CPU time when asked, else wall time.</summary>
    public static RunMetric Deciding(MetricSpec? metric, bool decideOnCpu) =>
        metric is not null ? Metrics(metric)[0] : Metrics(null).First(m => m.Name == (decideOnCpu ? Core.Metrics.Cpu : Core.Metrics.Wall));

    /// <summary>Which counters the runs measured, or why hardware counters were not (set by every run).</summary>
    public string Counters { get; private set; } = "";

    /// <summary>
    /// Runs <paramref name="command"/> once, measured (wall, CPU, RSS, counters) and traced with the Jit keyword only (JIT
    /// time, Tier1 bytes). A failing run, a timeout or a missing --metric number ends the experiment with a message.
    /// </summary>
    /// <param name="patchedCopy">The copy carries flag edits: a failure there is blamed on the edit.</param>
    public ArmRun Measure(string arm, IReadOnlyList<string> command, int round, bool patchedCopy, CancellationToken cancel)
    {
        var trace = Path.Combine(traces, $"{arm.Replace(' ', '-')}.{round}.nettrace");
        RunMeasurement m;
        string? traced;
        try { (m, traced) = MeasureTraced(command, new TreeTracer(trace, Providers.JitCost()), runTimeout, cancel); }
        catch (WorkloadStartException e) { throw new ExperimentException(e.Message, e); }
        if (m.TimedOut) throw new ExperimentException($"arm {arm} ran longer than {runTimeout.TotalMinutes:0} min and was stopped");
        if (m.ExitCode != 0)
            throw new ExperimentException($"arm {arm} ({string.Join(' ', command)}) exited with code {m.ExitCode}" +
                (patchedCopy ? " — the patched copy fails where the original runs" : "") + $": {Tail(m.StandardError)}");
        double? value = null;
        if (metric is { } spec)
        {
            var match = spec.Regex.Match(m.StandardOutput);
            if (!match.Success || !double.TryParse(match.Groups[match.Groups.Count > 1 ? 1 : 0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                throw new ExperimentException($"--metric '{spec.Pattern}' found no number in arm {arm}'s output: {Tail(m.StandardOutput)}");
            value = v;
        }
        JitCost? jit = null;
        if (traced is not null)
        {
            try { jit = JitCost.Read(traced); } catch (TraceFormatException) { }
            File.Delete(traced);
        }
        Counters = m.Counters.HardwareUnavailable is { } why ? $"task-clock; {why}" : "task-clock, instructions, cycles, L1-icache misses, branch misses";
        return new ArmRun(arm, round, m.Wall.TotalSeconds, m.Cpu?.TotalSeconds, m.PeakRssBytes, m.Counters.TaskClock?.TotalSeconds, value, jit?.JitMilliseconds, jit?.Tier1CodeBytes);
    }

    /// <summary>One run traced with the JIT's inlining events, as a profile; null when the run failed or no trace came.</summary>
    public RunProfile? TracedProfile(string name, IReadOnlyList<string> command, CancellationToken cancel)
    {
        var trace = Path.Combine(traces, $"{name.Replace(' ', '-')}.nettrace");
        var (m, path) = MeasureTraced(command, new TreeTracer(trace, Providers.All(withSamples: false)), runTimeout, cancel);
        if (path is null || m.ExitCode != 0) return null;
        return TraceAnalyzer.Analyze(new RunInfo { Program = name, CommandLine = string.Join(' ', command), Mode = CollectMode.Launch, TracePath = path });
    }

    /// <summary>
    /// For every call site of an edited method in <paramref name="after"/> (the patched copy's traced run): did the JIT do
    /// what the edit asked? A forced inline the JIT still refuses is evidence too. <paramref name="before"/> (an unmodified
    /// copy's run) gives each site's earlier decision for the details.
    /// </summary>
    public static FlipCheck CheckFlip(RunProfile? before, RunProfile after, IReadOnlyList<PatchedMethod> patched, string detailPrefix = "")
    {
        int sites = 0, honoured = 0;
        var details = new List<string>();
        foreach (var p in patched)
        {
            foreach (var site in after.Sites.Where(s => s.Callee.NameKey == p.Method.NameKey && s.Decision.Outcome != InlineOutcome.Unknown))
            {
                sites++;
                var was = before?.Sites.FirstOrDefault(s => s.Caller.NameKey == site.Caller.NameKey && s.Callee.NameKey == site.Callee.NameKey && s.IlOffset == site.IlOffset)?.Decision;
                bool ok = p.After.HasFlag(MethodImplFlags.AggressiveInlining) ? site.Decision.Outcome == InlineOutcome.Inlined
                    : p.After.HasFlag(MethodImplFlags.NoInlining) ? site.Decision.Outcome == InlineOutcome.NotInlined
                    : !site.Decision.Reason.StartsWith("noinline per IL", StringComparison.Ordinal);   // attribute removed: the JIT is free
                if (ok) honoured++;
                var now = ReportBuilder.DescribeDecision(site.Decision);
                var then = was is null ? "no decision seen" : ReportBuilder.DescribeDecision(was);
                details.Add($"{detailPrefix}{site.Caller.Display} → {site.Callee.Display}{(site.IlOffset >= 0 ? $" @IL_{site.IlOffset:x4}" : "")}: {then} → {now}" +
                    (!ok && p.After.HasFlag(MethodImplFlags.AggressiveInlining) ? $" (forcing will not work here: {site.Decision.Reason})" : ""));
            }
        }
        if (sites == 0) details.Add($"{detailPrefix}no inlining decision about the edited method(s) was seen in the variant's run (were they called from optimized code?)");
        return new FlipCheck(sites, honoured, details);
    }

    /// <summary>One measured run with the tree's root traced from its first instruction; the trace is null when none came.</summary>
    private static (RunMeasurement Run, string? TracePath) MeasureTraced(IReadOnlyList<string> command, TreeTracer tracer, TimeSpan? timeout, CancellationToken cancel)
    {
        var run = ProcessMeter.Measure(new RunSpec
        {
            FileName = command[0], Arguments = command.Skip(1).ToList(), Timeout = timeout,
            Environment = tracer.Environment.ToDictionary(e => e.Key, e => (string?)e.Value), OnStarted = tracer.OnStarted,
        }, cancel);
        return (run, tracer.FinishAsync().GetAwaiter().GetResult());
    }

    private static string Tail(string text) => text.Length <= 400 ? text.Trim() : "…" + text[^400..].Trim();
}
