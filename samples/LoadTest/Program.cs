// `LoadTest serve --urls http://127.0.0.1:5080`: a small order-pricing service.
// `LoadTest drive --url http://127.0.0.1:5080 --seconds 20 --concurrency 4`: a bounded client; prints requests, rps and
// latency percentiles. Bad arguments: one line on stderr, exit code 2.
using System.Diagnostics;
using System.Globalization;

namespace LoadTest;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "serve") return await Service.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "drive") return await Client.RunAsync(args[1..]);
        Console.Error.WriteLine("usage: LoadTest serve --urls http://127.0.0.1:PORT | LoadTest drive --url http://127.0.0.1:PORT [--seconds S] [--concurrency C]");
        return 2;
    }
}

/// <summary>The service: each request prices an order of generated lines (parse, validate, price, checksum).</summary>
public static class Service
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/price/{seed:int}", (int seed) => Results.Text(OrderPricing.Quote(seed, lines: 2000).ToString(CultureInfo.InvariantCulture)));
        app.MapGet("/health", () => "ok");
        await app.RunAsync();
        return 0;
    }
}

/// <summary>The bounded client: a fixed time, a fixed number of concurrent connections, every response checked.</summary>
public static class Client
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? url = null;
        double seconds = 20;
        int concurrency = 4;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--url": url = args[i + 1].TrimEnd('/'); break;
                case "--seconds" when double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0: seconds = s; break;
                case "--concurrency" when int.TryParse(args[i + 1], out var c) && c > 0: concurrency = c; break;
                default: Console.Error.WriteLine($"error: bad argument {args[i]} {args[i + 1]}"); return 2;
            }
        }
        if (url is null) { Console.Error.WriteLine("error: --url is required"); return 2; }
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { Timeout = TimeSpan.FromSeconds(30) };
        if (!await WaitHealthy(http, url)) { Console.Error.WriteLine($"error: {url}/health did not answer within 60 s"); return 1; }

        var latencies = new List<double>[concurrency];
        long failures = 0;
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = [];
            int seed = worker * 1_000_003;
            while (clock.Elapsed < end)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    var body = await http.GetStringAsync($"{url}/price/{seed++ & 0xffff}");
                    if (!long.TryParse(body, out _)) Interlocked.Increment(ref failures);
                }
                catch (HttpRequestException) { Interlocked.Increment(ref failures); }
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).OrderBy(x => x).ToArray();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"requests: {all.Length}");
        Console.WriteLine($"failures: {failures}");
        Console.WriteLine(string.Create(inv, $"rps: {all.Length / clock.Elapsed.TotalSeconds:0.0}"));
        Console.WriteLine(string.Create(inv, $"p50_ms: {Percentile(all, 0.50):0.000}"));
        Console.WriteLine(string.Create(inv, $"p99_ms: {Percentile(all, 0.99):0.000}"));
        return failures == 0 ? 0 : 1;
    }

    private static async Task<bool> WaitHealthy(HttpClient http, string url)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try { if (await http.GetStringAsync($"{url}/health") == "ok") return true; }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        return false;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
