// `advisor advise`: measured advice, candidates worth measuring (labelled predictions) and sites to leave, rendered from one AdviceReport.
using System.CommandLine;
using System.Text.Json;
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class AdviseCommand
{
    public static Command Create()
    {
        var store = Common.StoreOption();
        var run = new Option<long?>("--run", "-r") { Description = "The run to advise on. Default: the latest run." };
        var app = new Option<string>("--app") { Description = "Folder of the app's built assemblies (IL features; only their methods get advice).", Required = true };
        var modelOpt = new Option<string?>("--model") { Description = "The model JSON. Default: the shipped models/inline-model.json found above the advisor." };
        var minBound = new Option<double>("--min-bound") { Description = "Share of CPU samples through a site (a fraction) below which it is left alone.", DefaultValueFactory = _ => 0.01 };
        var json = new Option<bool>("--json") { Description = "Write the same content as JSON to stdout." };
        var top = new Option<int>("--top", "-t") { Description = "How many sites to show.", DefaultValueFactory = _ => 20 };
        var cmd = new Command("advise", """
            Recommend per call site, in three parts:
              advice      what an experiment at the site MEASURED: force, block, remove the attribute, or leave it;
              candidates  changes worth measuring next, ranked by the model's PREDICTED payoff (90% interval) or the
                          JIT's own events; a prediction is never advice: `advisor experiment --site N` measures it;
              leave       sites too small to matter, that no flag changes, or with no predicted gain.
            Each line gives the share of CPU samples through the site, the JIT's decision and the reason.
            """) { store, run, app, modelOpt, minBound, json, top };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(top) <= 0) return Common.Fail("--top must be at least 1", ExitCode.Usage);
            if (!Directory.Exists(parse.GetValue(app))) return Common.Fail($"--app {parse.GetValue(app)} is not a folder");
            using var s = Common.OpenStore(parse.GetValue(store)!, out var error);
            if (s is null) return error;
            var info = parse.GetValue(run) is { } id ? s.ListRuns().FirstOrDefault(r => r.Id == id) : s.LatestRun();
            if (info is null) return Common.Fail($"no such run in {s.Path}: record one with `advisor collect -- <command>`");
            try
            {
                var modelPath = parse.GetValue(modelOpt) ?? ModelFile.FindDefault();
                var model = modelPath is null ? null : ModelFile.Load(modelPath);
                using var il = new ILFeatureReader(parse.GetValue(app)!);
                var report = Advisor.Advise(s.LoadRun(info.Id)!, new SiteEvidence(s.ListExperiments()).For, il, model, modelPath,
                    new AdviseOptions(parse.GetValue(minBound), parse.GetValue(top)));
                if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, ReportCommand.JsonOptions));
                else Render(report);
                return (int)ExitCode.Ok;
            }
            catch (ModelException e)
            {
                return Common.Fail(e.Message);
            }
        });
        return cmd;
    }

    static void Render(AdviceReport report)
    {
        AnsiConsole.MarkupLine($"[bold]run {report.Run.Id}[/] {Common.Escape(report.Run.Program)} · model: {Common.Escape(report.Model ?? "none")}");
        foreach (var n in report.Notes) AnsiConsole.MarkupLine($"[yellow]note: {Common.Escape(n)}[/]");
        if (report.Sites.Count == 0) { AnsiConsole.MarkupLine("no call sites into the app's own methods in this run"); return; }
        Section(report, AdviceStanding.Measured, "advice (measured at the site)", "no site has an experiment yet: the candidates below are what to measure first");
        Methods(report);
        Budget(report);
        Section(report, AdviceStanding.Candidate, "candidates worth measuring (predicted or from the JIT's events; not advice until measured)", "no candidates");
        Section(report, AdviceStanding.Leave, "leave", null);
        AnsiConsole.MarkupLine("[grey]payoff: (measured, experiment N) comes from an A/B experiment at the site; (predicted) from the model, 90% interval, " +
            "app-level runtime = local effect × share. share: of CPU samples through the site (inlining also changes the caller's own code around the call: not a limit).[/]");
    }

    static void Methods(AdviceReport report)
    {
        if (report.Methods.Count == 0) return;
        AnsiConsole.MarkupLine("[bold]methods with an inlining attribute (the attribute is the method's: its effect is the sum over all its sites)[/]");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("advice", "method", "attribute", "sites", "summed share", "payoff", "why");
        foreach (var m in report.Methods)
            table.AddRow(Common.Escape(m.Headline), Common.Escape(m.Method.Display), m.ExistingAttribute, m.Sites.ToString(), Percent.Share(m.SummedShare), Common.Escape(m.Payoff), Common.Escape(m.Reason));
        AnsiConsole.Write(table);
    }

    static void Budget(AdviceReport report)
    {
        if (report.Budget.Count == 0) return;
        AnsiConsole.MarkupLine("[bold]inline budget (hot methods that ran out of it after forced inlines of the app's methods)[/]");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("advice", "change", "payoff", "why");
        foreach (var b in report.Budget)
            table.AddRow(Common.Escape(b.Headline), Common.Escape(b.Change), Common.Escape(b.Payoff), Common.Escape(b.Reason));
        AnsiConsole.Write(table);
    }

    static void Section(AdviceReport report, AdviceStanding standing, string title, string? none)
    {
        var rows = report.Sites.Where(a => a.Standing == standing).ToList();
        if (rows.Count == 0)
        {
            if (none is not null) AnsiConsole.MarkupLine($"[bold]{Common.Escape(title)}[/]: {Common.Escape(none)}");
            return;
        }
        AnsiConsole.MarkupLine($"[bold]{Common.Escape(title)}[/]");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("#", "advice", "share", "caller → callee", "JIT decision", "attribute", "payoff", "why");
        foreach (var a in rows)
            table.AddRow(a.Rank.ToString(), Common.Escape(a.Headline), Percent.Share(a.Bound),
                Common.Escape($"{a.Site.Caller.Display} → {a.Site.Callee.Display}") + (a.Site.IlOffset >= 0 ? $" @IL_{a.Site.IlOffset:x4}" : ""),
                Common.Escape(a.Decision), a.ExistingAttribute.Length > 0 ? a.ExistingAttribute : "-", Common.Escape(a.Payoff),
                Common.Escape(a.Reason + (a.Split is { } sp ? " · " + sp : "")));
        AnsiConsole.Write(table);
    }
}
