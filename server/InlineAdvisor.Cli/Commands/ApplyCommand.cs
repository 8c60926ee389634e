// `advisor apply`: put an advice file into effect — patch the built assemblies' flags, or edit the source.
using System.CommandLine;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class ApplyCommand
{
    public static Command Create()
    {
        var adviceFile = new Argument<string>("advice") { Description = "The advice file (`advisor export` writes it; read as untrusted input)." };
        var assemblies = new Option<string?>("--assemblies")
        {
            Description = "The build output folder: patch the advised methods' MethodImpl flags in its assemblies (X.dll directly in it), in place.",
            HelpName = "dir",
        };
        var source = new Option<string?>("--source") { Description = "The source folder: add, change or remove [MethodImpl] attributes with Roslyn instead.", HelpName = "dir" };
        var strict = new Option<bool>("--strict") { Description = "With --assemblies: if any recommendation is stale (method gone, signature changed), write nothing and exit 1." };
        var cmd = new Command("apply", """
            Apply an advice file. With --assemblies, each advised method's inlining flags are patched in the built
            assemblies (only those methods; nothing else in the file changes). Each assembly is replaced atomically:
            a patched temp copy beside it is verified (it loads, the flags read back as advised, no other byte
            differs) and then renamed over the original, so a build folder never holds a half-written assembly,
            even if this process is killed. Methods already as advised are left alone (apply twice = apply once).
            Stale recommendations (the method is gone, or its signature changed) are reported and skipped, or,
            with --strict, nothing is written and the exit code is 1.
            Apply only sets what the file lists: dropping a recommendation later does not restore that method's
            flags in an output folder already patched; rebuild (the MSBuild targets apply the advice to the fresh
            compiler output of every build, so there the folder always matches the current file).
            With --source, the same advice becomes [MethodImpl] edits in the C# files under the folder.

              advisor apply inline-advice.json --assemblies bin/Release/net10.0
              advisor apply inline-advice.json --assemblies out --strict
              advisor apply inline-advice.json --source src/MyApp

            Exit codes: 0 done (stale ones skipped), 1 stale with --strict or a failure (nothing half-written),
            2 a wrong command line.
            """) { adviceFile, assemblies, source, strict };

        cmd.SetAction(parse =>
        {
            var dir = parse.GetValue(assemblies);
            var src = parse.GetValue(source);
            if ((dir is null) == (src is null)) return Common.Fail("give exactly one of --assemblies <build output> or --source <source folder>", ExitCode.Usage);
            if (src is not null && parse.GetValue(strict))
                return Common.Fail("--strict works with --assemblies (source edits are reviewed as a diff; stale ones are listed)", ExitCode.Usage);
            var folder = dir ?? src!;
            if (!Directory.Exists(folder)) return Common.Fail($"{(dir is not null ? "--assemblies" : "--source")}: no folder {folder}", ExitCode.Usage);

            AdviceFile advice;
            try { advice = AdviceJson.Read(parse.GetValue(adviceFile)!); }
            catch (AdviceException e) { return Common.Fail(e.Message); }

            IReadOnlyList<ApplyOutcome> outcomes;
            try
            {
                if (dir is not null)
                {
                    outcomes = AssemblyApplier.Apply(advice, dir, parse.GetValue(strict),
                        removed => AnsiConsole.MarkupLine($"[grey]removed {Common.Escape(Path.GetFileName(removed))}, left by an apply that was killed[/]"));
                }
                else outcomes = SourceApplier.Apply(advice, src!);
            }
            catch (Exception e) when (e is AdviceException or IOException or UnauthorizedAccessException)
            {
                return Common.Fail(e.Message);
            }

            Render(outcomes, check: false);
            WarnStale(outcomes);
            int stale = outcomes.Count(o => o.IsStale);
            if (parse.GetValue(strict) && stale > 0)
                return Common.Fail($"--strict: {stale} stale recommendation(s); nothing was written (export fresh advice, or drop --strict to skip them)");
            AnsiConsole.MarkupLine(Summary(outcomes));
            return (int)ExitCode.Ok;
        });
        return cmd;
    }

    /// <summary>One stderr line per stale recommendation, "advisor: warning: …": CI logs and the MSBuild targets show them as warnings.</summary>
    internal static void WarnStale(IReadOnlyList<ApplyOutcome> outcomes)
    {
        foreach (var o in outcomes.Where(o => o.IsStale))
            Console.Error.WriteLine($"advisor: warning: {o.Recommendation.Method} ({Action(o)}): {StatusText(o.Status, check: false)}: {o.Detail}");
    }

    internal static string Summary(IReadOnlyList<ApplyOutcome> outcomes)
    {
        var parts = outcomes.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {StatusText(g.Key, check: false)}").ToList();
        return Common.Escape($"{outcomes.Count} recommendation(s): {(parts.Count == 0 ? "nothing to do" : string.Join(", ", parts))}");
    }

    /// <summary>The table `apply` and `check` print: method, action, status, detail.</summary>
    internal static void Render(IReadOnlyList<ApplyOutcome> outcomes, bool check)
    {
        if (outcomes.Count == 0)
        {
            AnsiConsole.MarkupLine("the advice file has no recommendations");
            return;
        }
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("method", "action", "status", "detail");
        foreach (var o in outcomes)
        {
            var m = o.Recommendation.Method;
            var color = o.Status switch
            {
                ApplyStatus.Applied or ApplyStatus.AlreadyApplied => "green",
                ApplyStatus.NotApplied => check ? "red" : "yellow",
                _ => "red",
            };
            table.AddRow($"{Common.Escape(m.Display)} [grey]{Common.Escape(m.Signature)}[/]", Action(o),
                $"[{color}]{Common.Escape(StatusText(o.Status, check))}[/]", Common.Escape(o.Detail));
        }
        AnsiConsole.Write(table);
    }

    private static string Action(ApplyOutcome o) => o.Recommendation.Action.Text();

    internal static string StatusText(ApplyStatus status, bool check) => status switch
    {
        ApplyStatus.Applied => "applied",
        ApplyStatus.AlreadyApplied => check ? "ok" : "already applied",
        ApplyStatus.NotApplied => "not applied",
        ApplyStatus.Missing => "stale: missing",
        ApplyStatus.SignatureChanged => "stale: signature changed",
        _ => status.ToString(),
    };
}
