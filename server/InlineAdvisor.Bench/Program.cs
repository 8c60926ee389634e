// Benchmarks that print figures and ratios against baselines measured in the same run (medians; this
// machine is noisy, so only ratios within one run are meaningful).
//   bench analysis <trace> [--repeat N]       our analysis vs `dotnet-trace report topN` vs a bare read loop
//   bench overhead <sample.dll> <case> [--repeat N]   workload time: no collection vs advisor vs dotnet-trace
//   bench sequential [--sims N] [--explore]   pairs needed: sequential design vs fixed n, on synthetic noise
//   bench screening [--sims N]                K changes screened together (ScreeningDesign) vs K sequential experiments
//   bench loadtest <LoadTest.dll> [--repeat N] [--seconds S] [--duty ON/PERIOD]   a service under load: no collection vs
//                                             advisor (full, and long-run --sample-duty) vs dotnet-trace: rps ratio, disk/hour
//   bench lsp [--edges N] [--requests N]      code-lens latency over the protocol, 1M-edge store, 3,000-line file
//   bench html [--sites N] [--loads N] [--out DIR] [--pages-only]   the HTML report of 10k sites vs 100: render time, then
//                                             Chromium's time to draw it (--pages-only: write the two pages, measure nothing)
//   bench analyze-once <trace>                (internal) one analysis in a fresh process, prints peak RSS
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using InlineAdvisor.Core;
using InlineAdvisor.Tracing;
using Microsoft.Diagnostics.Tracing;

var inv = CultureInfo.InvariantCulture;
if (args is ["sequential", ..]) return SequentialBench.Run(args[1..]);
if (args is ["screening", ..]) return ScreeningBench.Run(args[1..]);
if (args is ["lsp", ..]) return await LspBench.Run(args[1..]);
if (args is ["loadtest", ..]) return LoadTestBench.Run(args[1..], Environment.GetEnvironmentVariable("ADVISOR") ?? "advisor.dll", Environment.GetEnvironmentVariable("DOTNET_TRACE") ?? "dotnet-trace");
if (args is ["html", ..]) return HtmlBench.Run(args[1..]);
if (args.Length < 2) { Console.Error.WriteLine("usage: bench analysis <trace> | bench overhead <sample.dll> <case> [--repeat N]"); return 2; }
int repeat = args.SkipWhile(a => a != "--repeat").Skip(1).Select(int.Parse).FirstOrDefault(5);
string self = Path.Combine(AppContext.BaseDirectory, "bench.dll");
string advisor = Environment.GetEnvironmentVariable("ADVISOR") ?? "advisor.dll";
string dotnetTrace = Environment.GetEnvironmentVariable("DOTNET_TRACE") ?? "dotnet-trace";

switch (args[0])
{
    case "analyze-once":
    {
        var sw = Stopwatch.StartNew();
        var profile = TraceAnalyzer.Analyze(new RunInfo { Program = "bench", CommandLine = "bench", Mode = CollectMode.File, TracePath = args[1] });
        Console.WriteLine(string.Create(inv, $"seconds={sw.Elapsed.TotalSeconds:0.000} peak_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0.0} sites={profile.Sites.Count} samples={profile.Totals.Samples}"));
        return 0;
    }
    case "analysis":
    {
        var trace = args[1];
        long events = 0;
        var bare = new List<double>(); var ours = new List<double>(); var oursCold = new List<double>(); var peer = new List<double>(); var peaks = new List<double>();
        var run = new RunInfo { Program = "bench", CommandLine = "bench", Mode = CollectMode.File, TracePath = trace };
        for (int i = 0; i < repeat + 1; i++)
        {
            // Interleaved, so a change of machine speed hits every arm alike; round 0 warms up the JIT.
            var sw = Stopwatch.StartNew();
            using (var source = new EventPipeEventSource(trace))
            {
                long n = 0;
                source.AllEvents += _ => n++;
                source.Process();
                events = n;
            }
            var bareSeconds = sw.Elapsed.TotalSeconds;

            sw.Restart();
            TraceAnalyzer.Analyze(run);
            var ourSeconds = sw.Elapsed.TotalSeconds;

            var once = Run("dotnet", [self, "analyze-once", trace]);
            var report = Run(dotnetTrace, ["report", trace, "topN"]);
            if (report.ExitCode != 0) { Console.Error.WriteLine($"dotnet-trace report failed: {report.Output}"); return 1; }
            if (i == 0) continue;
            bare.Add(bareSeconds);
            ours.Add(ourSeconds);
            oursCold.Add(once.Seconds);
            peaks.Add(double.Parse(Regex.Match(once.Output, @"peak_mb=([\d.]+)").Groups[1].Value, inv));
            peer.Add(report.Seconds);
        }
        var mb = new FileInfo(trace).Length / 1048576.0;
        Console.WriteLine(string.Create(inv, $"trace: {trace} ({events:N0} events, {mb:0.0} MB), {repeat} interleaved rounds after a warm-up round, medians"));
        Console.WriteLine("  in this process (warm JIT):");
        Console.WriteLine(string.Create(inv, $"    bare TraceEvent read loop (AllEvents count)  {Median(bare),7:0.000} s  {events / Median(bare) / 1e6,6:0.00} M events/s"));
        Console.WriteLine(string.Create(inv, $"    advisor analysis (TraceAnalyzer.Analyze)     {Median(ours),7:0.000} s  {events / Median(ours) / 1e6,6:0.00} M events/s"));
        Console.WriteLine("  as separate processes (start-up included):");
        Console.WriteLine(string.Create(inv, $"    advisor analysis                             {Median(oursCold),7:0.000} s  peak RSS {Median(peaks):0} MB"));
        Console.WriteLine(string.Create(inv, $"    dotnet-trace report <trace> topN             {Median(peer),7:0.000} s"));
        Console.WriteLine(string.Create(inv, $"  throughput vs the parse limit: {Median(bare) / Median(ours):0.00}x  (target >= 0.6)"));
        Console.WriteLine(string.Create(inv, $"  time vs dotnet-trace report:   {Median(oursCold) / Median(peer):0.00}x  (target <= 1)"));
        return 0;
    }
    case "overhead":
    {
        var (dll, sampleCase) = (args[1], args[2]);
        var dir = Directory.CreateTempSubdirectory("bench-overhead-").FullName;
        var arms = new (string Name, Func<int, string[]> Command)[]
        {
            ("no collection", _ => ["dotnet", dll, sampleCase]),
            ("advisor collect", i => ["dotnet", advisor, "collect", "--store", Path.Combine(dir, "s.db"), "--output", Path.Combine(dir, $"a{i}.nettrace"), "--", "dotnet", dll, sampleCase]),
            ("advisor --no-pgo", i => ["dotnet", advisor, "collect", "--no-pgo", "--store", Path.Combine(dir, "s.db"), "--output", Path.Combine(dir, $"n{i}.nettrace"), "--", "dotnet", dll, sampleCase]),
            ("dotnet-trace collect", i => [dotnetTrace, "collect", "--show-child-io", "--providers", Providers.ForDotnetTrace(), "-o", Path.Combine(dir, $"d{i}.nettrace"), "--", "dotnet", dll, sampleCase]),
        };
        var times = arms.ToDictionary(a => a.Name, _ => new List<double>());
        for (int i = 0; i < repeat; i++)
        {
            // Rotate the order each round: no arm always runs first (or right after another's clean-up).
            foreach (var arm in arms.Skip(i % arms.Length).Concat(arms.Take(i % arms.Length)))
            {
                var cmd = arm.Command(i);
                var r = Run(cmd[0], cmd[1..]);
                var m = Regex.Match(r.Output, @"elapsed_ms: (\d+)");
                if (r.ExitCode != 0 || !m.Success) { Console.Error.WriteLine($"{arm.Name} failed: {r.Output}"); return 1; }
                times[arm.Name].Add(double.Parse(m.Groups[1].Value, inv));
            }
        }
        Directory.Delete(dir, recursive: true);
        double baseline = Median(times["no collection"]);
        Console.WriteLine($"workload: {Path.GetFileName(dll)} {sampleCase}, {repeat} rounds, median elapsed_ms as the workload prints it");
        foreach (var (name, list) in times)
            Console.WriteLine(string.Create(inv, $"  {name,-22} {Median(list),8:0} ms  ratio {Median(list) / baseline:0.000}  (min {list.Min():0}, max {list.Max():0})"));
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
        return 2;
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static (int ExitCode, string Output, double Seconds) Run(string file, string[] args)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in args) psi.ArgumentList.Add(a);
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    var output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return (p.ExitCode, output + err.Result, sw.Elapsed.TotalSeconds);
}
