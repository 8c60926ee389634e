// `advisor advise`: ranked recommendations per call site (measured evidence first, labelled predictions otherwise), rendered from one AdviceReport.
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
        var minBound = new Option<double>("--min-bound") { Description = "Bound (fraction of CPU samples) below which a site is left alone.", DefaultValueFactory = _ => 0.01 };
        var json = new Option<bool>("--json") { Description = "Write the same content as JSON to stdout." };
        var top = new Option<int>("--top", "-t") { Description = "How many sites to show.", DefaultValueFactory = _ => 20 };
        var cmd = new Command("advise", """
            Recommend per call site: force, block, remove the attribute, or leave it — with the expected payoff, MEASURED
            where an experiment exists and PREDICTED (with a 90% interval) otherwise, the Amdahl bound and the reason.
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
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("#", "advice", "bound", "caller → callee", "JIT decision", "attribute", "payoff", "why");
        foreach (var a in report.Sites)
            table.AddRow(a.Rank.ToString(), a.ActionText, Percent.Share(a.Bound),
                Common.Escape($"{a.Site.Caller.Display} → {a.Site.Callee.Display}") + (a.Site.IlOffset >= 0 ? $" @IL_{a.Site.IlOffset:x4}" : ""),
                Common.Escape(a.Decision), a.ExistingAttribute.Length > 0 ? a.ExistingAttribute : "-", Common.Escape(a.Payoff),
                Common.Escape(a.Reason + (a.Split is { } sp ? " · " + sp : "")));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]payoff: (measured, experiment N) comes from an A/B experiment at the site; (predicted) from the model, 90% interval, " +
            "app-level runtime = local effect × bound (Amdahl). bound: share of CPU samples through the site.[/]");
    }
}
