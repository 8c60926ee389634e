// `bench html`: the HTML report of a synthetic 10k-site profile (with experiments, a screen, calibration points and
// advice) against a 100-site one measured in the same run: render time here, then the time from navigation to the
// page's "rendered" mark (window.__rendered) in headless Chromium, through samples/html-bench.mjs (playwright-core).
using System.Diagnostics;
using System.Globalization;
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using InlineAdvisor.Report;

internal static class HtmlBench
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        int sites = args.SkipWhile(a => a != "--sites").Skip(1).Select(int.Parse).FirstOrDefault(10_000);
        int baseline = args.SkipWhile(a => a != "--baseline").Skip(1).Select(int.Parse).FirstOrDefault(100);
        int loads = args.SkipWhile(a => a != "--loads").Skip(1).Select(int.Parse).FirstOrDefault(7);
        var dir = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? Path.Combine(Path.GetTempPath(), "ia-bench-html");
        Directory.CreateDirectory(dir);
        var files = new List<string>();
        foreach (var n in new[] { baseline, sites })
        {
            var input = Synthetic(n, seed: 42);
            var times = new List<double>();
            string html = "";
            for (int i = 0; i < 6; i++)   // the first render warms up the JIT and is dropped
            {
                var sw = Stopwatch.StartNew();
                html = HtmlReport.Render(input);
                if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds);
            }
            var file = Path.Combine(dir, $"report-{n}.html");
            AtomicFile.WriteAllText(file, html);
            files.Add(file);
            Console.WriteLine(string.Create(Inv, $"html: {n,6:N0} sites: {html.Length / 1048576.0:0.00} MB page, rendered by HtmlReport in {Median(times):0.0} ms (median of {times.Count})"));
        }
        if (args.Contains("--pages-only")) return 0;   // tests/html opens the synthetic page to draw experiments, screens, calibration
        var script = Path.Combine(RepoRoot(), "samples", "html-bench.mjs");
        var psi = new ProcessStartInfo("node") { UseShellExecute = false };
        foreach (var a in new[] { script, "--loads", loads.ToString(Inv), files[0], files[1] }) psi.ArgumentList.Add(a);
        using var node = Process.Start(psi)!;
        node.WaitForExit();
        return node.ExitCode;
    }

    static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "InlineAdvisor.sln"))) return d.FullName;
        throw new InvalidOperationException("InlineAdvisor.sln not found above " + AppContext.BaseDirectory);
    }

    static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    /// <summary>
    /// A profile of <paramref name="siteCount"/> call sites over siteCount/3 methods in a layered call graph (method i calls
    /// methods after it), samples falling off like a power law, every JIT outcome, generic names with angle brackets;
    /// plus 8 budget-limited compiles, 6 experiments with 30 rounds of runs, a 6-candidate screen, calibration points for
    /// the experiments and advice for the 300 hottest sites.
    /// </summary>
    public static HtmlReportInput Synthetic(int siteCount, int seed)
    {
        var rng = new Random(seed);
        int methodCount = Math.Max(4, siteCount / 3);
        var methods = Enumerable.Range(0, methodCount).Select(i => new MethodIdentity("Synthetic",
            i % 7 == 0 ? $"Synthetic.Generic`1<T{i % 3}>" : $"Synthetic.Layer{i % 40}", i % 5 == 0 ? $"<Run>b__{i}" : $"Method{i}",
            $"int32  (int32,class System.Collections.Generic.List`1<int32>)")).ToList();
        long totalSamples = 1_000_000;
        string[] reasons = ["too many il bytes", "unprofitable inline", "noinline per IL/cached result", "inline exceeds budget"];
        var callSites = new List<CallSite>();
        for (int i = 0; i < siteCount; i++)
        {
            int caller = Math.Min(methodCount - 2, (int)(Math.Pow(rng.NextDouble(), 2) * (methodCount - 1)));
            int callee = caller + 1 + rng.Next(Math.Max(1, Math.Min(50, methodCount - caller - 1)));
            var outcome = (InlineOutcome)(i % 4);
            long samples = (long)(totalSamples * 0.3 / Math.Pow(i + 1, 1.1));
            callSites.Add(new CallSite
            {
                Id = i + 1, Caller = methods[caller], Callee = methods[Math.Min(callee, methodCount - 1)], IlOffset = (i * 7) % 400,
                Source = new SourceLocation($"/src/Synthetic/Layer{caller % 40}.cs", 10 + i % 900, 9),
                CallSamples = samples / 2, StatementSamples = samples - samples / 2,
                Decision = new InlineDecision(outcome, outcome is InlineOutcome.NotInlined or InlineOutcome.Mixed ? reasons[i % reasons.Length] : "",
                    ["OptimizedTier1:" + outcome], false),
                PgoCount = i % 3 == 0 ? null : 1000L * (siteCount - i),
            });
        }
        var profiles = methods.Select((m, i) => new MethodProfile
        {
            Method = m, IlSize = 10 + (i * 13) % 300, ImplFlags = i % 11 == 0 ? MethodImplFlags.AggressiveInlining : MethodImplFlags.None,
            ExclusiveSamples = totalSamples / (i + 2), InclusiveSamples = totalSamples / (i + 1),
            Compiles = [new CodeVersion("QuickJitted", 50 + i % 100, 0.1), new CodeVersion("OptimizedTier1", 80 + i % 400, 0.4)],
        }).ToList();
        var budget = Enumerable.Range(0, 8).Select(b => new BudgetCompile(methods[b], "OptimizedTier1",
            Enumerable.Range(0, 40).Select(k => new CompileInline(methods[b], methods[(b + k + 1) % methodCount], k < 35, k < 35 ? "" : "inline exceeds budget")).ToList())).ToList();
        var run = new RunInfo { Id = 1, Program = "Synthetic<App>", CommandLine = "synthetic", Mode = CollectMode.Launch, TracePath = "synthetic.nettrace",
            StartedUtc = new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc), DurationSeconds = 20 };
        var profile = new RunProfile(run, profiles, callSites, new RunTotals(totalSamples, 0, 5_000_000, 900, 4_000_000, methodCount)) { BudgetCompiles = budget };

        var experiments = Enumerable.Range(0, 6).Select(e =>
        {
            var site = callSites[e * 3 % callSites.Count];
            double effect = (e - 2) * 0.01;
            return new ExperimentRecord
            {
                Id = e + 1, ProfileRunId = 1, StartedUtc = run.StartedUtc.AddHours(e + 1), AppDir = "/app", Command = "synthetic", Sites = [site],
                Edits = [new FlagEdit(site.Callee, (InlineAction)(e % 3), MethodImplFlags.None, MethodImplFlags.AggressiveInlining)],
                Verdict = (ExperimentVerdict)(e % 3), DecidingMetric = Metrics.Wall, Pairs = 30, Epsilon = 0.01,
                Metrics = [new MetricEffect(Metrics.Wall, "s", true, 30, 2, 2 * (1 + effect), effect, effect - 0.01, effect + 0.01, 0.001, -0.008, 0.009)],
                Runs = [.. Enumerable.Range(0, 30).SelectMany(r => new[] { ("A", 0.0), ("B", effect), ("C", 0.0) }
                    .Select(a => new ArmRun(a.Item1, r, 2 * (1 + a.Item2) * (1 + (rng.NextDouble() - 0.5) * 0.1), 1.9, null, null, null, null, null)))],
            };
        }).ToList();
        var screen = new ScreenRecord
        {
            Id = 1, ProfileRunId = 1, AppDir = "/app", Command = "synthetic", DecidingMetric = Metrics.Wall, Epsilon = 0.01, Order = 8, Replicates = 4,
            Candidates = [.. Enumerable.Range(0, 6).Select(c => new ScreenCandidate(
                new FlagEdit(callSites[c].Callee, InlineAction.Force, MethodImplFlags.None, MethodImplFlags.AggressiveInlining), [callSites[c]],
                (ExperimentVerdict)(c % 3), false, 16,
                [new MetricEffect(Metrics.Wall, "s", true, 16, 2, 2, (c - 3) * 0.01, (c - 3) * 0.01 - 0.012, (c - 3) * 0.01 + 0.012, 0, -0.01, 0.01)], null))],
        };
        var calibration = experiments.Select(e => new CalibrationPoint(e.Id, e.Sites[0], e.Edits[0].Action, Metrics.Wall, e.Verdict,
            e.Metrics[0].Effect, e.Metrics[0].Low, e.Metrics[0].High, e.Metrics[0].Effect * 0.7, e.Metrics[0].Effect - 0.03, null, false)).ToList();
        var advice = callSites.Take(300).Select((s, i) => new SiteAdvice(i + 1, s, profile.AmdahlBound(s), "", ReportBuilder.DescribeDecision(s.Decision),
            i < 6 ? AdviceStanding.Measured : i < 60 ? AdviceStanding.Candidate : AdviceStanding.Leave, InlineAction.Leave, InlineAction.Force,
            i < 6 ? EvidenceKind.Measured : EvidenceKind.Predicted, i < 6 ? "force: -1.0% (measured, experiment 1)" : "force: -0.4% [-0.9%, +0.1%] runtime (predicted)",
            [], "synthetic reason", null)).ToList();
        return new HtmlReportInput(profile, experiments, [screen], new AdviceReport(run, advice, [], [], [], "synthetic model"), null, calibration, null, 0.01);
    }
}
