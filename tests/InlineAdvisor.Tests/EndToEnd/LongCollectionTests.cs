// End to end: collection through a load test. `collect --rotate` stores a run per window while the next records, with the
// JIT's decisions carried across windows; `--max-disk` bounds the trace folder; `--listen` traces a program started
// elsewhere from its first method; attaching places samples in bodies known only from the rundown.
using System.Diagnostics;
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using InlineAdvisor.Tracing;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

[Collection(LiveProcessCollection.Name)]
public sealed class LongCollectionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Scale = "InlineSamples.Pipeline.Scale";
    private const string Rotate = "InlineSamples.Pipeline.Rotate";

    private static List<RunProfile> Runs(string store)
    {
        using var s = ProfileStore.Open(store);
        return s.ListRuns().OrderBy(r => r.Id).Select(r => s.LoadRun(r.Id)!).ToList();
    }

    private static CallSite PerElementSite(RunProfile p, string callee) =>
        Assert.Single(p.Sites, s => s.Caller.Display == "InlineSamples.Pipeline.Process" && s.Callee.Display == callee);

    /// <summary>Runs the advisor while sampling the trace folder's size every 100 ms; returns its result and the largest size seen.</summary>
    private (ProcessResult Result, long LargestFolder) RunWatchingFolder(string folder, params string[] args)
    {
        var run = Task.Run(() => LiveProcesses.RunAdvisor(_dir.Path, null, args));
        long largest = 0;
        while (!run.IsCompleted)
        {
            largest = Math.Max(largest, Collector.FolderBytes(folder));
            Thread.Sleep(100);
        }
        return (run.Result, Math.Max(largest, Collector.FolderBytes(folder)));
    }

    [Fact]
    public void Attaching_places_samples_in_bodies_the_rundown_alone_describes()
    {
        // Attached, the loop's optimized bodies were compiled before the session: only the rundown names them, and it sends
        // each body's IL-to-native map before the body. Without the map no sample found its statement, and the per-element
        // sites that launch mode shows were missing.
        using var target = LiveProcess.StartSample("pipeline", "100", _dir.Path);
        Thread.Sleep(2000);   // into the OSR and Tier1 bodies
        var store = _dir.File("attach.db");
        var r = LiveProcesses.RunAdvisor(_dir.Path, null, "collect", "--store", store, "--output", _dir.File("attach.nettrace"), "--pid", target.Id.ToString(), "--duration", "4s");
        Assert.True(r.ExitCode == 0, r.All);
        var p = Assert.Single(Runs(store));
        var scale = PerElementSite(p, Scale);
        Assert.True(scale.IlOffset >= 0 && scale.Source is not null, $"the per-element call has no statement: IL {scale.IlOffset}, source {scale.Source}");
        double share = (double)scale.TotalSamples / p.Totals.Samples;
        Assert.True(share > 0.10, $"Process → Scale holds {share:P1} of the samples attached (launched: about 25%)");
        Assert.DoesNotContain(p.Run.Notes, n => n.Contains("places at no statement"));
    }

    [Fact]
    public void Attach_for_40_s_in_10_s_windows_stores_a_run_per_window_within_3_MB()
    {
        using var target = LiveProcess.StartSample("pipeline", "400", _dir.Path);
        var store = _dir.File("windows.db");
        var folder = Path.Combine(_dir.Path, "traces");
        var (r, largest) = RunWatchingFolder(folder, "collect", "--store", store, "--output", Path.Combine(folder, "svc.nettrace"),
            "--pid", target.Id.ToString(), "--duration", "40s", "--rotate", "10s", "--max-disk", "3MB");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.True(LiveProcesses.IsRunning(target.Id), "the collection ended the target");
        Assert.True(largest <= 3 << 20, $"the trace folder reached {largest:N0} bytes, over --max-disk 3MB");

        var runs = Runs(store);
        Assert.True(runs.Count >= 3, $"{runs.Count} runs stored from 40 s in 10 s windows:\n{r.All}");
        Assert.Contains("window 1 of", r.Stderr);   // each closed window is reported as it is stored
        for (int i = 0; i < runs.Count; i++)
        {
            var p = runs[i];
            Assert.Contains(p.Run.Notes, n => n.StartsWith($"window {i + 1} of a collection rotated", StringComparison.Ordinal));
            Assert.InRange(p.Run.DurationSeconds, 5, 15);
            Assert.True(PerElementSite(p, Scale).TotalSamples > 0, $"window {i + 1} lost the per-element call");
        }
        // The windows together are the collection's profile.
        using var s = ProfileStore.Open(store);
        var aggregate = s.LoadAggregate(s.RunsLike(s.LatestRun()!).Select(x => x.Id).ToList());
        Assert.Equal(runs.Sum(x => x.Totals.Samples), aggregate.Totals.Samples);
    }

    [Fact]
    public void Launched_windows_carry_the_JITs_decisions_and_the_oldest_traces_go_first()
    {
        var store = _dir.File("launch.db");
        var folder = Path.Combine(_dir.Path, "ltraces");
        // Windows of ~300 KB: a bound must hold the window recording, the one being stored, and the one before.
        const long bound = 1 << 20;
        var (r, largest) = RunWatchingFolder(folder, "collect", "--store", store, "--output", Path.Combine(folder, "app.nettrace"),
            "--duration", "14s", "--rotate", "3s", "--max-disk", "1MB", "--", "dotnet", Repo.SamplesDll, "pipeline", "--scale", "400");
        Assert.True(r.ExitCode == 0, r.All);
        var runs = Runs(store);
        Assert.True(runs.Count >= 3, $"{runs.Count} runs:\n{r.All}");
        // Rotate was inlined while window 1 recorded; later windows see its caller's bodies only in their rundown.
        foreach (var p in runs)
            Assert.Equal(InlineOutcome.Inlined, PerElementSite(p, Rotate).Decision.Outcome);
        Assert.Contains(runs[^1].Run.Notes, n => n.Contains("carried from those windows"));
        // Within the bound: the first window's trace was deleted, its run stays, and no trace not yet stored went.
        // The folder is checked as the collection reports progress (every 20 ms launched), while a window records at ~100 KB/s.
        Assert.True(largest <= bound + (64 << 10), $"the folder reached {largest:N0} bytes, over the bound of {bound:N0}");
        Assert.True(Collector.FolderBytes(folder) <= bound, $"{Collector.FolderBytes(folder):N0} bytes left, over the bound");
        Assert.False(File.Exists(runs[0].Run.TracePath), "the oldest window's trace is still there");
        Assert.True(File.Exists(runs[^1].Run.TracePath), "the newest window's trace was deleted");
        Assert.True(runs[0].Sites.Count > 0);
    }

    [Fact]
    public void Listening_traces_a_program_started_elsewhere_from_its_first_method()
    {
        var store = _dir.File("listen.db");
        var socket = _dir.File("advisor.sock");
        var advisor = Task.Run(() => LiveProcesses.RunAdvisor(_dir.Path, null, "collect", "--store", store, "--output", _dir.File("listen.nettrace"),
            "--listen", socket, "--duration", "4s"));
        var clock = Stopwatch.StartNew();
        while (!File.Exists(socket) && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(50);
        Assert.True(File.Exists(socket), "the advisor never listened");
        using var service = LiveProcess.Start("dotnet", [Repo.SamplesDll, "pipeline", "--scale", "100"], _dir.Path,
            new Dictionary<string, string> { ["DOTNET_DiagnosticPorts"] = socket });
        var r = advisor.Result;
        Assert.True(r.ExitCode == 0, r.All);
        Assert.False(service.HasExited, "the collection ended the service");
        var p = Assert.Single(Runs(store));
        Assert.Equal(service.Id, p.Run.ProcessId);
        Assert.Contains(Collector.ListenNote, p.Run.Notes);
        Assert.DoesNotContain(Collector.AttachCaveat, p.Run.Notes);
        // Decisions of compiles from startup, which attaching cannot see.
        Assert.Equal(InlineOutcome.Inlined, PerElementSite(p, Rotate).Decision.Outcome);
    }

    [Fact]
    public void A_service_under_load_in_long_run_mode_gives_a_profile_per_window_from_sample_bursts()
    {
        // The load-test sample: its service launched under the advisor, its bounded client driving it on loopback.
        var store = _dir.File("load.db");
        var folder = Path.Combine(_dir.Path, "load");
        var url = $"http://127.0.0.1:{5300 + Environment.ProcessId % 500}";
        var advisor = Task.Run(() => LiveProcesses.RunAdvisor(_dir.Path, null, "collect", "--store", store, "--output", Path.Combine(folder, "svc.nettrace"),
            "--rotate", "4s", "--sample-duty", "1s/4s", "--duration", "14s", "--", "dotnet", Repo.LoadTestDll, "serve", "--urls", url));
        var client = LiveProcesses.Run("dotnet", [Repo.LoadTestDll, "drive", "--url", url, "--seconds", "9", "--concurrency", "2"], _dir.Path);
        Assert.True(client.ExitCode == 0, client.All);
        Assert.Contains("failures: 0", client.Stdout);
        var r = advisor.Result;
        Assert.True(r.ExitCode == 0, r.All);

        var runs = Runs(store);
        Assert.True(runs.Count >= 3, $"{runs.Count} runs:\n{r.All}");
        var loaded = runs.Where(p => p.Sites.Any(s => s.Caller.Display.StartsWith("LoadTest.OrderPricing.Quote", StringComparison.Ordinal) && s.TotalSamples > 0)).ToList();
        Assert.True(loaded.Count >= 2, $"the service's pricing loop has samples in {loaded.Count} windows of {runs.Count}");
        foreach (var p in runs)
        {
            Assert.Contains(p.Run.Notes, n => n.StartsWith("CPU samples were taken in bursts, 1 s of every 4 s", StringComparison.Ordinal));
            // Samples came only from the bursts: each window's JIT trace holds none of its own.
            Assert.True(File.Exists(p.Run.TracePath));
        }
        var bursts = Directory.GetFiles(folder, "svc.w*.b*.nettrace");
        Assert.True(bursts.Length >= 3, $"{bursts.Length} burst files");
        // Windows after the first carry the JIT's decisions for the service's code compiled before them.
        Assert.Contains(runs.Skip(1), p => p.Sites.Any(s => s.Caller.Assembly == "LoadTest" && s.Decision.Outcome != InlineOutcome.Unknown));
    }

    [Fact]
    public void Bad_long_collection_options_are_one_line_each()
    {
        var store = _dir.File("bad.db");
        foreach (var (args, expected) in new[]
        {
            (new[] { "--max-disk", "3MB", "--pid", "1" }, "--max-disk needs --rotate"),
            (new[] { "--rotate", "0.5s", "--pid", "1" }, "--rotate: cannot read '0.5s'"),
            (new[] { "--rotate", "10s", "--max-disk", "lots", "--pid", "1" }, "--max-disk: cannot read 'lots'"),
            (new[] { "--listen", store, "--pid", "1" }, "give exactly one of"),
            (new[] { "--sample-duty", "5s/1s", "--pid", "1" }, "--sample-duty: cannot read '5s/1s'"),
        })
        {
            var r = LiveProcesses.RunAdvisor(_dir.Path, null, ["collect", "--store", store, .. args]);
            Assert.True(r.ExitCode != 0, r.All);
            Assert.StartsWith("advisor: " + expected, r.Stderr);
            Assert.Single(r.Stderr.Trim().Split('\n'));
        }
        File.WriteAllText(_dir.File("taken.sock"), "");
        var taken = LiveProcesses.RunAdvisor(_dir.Path, null, "collect", "--store", store, "--listen", _dir.File("taken.sock"), "--duration", "1s");
        Assert.True(taken.ExitCode != 0, taken.All);
        Assert.Contains("already exists", taken.Stderr);
        Assert.DoesNotContain("   at ", taken.All);
    }
}
