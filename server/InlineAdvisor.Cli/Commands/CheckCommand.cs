// `advisor check`: does the advice still hold for this build? Applied, not stale, and (optionally) still paying.
using System.CommandLine;
using System.Globalization;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Experiments;
using InlineAdvisor.Statistics;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class CheckCommand
{
    public static Command Create()
    {
        var adviceFile = new Argument<string>("advice") { Description = "The advice file." };
        var workload = new Argument<string[]>("workload") { Description = "With --verify, the workload after `--`; paths into --assemblies (or {app}) run against each copy.", Arity = ArgumentArity.ZeroOrMore };
        var assemblies = new Option<string>("--assemblies") { Description = "The build output folder the advice was applied to (read only).", Required = true, HelpName = "dir" };
        var verify = new Option<bool>("--verify") { Description = "Re-measure the applied advice on the workload: fail when undoing it now measurably improves the deciding metric." };
        var maxPairs = new Option<int>("--max-pairs") { Description = "With --verify: budget of rounds (each runs as-built, advice-undone and an A/A control once). Small for CI.", DefaultValueFactory = _ => 20 };
        var decideCpu = new Option<bool>("--decide-on-cpu") { Description = "With --verify: decide on CPU time (user+sys) rather than wall time; far less noisy on shared CI machines." };
        var epsilon = new Option<double>("--epsilon") { Description = "With --verify: effects within ± this many percent count as no effect.", DefaultValueFactory = _ => 1.0 };
        var budget = new Option<string>("--budget") { Description = "With --verify: time budget (e.g. 10m).", DefaultValueFactory = _ => "15m", HelpName = "time" };
        var cmd = new Command("check", """
            Check that an advice file holds for a build: every recommended method is still there with the same
            signature (else the advice is stale) and its flags are as advised (else it was not applied). Reads only.

            --verify -- <workload> re-measures the applied advice with the experiment runner: the build as it is
            (A, advice applied) against a copy with the advice undone (B) and an unmodified copy (C, the A/A
            control), interleaved as `advisor experiment` does. "Undone" means back to the JIT's own choice: force
            and block are removed (the advisor only proposes them for methods without an attribute); a `remove`
            cannot be undone, because the advice file does not record which attribute it took away, and is not
            re-measured. All undone methods change together in B: the verdict is about the advice as a whole.
            The check fails when undoing the advice measurably improves the deciding metric (the applied change now
            regresses: B better than A with the interval clear of zero and of the control). "No effect" and "not
            resolved" (the budget ran out: --max-pairs, default 20 for CI) pass, and say so.

              advisor check inline-advice.json --assemblies bin/Release/net10.0
              advisor check inline-advice.json --assemblies out --verify --decide-on-cpu -- dotnet out/App.dll --bench

            Exit codes: 0 all applied and current (and not regressed), 1 stale, not applied or regressed, 2 a wrong
            command line.
            """) { adviceFile, workload, assemblies, verify, maxPairs, decideCpu, epsilon, budget };

        cmd.SetAction(async (parse, cancel) =>
        {
            var dir = parse.GetValue(assemblies)!;
            var command = parse.GetValue(workload) ?? [];
            bool measure = parse.GetValue(verify);
            if (!Directory.Exists(dir)) return Common.Fail($"--assemblies: no folder {dir}", ExitCode.Usage);
            if (measure && command.Length == 0) return Common.Fail("--verify: give the workload after `--` (see advisor check --help)", ExitCode.Usage);
            if (!measure && command.Length > 0) return Common.Fail($"unexpected '{command[0]}': a workload is only run with --verify", ExitCode.Usage);
            if (parse.GetValue(maxPairs) < 10) return Common.Fail("--max-pairs must be at least 10", ExitCode.Usage);
            if (Common.ParseDuration(parse.GetValue(budget)!) is not { } timeBudget) return Common.Fail($"--budget: cannot read '{parse.GetValue(budget)}'", ExitCode.Usage);

            AdviceFile advice;
            IReadOnlyList<ApplyOutcome> outcomes;
            try
            {
                advice = AdviceJson.Read(parse.GetValue(adviceFile)!);
                outcomes = AssemblyApplier.Check(advice, dir);
            }
            catch (Exception e) when (e is AdviceException or IOException or UnauthorizedAccessException)
            {
                return Common.Fail(e.Message);
            }
            ApplyCommand.Render(outcomes, check: true);
            var bad = outcomes.Where(o => o.Status != ApplyStatus.AlreadyApplied).ToList();
            if (bad.Count > 0)
            {
                var kinds = bad.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {ApplyCommand.StatusText(g.Key, check: true)}");
                var list = string.Join("; ", bad.Select(o => $"{o.Recommendation.Method.Display} ({ApplyCommand.StatusText(o.Status, check: true)})"));
                var hints = new List<string>();
                if (bad.Any(o => o.IsStale)) hints.Add("export fresh advice for this code");
                if (bad.Any(o => o.Status == ApplyStatus.NotApplied)) hints.Add("run `advisor apply` (or build with InlineAdviceFile set)");
                var hint = string.Join("; ", hints);
                return Common.Fail($"{bad.Count} of {outcomes.Count} recommendation(s) do not hold ({string.Join(", ", kinds)}): {list}; {hint}" +
                    (measure ? "; nothing was measured" : ""));
            }
            AnsiConsole.MarkupLine($"all {outcomes.Count} recommendation(s) are applied and current");
            if (!measure) return (int)ExitCode.Ok;
            return await VerifyAsync(outcomes, dir, command, parse.GetValue(maxPairs), parse.GetValue(decideCpu), parse.GetValue(epsilon) / 100, timeBudget, cancel);
        });
        return cmd;
    }

    private static async Task<int> VerifyAsync(IReadOnlyList<ApplyOutcome> outcomes, string dir, IReadOnlyList<string> command, int maxPairs, bool decideOnCpu,
        double epsilon, TimeSpan timeBudget, CancellationToken cancel)
    {
        var undoable = outcomes.Where(o => o.Recommendation.Action != InlineAction.Remove).Select(o => o.Recommendation).ToList();
        foreach (var o in outcomes.Where(o => o.Recommendation.Action == InlineAction.Remove))
            AnsiConsole.MarkupLine($"[grey]not re-measured: {Common.Escape(o.Recommendation.Method.Display)} (remove: the advice does not record which attribute it took away)[/]");
        if (undoable.Count == 0)
        {
            AnsiConsole.MarkupLine("[yellow]nothing to re-measure: every recommendation removes an attribute[/]");
            return (int)ExitCode.Ok;
        }
        AnsiConsole.MarkupLine($"[bold]re-measuring {undoable.Count} applied recommendation(s)[/]: as built (A) vs advice undone (B) vs unchanged copy (C), at most {maxPairs} rounds");
        var work = Directory.CreateTempSubdirectory("inline-advisor-check-").FullName;
        ExperimentRecord record;
        try
        {
            using var interruption = new Interruption(cancel, "finishing with the rounds measured so far");
            var plan = new ExperimentPlan
            {
                AppDir = dir, Command = command, WorkDir = Path.Combine(work, "run"),
                Changes = undoable.Select(r => new FlagChange(r.Method, InlineAction.Remove)).ToList(),
                Warmups = 1, VerifyFlip = false, DecideOnCpu = decideOnCpu, TimeBudget = timeBudget,
                Design = new SequentialDesign(Epsilon: epsilon, MaxPairs: maxPairs),
            };
            record = await AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: maxPairs);
                    var progress = new Progress<ExperimentProgress>(p =>
                    {
                        task.Value = p.Round;
                        task.Description = Common.Escape(p.Decision is { } d ? $"n={d.N}: undone vs as built {d.Effect}" : p.Phase);
                    });
                    return await Task.Run(() => new ExperimentRunner().RunAsync(plan, progress, interruption.Token));
                });
        }
        catch (Exception e) when (e is ExperimentException or PatchException)
        {
            return Common.Fail("--verify: " + e.Message);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }

        var m = record.Metrics.FirstOrDefault(x => x.Metric == record.DecidingMetric);
        if (m is null) return Common.Fail($"--verify: stopped after {record.Pairs} round(s), too few to say anything");
        var undone = $"{Percent.Signed(m.Effect)} [{Percent.Signed(m.Low)}, {Percent.Signed(m.High)}]";
        var control = $"{Percent.Signed(m.ControlEffect)} [{Percent.Signed(m.ControlLow)}, {Percent.Signed(m.ControlHigh)}]";
        // The advice's own effect now (with vs without) is the inverse ratio of B/A.
        var advised = $"{Percent.Signed(Inverse(m.Effect))} [{Percent.Signed(Inverse(m.High))}, {Percent.Signed(Inverse(m.Low))}]";
        AnsiConsole.MarkupLine(Common.Escape($"{m.Metric}, n={m.N}: undoing the advice {undone}; the advice itself now {advised}; A/A control {control}"));
        foreach (var r in undoable.Where(r => r.Evidence is { Kind: "measured", Effect: not null }))
            AnsiConsole.MarkupLine($"[grey]{Common.Escape($"  when advised: {r.Method.Display} {r.Evidence.Metric} {Percent.Signed(r.Evidence.Effect!.Value)} [{Percent.Signed(r.Evidence.Low ?? 0)}, {Percent.Signed(r.Evidence.High ?? 0)}] at n={r.Evidence.N}")}[/]");
        foreach (var n in record.Notes) AnsiConsole.MarkupLine($"[yellow]note: {Common.Escape(n)}[/]");

        // The experiment's change is undoing the advice: if that change improves the metric, the advice now regresses it.
        switch (record.Verdict)
        {
            case ExperimentVerdict.Effect when MeasuredOutcome.Improves(record):
                return Common.Fail($"--verify: the applied advice now regresses {m.Metric}: undoing it changes it by {undone} at n={m.N}, clear of the A/A control {control}; drop or re-measure these recommendations");
            case ExperimentVerdict.Effect:
                AnsiConsole.MarkupLine($"[green]holds: undoing the advice costs {Common.Escape(undone)}[/]");
                break;
            case ExperimentVerdict.NoEffect:
                AnsiConsole.MarkupLine($"no effect larger than ±{epsilon * 100:0.#}%: the advice neither pays nor costs measurably on this workload now");
                break;
            default:
                AnsiConsole.MarkupLine($"[yellow]not resolved at n={record.Pairs}: no regression shown, none excluded (raise --max-pairs, or --decide-on-cpu)[/]");
                break;
        }
        return (int)ExitCode.Ok;
    }

    private static double Inverse(double relative) => 1 / (1 + relative) - 1;
}
