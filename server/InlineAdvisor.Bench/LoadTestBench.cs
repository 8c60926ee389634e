// bench loadtest: what collecting costs a service under load, and what it writes to disk, per arm in interleaved rounds:
// no collection, `advisor collect --rotate` (every provider all the time), the long-run mode (`--sample-duty`: samples in
// bursts, JIT events always), and `dotnet-trace collect` with the same providers. The load: samples/LoadTest's bounded
// client against its service on loopback, both on this machine (2 cores: client and service share them).
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using InlineAdvisor.Tracing;

internal static class LoadTestBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args, string advisor, string dotnetTrace)
    {
        if (args.Length < 1) { Console.Error.WriteLine("usage: bench loadtest <LoadTest.dll> [--repeat N] [--seconds S] [--warmup S] [--rotate S] [--duty ON/PERIOD] [--arms none,one,full,duty,dotnet-trace]"); return 2; }
        var dll = args[0];
        int repeat = Option(args, "--repeat", 5);
        int seconds = Option(args, "--seconds", 20);
        string duty = args.SkipWhile(a => a != "--duty").Skip(1).FirstOrDefault() ?? "1s/10s";
        int warmup = Option(args, "--warmup", 4);   // seconds of load before the measured part: the service's start-up and tiering are not the steady state
        int rotate = Option(args, "--rotate", 10);
        var only = args.SkipWhile(a => a != "--arms").Skip(1).FirstOrDefault()?.Split(',');
        int total = warmup + seconds + 6;   // the advisor ends the service after the client is done (start-up under collection included)
        var dir = Directory.CreateTempSubdirectory("bench-loadtest-").FullName;
        var arms = new (string Key, string Name, Func<int, string, string[]> Command)[]
        {
            ("none", "no collection", (_, url) => ["dotnet", dll, "serve", "--urls", url]),
            ("one", "advisor collect, one trace", (i, url) => ["dotnet", advisor, "collect", "--store", Path.Combine(dir, $"one{i}.db"), "--output", Path.Combine(dir, $"one{i}", "svc.nettrace"),
                "--duration", $"{total}s", "--", "dotnet", dll, "serve", "--urls", url]),
            ("full", $"advisor collect --rotate {rotate}s", (i, url) => ["dotnet", advisor, "collect", "--store", Path.Combine(dir, $"full{i}.db"), "--output", Path.Combine(dir, $"full{i}", "svc.nettrace"),
                "--rotate", $"{rotate}s", "--duration", $"{total}s", "--", "dotnet", dll, "serve", "--urls", url]),
            ("duty", $"advisor --rotate {rotate}s --sample-duty {duty}", (i, url) => ["dotnet", advisor, "collect", "--store", Path.Combine(dir, $"duty{i}.db"), "--output", Path.Combine(dir, $"duty{i}", "svc.nettrace"),
                "--rotate", $"{rotate}s", "--sample-duty", duty, "--duration", $"{total}s", "--", "dotnet", dll, "serve", "--urls", url]),
            ("dotnet-trace", "dotnet-trace collect", (i, url) => [dotnetTrace, "collect", "--providers", Providers.ForDotnetTrace(), "-o", Path.Combine(dir, $"dt{i}", "svc.nettrace"),
                "--duration", TimeSpan.FromSeconds(total).ToString(@"dd\:hh\:mm\:ss"), "--", "dotnet", dll, "serve", "--urls", url]),
        }.Where(a => a.Key == "none" || only is null || only.Contains(a.Key)).ToArray();
        var rps = arms.ToDictionary(a => a.Name, _ => new List<double>());
        var diskPerHour = arms.ToDictionary(a => a.Name, _ => new List<double>());
        var topOverlap = new List<int>();
        int port = 5200;
        for (int i = 0; i < repeat; i++)
        {
            // Rotate the order each round: no arm always runs first.
            foreach (var arm in arms.Skip(i % arms.Length).Concat(arms.Take(i % arms.Length)))
            {
                var url = $"http://127.0.0.1:{port++}";
                var cmd = arm.Command(i, url);
                foreach (var folder in cmd.Where(a => a.EndsWith("svc.nettrace", StringComparison.Ordinal))) Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
                var clock = Stopwatch.StartNew();
                using var service = Start(cmd[0], cmd[1..]);
                var warm = Drive(dll, url, warmup);
                var measured = Drive(dll, url, seconds);
                if (!service.WaitForExit(TimeSpan.FromSeconds(arm.Name == "no collection" ? 0 : 60))) service.Kill(entireProcessTree: true);
                service.WaitForExit();
                var m = Regex.Match(measured, @"rps: ([\d.]+)");
                if (!m.Success || !Regex.IsMatch(warm, @"rps: ")) { Console.Error.WriteLine($"{arm.Name}: the client failed: {warm}{measured}"); return 1; }
                rps[arm.Name].Add(double.Parse(m.Groups[1].Value, Inv));
                var traces = cmd.FirstOrDefault(a => a.EndsWith("svc.nettrace", StringComparison.Ordinal)) is { } t ? Path.GetDirectoryName(t)! : null;
                if (traces is not null) diskPerHour[arm.Name].Add(Collector.FolderBytes(traces) / clock.Elapsed.TotalSeconds * 3600);
            }
            if (arms.Any(a => a.Key == "one") && arms.Any(a => a.Key == "duty")) topOverlap.Add(TopSitesShared(Path.Combine(dir, $"one{i}.db"), Path.Combine(dir, $"duty{i}.db"), 5));
        }
        Directory.Delete(dir, recursive: true);
        double baseline = Median(rps["no collection"]);
        Console.WriteLine($"load test: {Path.GetFileName(dll)} serve, {seconds} s measured after {warmup} s of warm-up, 4 connections, {repeat} interleaved rounds, medians");
        foreach (var arm in arms)
        {
            var r = rps[arm.Name];
            var disk = diskPerHour[arm.Name].Count > 0 ? string.Create(Inv, $"  disk {Median(diskPerHour[arm.Name]) / (1 << 30):0.00} GB/hour") : "";
            Console.WriteLine(string.Create(Inv, $"  {arm.Name,-30} {Median(r),8:0} rps  ratio {Median(r) / baseline:0.000}  overhead {1 - Median(r) / baseline,6:+0.0%;-0.0%}  (min {r.Min():0}, max {r.Max():0}){disk}"));
        }
        if (topOverlap.Count > 0) Console.WriteLine($"  top-5 service sites of the long-run mode also in the one-trace collection's top 5: {string.Join(", ", topOverlap.Select(n => $"{n}/5"))} (per round)");
        Console.WriteLine("  disk per hour: the trace folder at the end over the collection's wall time (start-up included), no --max-disk; each window ends");
        Console.WriteLine("  with a rundown of every compiled method, so short windows write more (and analysing each window shares the 2 cores)");
        return 0;
    }

    /// <summary>How many of one store's top sites (all windows together, the service's own code) are among the other's.</summary>
    private static int TopSitesShared(string full, string duty, int k)
    {
        static List<string> Top(string path, int k)
        {
            using var store = ProfileStore.Open(path);
            var latest = store.LatestRun();
            if (latest is null) return [];
            var profile = store.LoadAggregate(store.RunsLike(latest).Select(r => r.Id).ToList());
            return profile.Sites.Where(s => s.Caller.Assembly == "LoadTest" || s.Callee.Assembly == "LoadTest")
                .OrderByDescending(s => s.TotalSamples).Take(k).Select(s => $"{s.Caller.Display}→{s.Callee.Display}@{s.IlOffset}").ToList();
        }
        var a = Top(full, k);
        return Top(duty, k).Count(a.Contains);
    }

    private static Process Start(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static string Drive(string dll, string url, int seconds)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "drive", "--url", url, "--seconds", seconds.ToString(Inv), "--concurrency", "4" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output + err.Result;
    }

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).Select(a => int.Parse(a, Inv)).FirstOrDefault(fallback);

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count == 0 ? double.NaN : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
