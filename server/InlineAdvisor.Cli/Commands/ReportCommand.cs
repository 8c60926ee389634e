// `advisor report`: the top call sites of a stored run, as a table or JSON rendered from one ProfileReport.
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using InlineAdvisor.Core;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class ReportCommand
{
    public static Command Create()
    {
        var run = new Option<long?>("--run", "-r") { Description = "The run to report (see `advisor runs`). Default: the latest run." };
        var aggregate = new Option<bool>("--aggregate", "-a") { Description = "Combine every stored run of the same program with the same runtime settings." };
        var top = new Option<int>("--top", "-t") { Description = "How many call sites to show.", DefaultValueFactory = _ => 20 };
        var hot = new Option<double>("--hot") { Description = "Share of CPU samples through a site (%) from which it counts as hot.", DefaultValueFactory = _ => 1.0 };
        var json = new Option<bool>("--json") { Description = "Write the same content as JSON to stdout." };
        var screens = new Option<bool>("--screens") { Description = "The screens (`experiment --screen`) run on this profile: each candidate's effect with its interval, the A/A control, interactions." };
        var all = new Option<bool>("--all") { Description = "Also show calls from framework code to framework code (hidden by default: no flag of yours changes them)." };
        var methods = new Option<bool>("--methods") { Description = "One line per callee method over all its sites (an attribute is the method's: its whole effect is here), instead of per site." };
        var html = new Option<string?>("--html") { Description = "Write the whole report as one self-contained HTML file: every site (not --top), sortable tables, call-edge icicle, inline trees, budget, experiments, screens, calibration, advice." };
        var app = new Option<string?>("--app") { Description = "With --html: the folder of the app's built assemblies, for the advice and calibration panels (the model needs their IL)." };
        var model = new Option<string?>("--model") { Description = "With --html: the model JSON. Default: the shipped models/inline-model.json found above the advisor." };
        var store = Common.StoreOption();
        var cmd = new Command("report", """
            Show the hottest caller→callee call sites: the share of all CPU samples through the site (not a limit
            for inlining, which also changes the caller's own code around the call), the share of the caller's time,
            the source line, what the JIT decided and why, the callee's IL and native size, its attribute and its
            PGO count. --methods: per callee method instead, its sites summed, inlines and refusals by reason.
            --html FILE: all of it as one HTML page that fetches nothing.
            """) { run, aggregate, top, hot, json, all, methods, screens, html, app, model, store };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(top) <= 0) return Common.Fail("--top must be at least 1", ExitCode.Usage);
            using var profileStore = Common.OpenStore(parse.GetValue(store)!, out var storeError);
            if (profileStore is null) return storeError;
            var info = parse.GetValue(run) is { } id ? profileStore.ListRuns().FirstOrDefault(r => r.Id == id) : profileStore.LatestRun();
            if (info is null)
                return Common.Fail(parse.GetValue(run) is { } missing
                    ? $"no run {missing} in {profileStore.Path} (see `advisor runs`)"
                    : $"no runs in {profileStore.Path} yet: record one with `advisor collect -- <command>`");
            var profile = parse.GetValue(aggregate)
                ? profileStore.LoadAggregate(profileStore.RunsLike(info).Select(r => r.Id).ToList())
                : profileStore.LoadRun(info.Id)!;
            if (parse.GetValue(screens) && parse.GetValue(html) is null)   // the page has the screens too
            {
                var found = profileStore.ListScreens().Where(x => x.ProfileRunId == info.Id).ToList();
                if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { run = info.Id, screens = found }, JsonOptions));
                else if (found.Count == 0) AnsiConsole.MarkupLine($"no screens on run {info.Id}: run one with `advisor experiment --screen --top K --app <dir> -- <command>`");
                else foreach (var x in found) ExperimentCommand.RenderScreen(x, x.Id, x.Candidates.Select(c => c.Sites.Select(s => s.Caller).ToHashSet()).ToList());
                return (int)ExitCode.Ok;
            }
            var framework = FrameworkAssemblies();
            Func<CallSite, bool>? hide = parse.GetValue(all) ? null : site => framework.Contains(site.Caller.Assembly) && framework.Contains(site.Callee.Assembly);
            if (parse.GetValue(html) is { } htmlPath)
                return HtmlReportFile.Write(htmlPath, profileStore, info, profile, parse.GetValue(hot) / 100, hide, parse.GetValue(app), parse.GetValue(model));
            if (parse.GetValue(methods))
            {
                var rows = ReportBuilder.Methods(profile, site => parse.GetValue(all) || !framework.Contains(site.Callee.Assembly)).Take(parse.GetValue(top)).ToList();
                if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { run = profile.Run, methods = rows }, JsonOptions));
                else RenderMethods(profile.Run, rows);
                return (int)ExitCode.Ok;
            }
            // Measured evidence beside each site: the newest experiment on the same caller → callee, by identity.
            var evidence = new SiteEvidence(profileStore.ListExperiments());
            var report = ReportBuilder.Build(profile, parse.GetValue(top), parse.GetValue(hot) / 100,
                evidence.Newest,
                parse.GetValue(all) ? null : site => framework.Contains(site.Caller.Assembly) && framework.Contains(site.Callee.Assembly));
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
            else Render(report);
            return (int)ExitCode.Ok;
        });
        return cmd;
    }

    /// <summary>Assembly names of the shared framework this advisor runs on (System.*, Microsoft.*, CoreLib, …).</summary>
    private static HashSet<string> FrameworkAssemblies() =>
        Directory.EnumerateFiles(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
            .Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    static void RenderMethods(RunInfo run, IReadOnlyList<MethodRow> rows)
    {
        AnsiConsole.MarkupLine($"[bold]run {run.Id}[/] {Common.Escape(run.Program)} · callee methods over all their profiled sites");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("method", "attribute", "sites", "callers", "summed share", "inlined", "refused (by reason)", "no decision", "callers' JIT", "inlined code (est.)");
        foreach (var m in rows)
            table.AddRow(Common.Escape(m.Method.Display), m.ExistingAttribute.Length > 0 ? m.ExistingAttribute : "-", m.Sites.Count.ToString(), m.Callers.ToString(),
                Percent.Share(m.SummedShare), m.InlinedSites.ToString(),
                Common.Escape(m.RefusedByReason.Count == 0 ? "0" : string.Join("; ", m.RefusedByReason.OrderByDescending(r => r.Value).Select(r => $"{r.Value} {r.Key}"))),
                m.UndecidedSites.ToString(), string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{m.CallersJitMilliseconds:0.0} ms"),
                m.InlinedCodeBytes is { } b ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{b:N0} B") : "-");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]summed share: the shares of the method's sites added (a sample under two of them counts twice). " +
            "callers' JIT: the JIT time of its callers' optimized compiles, where its inlines are compiled (an upper bound on what its inlining costs the JIT). " +
            "inlined code (est.): the native bytes the IL-to-native maps give the statements where its calls were inlined, over the callers' optimized bodies " +
            "(with what it inlined in turn, and the statements' other code, so an upper estimate; calls inside other inlinees are not placed). Framework callees hidden unless --all.[/]");
    }

    /// <summary>The inline budget section: per method that ran out, what was refused and which forced inlinees came first.</summary>
    static void RenderBudget(IReadOnlyList<BudgetCase> cases)
    {
        if (cases.Count == 0) return;
        AnsiConsole.MarkupLine($"[bold]inline budget[/]: {cases.Count} method(s) whose compiles ran out of the JIT's inline budget (from the JIT's events, in its order)");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("compiled method", "share", "compiles", "inlined before the first refusal", "forced inlinees before it (AggressiveInlining, IL bytes)", "refused for budget (share at the call)");
        foreach (var c in cases.Take(10))
            table.AddRow(Common.Escape(c.Compiled.Display), Percent.Share(c.Share), $"{c.Compiles} ({Common.Escape(string.Join(", ", c.Tiers))})", c.InlinesBefore.ToString(),
                Common.Escape(c.Spenders.Count == 0 ? "none" : string.Join("; ", c.Spenders.Take(4).Select(sp => $"{sp.Method.Display} ×{sp.Inlines} ({(sp.IlSize >= 0 ? sp.IlSize : "?")} B)")) + (c.Spenders.Count > 4 ? $"; {c.Spenders.Count - 4} more" : "")),
                Common.Escape(string.Join("; ", c.Lost.Take(4).Select(l => $"{l.Inlinee.Display}{(l.Forced ? " [forced]" : "")} ×{l.Refusals} in {l.Inliner.Name} ({Percent.Share(l.Share)})")) + (c.Lost.Count > 4 ? $"; {c.Lost.Count - 4} more" : "")));
        AnsiConsole.Write(table);
        if (cases.Count > 10) AnsiConsole.MarkupLine($"[grey]{cases.Count - 10} more in --json[/]");
    }

    private static void Render(ProfileReport report)
    {
        var r = report.Run;
        var t = report.Totals;
        AnsiConsole.MarkupLine($"[bold]run {r.Id}[/] {Common.Escape(r.Program)} · {r.Mode.ToString().ToLowerInvariant()} · {r.StartedUtc:yyyy-MM-dd HH:mm} UTC · {r.DurationSeconds:0.0} s" +
            (r.RuntimeConfig.Length > 0 ? $" · {Common.Escape(r.RuntimeConfig)}" : ""));
        AnsiConsole.MarkupLine($"CPU samples {Common.Count(t.Samples)} · JIT {t.JitMilliseconds:0} ms over {Common.Count(t.MethodsJitted)} compiles · Tier1 code {Common.Count(t.Tier1CodeBytes)} bytes · {Common.Count(report.SitesTotal)} call sites");
        foreach (var note in r.Notes) AnsiConsole.MarkupLine($"[yellow]note: {Common.Escape(note)}[/]");
        if (report.FrameworkSitesHidden > 0)
            AnsiConsole.MarkupLine($"[grey]{Common.Count(report.FrameworkSitesHidden)} framework-internal call sites hidden (--all shows them)[/]");
        if (report.Sites.Count == 0)
        {
            AnsiConsole.MarkupLine("no call sites with samples or JIT decisions in this run");
            return;
        }
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("site", "share", "of caller", "caller → callee", "source", "JIT decision", "IL/native", "attribute", "PGO count", "measured");
        foreach (var row in report.Sites)
        {
            var s = row.Site;
            table.AddRow(
                s.Id > 0 ? s.Id.ToString() : "-",
                (row.Hot ? "[bold]" : "[grey]") + Percent.Share(row.Bound) + "[/]",
                Percent.Share(row.ShareOfCaller),
                Common.Escape($"{s.Caller.Display} → {s.Callee.Display}") + (s.IlOffset >= 0 ? $" [grey]@IL_{s.IlOffset:x4}[/]" : "") +
                    (row.Partial is { } partial ? $"\n[yellow]{Common.Escape(partial)}[/]" : ""),
                Common.Escape(s.Source is { } src ? $"{Path.GetFileName(src.File)}:{src.Line}" : "-"),
                Common.Escape(row.Decision),
                $"{(row.CalleeIlSize >= 0 ? row.CalleeIlSize : "?")}/{(row.CalleeNativeSize >= 0 ? row.CalleeNativeSize : "-")}",
                row.ExistingAttribute.Length > 0 ? row.ExistingAttribute : "-",
                s.PgoCount is { } c ? Common.Count(c) : "no PGO data",
                Common.Escape(row.Measured ?? "-"));
        }
        AnsiConsole.Write(table);
        RenderBudget(report.Budget);
        AnsiConsole.MarkupLine("[grey]share: of all CPU samples through the site (calls + inlined time); not a limit for inlining, which also changes the caller's own code around the call. " +
            $"Bold = hot (≥ {Percent.Share(report.HotThreshold)}). IL/native: callee IL bytes / largest optimized body compiled on its own (- = never compiled alone, e.g. always inlined). " +
            "PGO count: executions of the site's block from dynamic-PGO edge counts (a lower bound).[/]");
    }
}
