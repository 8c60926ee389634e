// `advisor experiment`: measure what forcing, blocking or removing inlining at profiled sites really does.
using System.CommandLine;
using System.Globalization;
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using InlineAdvisor.Patching;
using InlineAdvisor.Experiments;
using InlineAdvisor.Statistics;
using InlineAdvisor.Store;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class ExperimentCommand
{
    public static Command Create()
    {
        var command = new Argument<string[]>("command") { Description = "The workload, after `--`; paths into --app (or {app}) run against each copy.", Arity = ArgumentArity.ZeroOrMore };
        var app = new Option<string>("--app") { Description = "The built application folder (never modified: experiments patch copies of it).", Required = true, HelpName = "dir" };
        var sites = new Option<int[]>("--site", "-s") { Description = "Site number(s) from `advisor report` to experiment on (one experiment each).", AllowMultipleArgumentsPerToken = true };
        var top = new Option<int>("--top") { Description = "Without --site or --method: the K sites with the most headroom (calls × per-call overhead, from the PGO counts) whose inlining a flag can change.", DefaultValueFactory = _ => 3 };
        var method = new Option<string[]>("--method", "-m") { Description = "Method(s) to experiment on, by name (Name, Type.Name or a part of the full name): the flag changes every call of it, all its profiled sites together.", AllowMultipleArgumentsPerToken = true, HelpName = "name" };
        var action = new Option<string?>("--action") { Description = "force, block or remove; default: chosen per site (remove an existing attribute, force a refused call, block an inlined one).", HelpName = "action" };
        var run = new Option<long?>("--run", "-r") { Description = "The profile run the sites come from (default: the latest)." };
        var metric = new Option<string?>("--metric") { Description = "Decide on a number the workload prints, by regex with one group (e.g. 'throughput: ([\\d.]+)'); default: wall time.", HelpName = "regex" };
        var lowerBetter = new Option<bool>("--lower-is-better") { Description = "The --metric is a cost (time, bytes), not a rate." };
        var decideCpu = new Option<bool>("--decide-on-cpu") { Description = "Without --metric: decide on CPU time (user+sys) rather than wall time; far less noisy on a shared machine, and it counts the JIT's background work." };
        var epsilon = new Option<double>("--epsilon") { Description = "Effects within ± this many percent count as no effect.", DefaultValueFactory = _ => 1.0 };
        var maxPairs = new Option<int>("--max-pairs") { Description = "Budget of rounds (each runs baseline, variant and control once).", DefaultValueFactory = _ => 60 };
        var budget = new Option<string>("--budget") { Description = "Time budget per experiment (e.g. 20m).", DefaultValueFactory = _ => "30m", HelpName = "time" };
        var warmup = new Option<int>("--warmup") { Description = "Discarded runs of each arm before measuring.", DefaultValueFactory = _ => 1 };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip the traced runs that check the JIT honours the change." };
        var together = new Option<bool>("--together") { Description = "Change all chosen sites' callees in ONE variant (one experiment), instead of one experiment per site." };
        var screen = new Option<bool>("--screen") { Description = "Screen the chosen changes (--top K or several --method) TOGETHER in a two-level factorial design: every run informs every change's estimate, so K changes cost about the runs of one experiment. Winners are then confirmed by ordinary experiments." };
        var noConfirm = new Option<bool>("--no-confirm") { Description = "With --screen: rank only; do not confirm the winners with ordinary experiments (a screen alone never becomes advice)." };
        var seed = new Option<int?>("--seed") { Description = "With --screen: the seed of the randomised run order (default: from the clock; the screen's notes record it)." };
        var store = Common.StoreOption();
        var cmd = new Command("experiment", """
            Measure the payoff of forcing, blocking or removing inlining at profiled call sites, on your own workload
            and runtime settings. Each experiment patches the callee's MethodImpl flags in a copy of the app (B),
            runs it against an unmodified copy (A) and a second unmodified copy (C, the A/A control), interleaved
            B A C / C A B, until the 95% interval of the change decides (sequential design), or the budget is spent.

              advisor experiment --app bin/Release/net10.0 -- dotnet bin/Release/net10.0/App.dll
              advisor experiment --app out --site 3 --metric 'throughput: ([\d.]+)' -- dotnet out/App.dll --bench
              advisor experiment --app out --method Reader.ReadInt32 --action remove --decide-on-cpu -- dotnet out/App.dll

            --screen measures K changes in one design (one patched copy per design row, 2m runs a replicate with m the
            power of two above K, randomised order, an unmodified control column), with the same sequential looks:
              advisor experiment --app out --screen --top 8 --decide-on-cpu -- dotnet out/App.dll
            """) { command, app, sites, method, top, action, run, metric, lowerBetter, decideCpu, epsilon, maxPairs, budget, warmup, noVerify, together, screen, noConfirm, seed, store };

        cmd.SetAction(async (parse, cancel) =>
        {
            var workload = parse.GetValue(command) ?? [];
            if (workload.Length == 0) return Common.Fail("give the workload after `--` (see advisor experiment --help)", ExitCode.Usage);
            var appDir = parse.GetValue(app)!;
            if (!Directory.Exists(appDir)) return Common.Fail($"--app: no folder {appDir}", ExitCode.Usage);
            if (Common.ParseDuration(parse.GetValue(budget)!) is not { } timeBudget) return Common.Fail($"--budget: cannot read '{parse.GetValue(budget)}'", ExitCode.Usage);
            InlineAction? forced = null;
            if (parse.GetValue(action) is { } a)
            {
                if (!InlineActions.TryParse(a, out var parsed) || parsed == InlineAction.Leave) return Common.Fail($"--action: '{a}' is not force, block or remove", ExitCode.Usage);
                forced = parsed;
            }
            MetricSpec? metricSpec = null;
            if (parse.GetValue(metric) is { } pattern)
            {
                try { metricSpec = new MetricSpec(pattern, !parse.GetValue(lowerBetter)); }
                catch (ArgumentException e) { return Common.Fail($"--metric: not a regular expression: {e.Message}", ExitCode.Usage); }
            }
            if (parse.GetValue(maxPairs) < 10) return Common.Fail("--max-pairs must be at least 10", ExitCode.Usage);
            if (parse.GetValue(screen) && parse.GetValue(together)) return Common.Fail("--screen and --together exclude each other: a screen measures every change apart, in one design", ExitCode.Usage);

            using var profileStore = Common.OpenStore(parse.GetValue(store)!, out var storeError);
            if (profileStore is null) return storeError;
            var info = parse.GetValue(run) is { } id ? profileStore.ListRuns().FirstOrDefault(r => r.Id == id) : profileStore.LatestRun();
            if (info is null) return Common.Fail("no profile to take sites from: run `advisor collect -- <command>` first");
            var profile = profileStore.LoadRun(info.Id)!;

            var chosen = new List<PlannedExperiment>();
            if (parse.GetValue(sites) is { Length: > 0 } ids)
            {
                foreach (var siteId in ids)
                {
                    var site = profile.Sites.FirstOrDefault(s => s.Id == siteId);
                    if (site is null) return Common.Fail($"run {info.Id} has no site {siteId} (see `advisor report --run {info.Id}`)");
                    chosen.Add(new(site.Callee, forced ?? ExperimentPlanner.ActionFor(site, profile), [site], profile.AmdahlBound(site), 0, "chosen by --site"));
                }
            }
            else
            {
                using var il = new ILFeatureReader(appDir);
                if (parse.GetValue(method) is { Length: > 0 } names)
                {
                    foreach (var name in names)
                    {
                        if (ExperimentPlanner.Method(profile, il, name, forced, out var why) is not { } planned) return Common.Fail($"--method: {why}");
                        chosen.Add(planned);
                    }
                }
                else
                {
                    var plan = ExperimentPlanner.Top(profile, il, parse.GetValue(top), forced);
                    foreach (var skip in plan.Skipped)
                        AnsiConsole.MarkupLine($"[grey]skipped site {skip.Site.Id} {Common.Escape(skip.Site.Caller.Display)} → {Common.Escape(skip.Site.Callee.Display)}: {Common.Escape(skip.Why)}[/]");
                    if (plan.Chosen.Count == 0) return Common.Fail($"no site of run {info.Id} in the app's own assemblies has a share of 1% or more and a decision a flag can change");
                    chosen.AddRange(plan.Chosen);
                }
            }

            // Ctrl-C: the running experiment ends after the rounds already finished, and is stored as such.
            using var interruption = new Interruption(cancel, "finishing with the rounds measured so far; they will be stored");
            var groups = parse.GetValue(together)
                ? [chosen.DistinctBy(c => c.Callee).ToList()]
                : chosen.Select(c => new List<PlannedExperiment> { c }).ToList();
            if (parse.GetValue(screen))
            {
                var candidates = chosen.DistinctBy(c => c.Callee.NameKey).ToList();
                if (candidates.Count < 2) return Common.Fail($"--screen needs at least two changes to screen (got {candidates.Count}); run an ordinary experiment instead", ExitCode.Usage);
                if (candidates.Count > ScreeningDesign.MaxFactors) return Common.Fail($"--screen takes at most {ScreeningDesign.MaxFactors} changes (got {candidates.Count})", ExitCode.Usage);
                var design = new ScreeningDesign(candidates.Count, budgetRuns: 3 * parse.GetValue(maxPairs), epsilon: parse.GetValue(epsilon) / 100);
                var screenPlan = new ScreenPlan
                {
                    AppDir = appDir, Command = workload, ProfileRunId = info.Id, Design = design,
                    Candidates = candidates.Select(c => new ScreenCandidatePlan(new FlagChange(c.Callee, c.Action), c.Sites)).ToList(),
                    WorkDir = Path.Combine(".inline-advisor", "experiments", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + $"-screen{candidates.Count}"),
                    Metric = metricSpec, DecideOnCpu = parse.GetValue(decideCpu), VerifyFlip = !parse.GetValue(noVerify), TimeBudget = timeBudget,
                    Seed = parse.GetValue(seed) ?? System.Environment.TickCount,
                };
                for (int k = 0; k < candidates.Count; k++)
                    AnsiConsole.MarkupLine($"[bold]{k + 1}. {InlineActions.Text(candidates[k].Action)} inlining of {Common.Escape(candidates[k].Callee.Display)}[/] ({candidates[k].Sites.Count} site(s), share {Percent.Share(candidates[k].Share)})");
                AnsiConsole.MarkupLine($"[grey]design: {candidates.Count} changes + a control column in {design.RowsPerReplicate} runs a replicate (foldover of a {design.Order}×{design.Order} Hadamard matrix, resolution IV); first look after {design.FirstLookReplicates} replicate(s), budget {design.MaxReplicates} ({design.MaxReplicates * design.RowsPerReplicate} runs{(design.MaxReplicates * design.RowsPerReplicate <= 3 * parse.GetValue(maxPairs) ? $", within the {3 * parse.GetValue(maxPairs)} of one experiment of {parse.GetValue(maxPairs)} rounds" : $": the first look needs more than the {3 * parse.GetValue(maxPairs)} runs of one experiment of {parse.GetValue(maxPairs)} rounds")})[/]");
                ScreenRecord result;
                try
                {
                    result = await AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
                        .StartAsync(async ctx =>
                        {
                            var task = ctx.AddTask("starting", maxValue: design.MaxReplicates);
                            var progress = new Progress<ScreenProgress>(p =>
                            {
                                task.Value = p.Replicate;
                                int open = p.Decision?.Factors.Count(f => f.Verdict == Verdict.Continue) ?? candidates.Count;
                                task.Description = Common.Escape(p.Decision is null ? p.Phase : $"{p.Phase}; {p.Decision.Replicates} replicate(s), {candidates.Count - open}/{candidates.Count} decided, control {p.Decision.Control}");
                            });
                            return await Task.Run(() => new ScreenRunner().RunAsync(screenPlan, progress, interruption.Token));
                        });
                }
                catch (Exception e) when (e is ExperimentException or PatchException)
                {
                    return Common.Fail(e.Message);
                }
                long screenId;
                try { screenId = profileStore.SaveScreen(result); }
                catch (StoreException e) { return Common.Fail(e.Message); }
                RenderScreen(result, screenId, result.Candidates.Select(c => c.Sites.Select(s => s.Caller).ToHashSet()).ToList());
                if (interruption.Token.IsCancellationRequested || parse.GetValue(noConfirm)) return (int)ExitCode.Ok;
                var confirm = ExperimentPlanner.ToConfirm(result);
                if (confirm.Count == 0) { AnsiConsole.MarkupLine("no winner to confirm: nothing to measure further."); return (int)ExitCode.Ok; }
                AnsiConsole.MarkupLine($"confirming {confirm.Count} winner(s) with ordinary experiments (a screen alone is never advice):");
                groups = confirm.Select(w => new List<PlannedExperiment> { candidates.First(c => c.Callee.NameKey == w.Edit.Method.NameKey) }).ToList();
            }
            foreach (var group in groups)
            {
                foreach (var p in group)
                    AnsiConsole.MarkupLine($"[bold]{InlineActions.Text(p.Action)} inlining of {Common.Escape(p.Callee.Display)}[/] ({(p.Sites.Count == 1 ? $"site {p.Sites[0].Id}, {Common.Escape(p.Sites[0].Caller.Display)} → callee" : $"{p.Sites.Count} sites")}, share {Percent.Share(p.Share)}" +
                        $"{(p.Headroom > 0 ? $", headroom ≈ {Percent.Share(p.Headroom)}: {Common.Escape(p.Why)}" : "")}; the flag applies to every call of the callee)");
                var plan = new ExperimentPlan
                {
                    AppDir = appDir, Command = workload, ProfileRunId = info.Id,
                    Changes = group.Select(g => new FlagChange(g.Callee, g.Action)).ToList(), Sites = group.SelectMany(g => g.Sites).ToList(),
                    WorkDir = Path.Combine(".inline-advisor", "experiments", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-site" + string.Join("-", group.Select(g => g.Sites[0].Id))),
                    Warmups = parse.GetValue(warmup), Metric = metricSpec, DecideOnCpu = parse.GetValue(decideCpu), VerifyFlip = !parse.GetValue(noVerify), TimeBudget = timeBudget,
                    Design = new SequentialDesign(Epsilon: parse.GetValue(epsilon) / 100, MaxPairs: parse.GetValue(maxPairs)),
                };
                ExperimentRecord record;
                try
                {
                    record = await AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                        .StartAsync(async ctx =>
                        {
                            var task = ctx.AddTask("starting", maxValue: plan.Design.MaxPairs);
                            var progress = new Progress<ExperimentProgress>(p =>
                            {
                                task.Value = p.Round;
                                task.Description = Common.Escape(p.Decision is not { } d ? p.Phase
                                    : d.N < plan.Design.MinPairs
                                        ? $"n={d.N}: B vs A {Percent.Signed(d.Effect.Estimate)}, control {Percent.Signed(d.Control?.Estimate)} (first look at n={plan.Design.MinPairs})"
                                        : $"n={d.N}: B vs A {d.Effect}, control {d.Control}");
                            });
                            return await Task.Run(() => new ExperimentRunner().RunAsync(plan, progress, interruption.Token));
                        });
                }
                catch (Exception e) when (e is ExperimentException or PatchException)
                {
                    return Common.Fail(e.Message);
                }
                long saved;
                try { saved = profileStore.SaveExperiment(record); }
                catch (StoreException e) { return Common.Fail(e.Message); }
                Render(record, saved);
                if (interruption.Token.IsCancellationRequested) break;
            }
            return (int)ExitCode.Ok;
        });
        return cmd;
    }

    internal static void Render(ExperimentRecord r, long id)
    {
        var verdict = r.Verdict switch
        {
            ExperimentVerdict.Effect => "[bold]effect[/]",
            ExperimentVerdict.NoEffect => $"no effect larger than ±{r.Epsilon * 100:0.#}%",
            _ => $"[yellow]not resolved at n={r.Pairs}{(r.Notes.FirstOrDefault(n => n.StartsWith(SequentialDecision.FutilityReason(r.Epsilon), StringComparison.Ordinal)) is not null ? ": " + Common.Escape(SequentialDecision.FutilityReason(r.Epsilon)) : "")}[/]",
        };
        AnsiConsole.MarkupLine($"experiment {id}: {verdict} on {Common.Escape(r.DecidingMetric)} after {r.Pairs} rounds ({r.Seconds:0} s)");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("metric", "baseline (median)", "variant (median)", "change B vs A [[95% CI]]", "A/A control [[95% CI]]", "n");
        foreach (var m in r.Metrics)
            table.AddRow(Common.Escape(m.Metric), Value(m.MedianBaseline, m.Unit), Value(m.MedianVariant, m.Unit),
                Common.Escape($"{Percent.Signed(m.Effect)} [{Percent.Signed(m.Low)}, {Percent.Signed(m.High)}]"), Common.Escape($"{Percent.Signed(m.ControlEffect)} [{Percent.Signed(m.ControlLow)}, {Percent.Signed(m.ControlHigh)}]"), m.N.ToString());
        AnsiConsole.Write(table);
        if (r.Flip is { } f)
        {
            AnsiConsole.MarkupLine(f.Verified ? $"flip verified at {f.Honoured}/{f.Sites} site(s)" : $"[yellow]flip not verified: {f.Honoured}/{f.Sites} site(s) honoured[/]");
            foreach (var d in f.Details) AnsiConsole.MarkupLine($"  [grey]{Common.Escape(d)}[/]");
        }
        AnsiConsole.MarkupLine($"[grey]counters: {Common.Escape(r.Counters)}. Intervals: t on per-round log ratios; the deciding metric's is the sequential design's (repeated 95% CI), the others fixed-n and descriptive.[/]");
        foreach (var n in r.Notes) AnsiConsole.MarkupLine($"[yellow]note: {Common.Escape(n)}[/]");
    }

    /// <param name="callers">Per candidate, the callers of its sites: interacting pairs that share one are the expected kind (a shared inline budget).</param>
    internal static void RenderScreen(ScreenRecord r, long id, IReadOnlyList<HashSet<MethodIdentity>> callers)
    {
        int runs = r.Runs.Count(x => x.Round >= 0);
        AnsiConsole.MarkupLine($"screen {id}: {r.Candidates.Count} changes, {r.Replicates} replicate(s) = {runs} runs ({runs / 3.0:0.#} rounds of an ordinary experiment), {r.Seconds:0} s; deciding metric {Common.Escape(r.DecidingMetric)}");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("#", "change", "verdict", "effect [[CI]]", "vs control [[CI]]", "Tier1 code", "JIT time", "flip");
        var interacting = r.Interactions.Where(x => x.Detected).SelectMany(x => x.Pairs).SelectMany(p => new[] { p.A, p.B }).ToHashSet();
        for (int k = 0; k < r.Candidates.Count; k++)
        {
            var c = r.Candidates[k];
            var d = c.Metrics.FirstOrDefault(m => m.Metric == r.DecidingMetric);
            string Change(string metric) => c.Metrics.FirstOrDefault(m => m.Metric == metric) is { } m ? $"{Percent.Signed(m.Effect)} [{Percent.Signed(m.Low)}, {Percent.Signed(m.High)}]" : "–";
            string verdict = c.Verdict switch
            {
                ExperimentVerdict.Effect => "effect",
                ExperimentVerdict.NoEffect => $"no effect > ±{r.Epsilon * 100:0.#}%",
                _ => c.Futile ? SequentialDecision.FutilityReason(r.Epsilon) : "not resolved",
            };
            // Its main effect is averaged over the others half applied; with an interaction that is not what it does alone.
            if (c.Verdict == ExperimentVerdict.Effect && interacting.Contains(k)) verdict += ", in an interaction";
            // The effect minus the control column's is what "clear of the control" tests; shown as a difference of the log effects.
            string vsControl = d is null ? "–" : Percent.Signed(Math.Exp(Math.Log(1 + d.Effect) - Math.Log(1 + d.ControlEffect)) - 1);
            table.AddRow((k + 1).ToString(CultureInfo.InvariantCulture), Common.Escape($"{InlineActions.Text(c.Edit.Action)} {c.Edit.Method.Display}"),
                Common.Escape(verdict + (c.DecidedAtPairs > 0 && (c.Verdict != ExperimentVerdict.NotResolved || c.Futile) ? $" (at {c.DecidedAtPairs} pairs)" : "")),
                Common.Escape(d is null ? "–" : $"{Percent.Signed(d.Effect)} [{Percent.Signed(d.Low)}, {Percent.Signed(d.High)}]"), Common.Escape(vsControl),
                Common.Escape(Change(Metrics.Tier1Code)), Common.Escape(Change(Metrics.JitTime)),
                c.Flip is { } f ? (f.Verified ? $"{f.Honoured}/{f.Sites}" : $"[yellow]{f.Honoured}/{f.Sites}[/]") : "not checked");
        }
        AnsiConsole.Write(table);
        if (r.Candidates.FirstOrDefault()?.Metrics.FirstOrDefault(m => m.Metric == r.DecidingMetric) is { } ctl)
            AnsiConsole.MarkupLine(Common.Escape($"A/A control (a design column no change is assigned to): {Percent.Signed(ctl.ControlEffect)} [{Percent.Signed(ctl.ControlLow)}, {Percent.Signed(ctl.ControlHigh)}]"));
        foreach (var x in r.Interactions.Where(x => x.Detected))
        {
            var pairs = x.Pairs.Select(p => $"{p.A + 1} × {p.B + 1}" + (callers[p.A].Overlaps(callers[p.B]) ? " (share a caller)" : ""));
            AnsiConsole.MarkupLine(Common.Escape($"interaction: {string.Join(" or ", pairs)}: together {Percent.Signed(x.Effect)} [{Percent.Signed(x.Low)}, {Percent.Signed(x.High)}] beyond the sum of their effects" +
                (x.Pairs.Count > 1 ? " (the design cannot tell these pairs apart)" : "")));
        }
        if (!r.Interactions.Any(x => x.Detected)) AnsiConsole.MarkupLine($"[grey]no interaction detected among {r.Interactions.Count} chain(s) the design resolves (Bonferroni 95%)[/]");
        AnsiConsole.MarkupLine("[grey]Effect: the change applied vs not, over every run (main effect, repeated 95% CI at the deciding look); other metrics fixed-n 95%, descriptive. A screen ranks; confirm a winner before acting on it.[/]");
        foreach (var n in r.Notes) AnsiConsole.MarkupLine($"[grey]note: {Common.Escape(n)}[/]");
    }

    private static string Value(double v, string unit) => unit switch
    {
        "s" => v.ToString("0.000", CultureInfo.InvariantCulture) + " s",
        "bytes" => v >= 1 << 20 ? (v / 1048576).ToString("0.0", CultureInfo.InvariantCulture) + " MB" : v.ToString("N0", CultureInfo.InvariantCulture) + " B",
        "ms" => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        _ => v.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
