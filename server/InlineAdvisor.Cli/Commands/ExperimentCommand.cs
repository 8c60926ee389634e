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
        var store = Common.StoreOption();
        var cmd = new Command("experiment", """
            Measure the payoff of forcing, blocking or removing inlining at profiled call sites, on your own workload
            and runtime settings. Each experiment patches the callee's MethodImpl flags in a copy of the app (B),
            runs it against an unmodified copy (A) and a second unmodified copy (C, the A/A control), interleaved
            B A C / C A B, until the 95% interval of the change decides (sequential design), or the budget is spent.

              advisor experiment --app bin/Release/net10.0 -- dotnet bin/Release/net10.0/App.dll
              advisor experiment --app out --site 3 --metric 'throughput: ([\d.]+)' -- dotnet out/App.dll --bench
              advisor experiment --app out --method Reader.ReadInt32 --action remove --decide-on-cpu -- dotnet out/App.dll
            """) { command, app, sites, method, top, action, run, metric, lowerBetter, decideCpu, epsilon, maxPairs, budget, warmup, noVerify, together, store };

        cmd.SetAction(async (parse, cancel) =>
        {
            var workload = parse.GetValue(command) ?? [];
            if (workload.Length == 0) return Common.Fail("give the workload after `--` (see advisor experiment --help)", ExitCode.Usage);
            var appDir = parse.GetValue(app)!;
            if (!Directory.Exists(appDir)) return Common.Fail($"--app: no folder {appDir}", ExitCode.Usage);
            if (CollectCommand.ParseDuration(parse.GetValue(budget)!) is not { } timeBudget) return Common.Fail($"--budget: cannot read '{parse.GetValue(budget)}'", ExitCode.Usage);
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

    private static string Value(double v, string unit) => unit switch
    {
        "s" => v.ToString("0.000", CultureInfo.InvariantCulture) + " s",
        "bytes" => v >= 1 << 20 ? (v / 1048576).ToString("0.0", CultureInfo.InvariantCulture) + " MB" : v.ToString("N0", CultureInfo.InvariantCulture) + " B",
        "ms" => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        _ => v.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
