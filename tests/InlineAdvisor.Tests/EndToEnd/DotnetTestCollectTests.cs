// End to end: `advisor collect -- dotnet test` on a copy of samples/SampleTests: one run per .NET process of the
// tree, the sample tests' hot code in the test host's run, `--process` filtering, and nothing left running.
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

/// <summary>
/// A private copy of samples/SampleTests and samples/InlineSamples (same relative layout, with the repo's central
/// build settings), so building it cannot race other builds of the repo; and the full collection of
/// `dotnet test` on it (build included), made once.
/// </summary>
public sealed class SampleTestsCopy : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Project => Path.Combine(Dir.Path, "samples", "SampleTests");
    public string Tag { get; } = Guid.NewGuid().ToString("N");
    private (ProcessResult Result, string Store)? _full;

    public SampleTestsCopy()
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
            File.Copy(Path.Combine(Repo.Root, file), Dir.File(file));
        foreach (var project in new[] { "SampleTests", "InlineSamples" })
            CopySources(Path.Combine(Repo.Root, "samples", project), Path.Combine(Dir.Path, "samples", project));
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            if (Path.GetFileName(dir) is not ("bin" or "obj")) CopySources(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    /// <summary>`advisor collect -- dotnet test &lt;copy&gt;`, building it on the way (csc and MSBuild run under the collector too).</summary>
    public (ProcessResult Result, string Store) FullRun()
    {
        lock (this)
        {
            if (_full is { } done) return done;
            var store = Dir.File("full.db");
            var result = LiveProcesses.RunAdvisor(Dir.Path, LiveProcesses.Tagged(Tag),
                "collect", "--store", store, "--output", Dir.File("full/run.nettrace"), "--", "dotnet", "test", Project);
            _full = (result, store);
            return _full.Value;
        }
    }

    public void Dispose() => Dir.Dispose();
}

[Collection(LiveProcessCollection.Name)]
public sealed class DotnetTestCollectTests(SampleTestsCopy copy) : IClassFixture<SampleTestsCopy>
{
    private static List<(RunInfo Info, RunProfile Profile)> Runs(string store)
    {
        using var s = ProfileStore.Open(store);
        return s.ListRuns().Select(r => (r, s.LoadRun(r.Id)!)).ToList();
    }

    private static long SiteSamples(RunProfile p, string caller, string callee) =>
        p.Sites.Where(s => s.Caller.Display == caller && s.Callee.Display == callee).Sum(s => s.TotalSamples);

    private static void AssertHoldsTheSampleTestsHotCode(RunProfile testhost)
    {
        // CaseChecksumTests runs the cases in-process: their hot sites are sampled in the test host.
        Assert.True(SiteSamples(testhost, "InlineSamples.ByteHasher.HashBlock", "InlineSamples.ByteHasher.Mix") > 0,
            "no samples at HashBlock → Mix; hottest: " + string.Join("; ", testhost.Sites.OrderByDescending(s => s.TotalSamples).Take(8)
                .Select(s => $"{s.Caller.Display}→{s.Callee.Display} {s.TotalSamples}")));
        Assert.True(SiteSamples(testhost, "InlineSamples.PacketScorer.ScoreAll", "InlineSamples.PacketScorer.Score") > 0);
        var mix = testhost.Methods.Single(m => m.Method.Display == "InlineSamples.ByteHasher.Mix");
        Assert.Equal(MethodImplFlags.AggressiveInlining, mix.ImplFlags & MethodImplFlags.AggressiveInlining);
    }

    [Fact]
    public void Every_dotnet_process_of_the_tree_gets_its_own_run_and_the_test_host_holds_the_hot_code()
    {
        var (result, store) = copy.FullRun();
        try
        {
            Assert.True(result.ExitCode == 0, result.All);
            Assert.Contains("Passed!", result.Stdout);            // the sample tests themselves ran and passed
            Assert.DoesNotContain("   at ", result.All);

            var runs = Runs(store);
            // At least the `dotnet test` driver (MSBuild in it), vstest.console and the test host; the build adds csc.
            Assert.True(runs.Count >= 3, "runs: " + string.Join("; ", runs.Select(r => r.Info.CommandLine)));
            Assert.Equal(runs.Count, runs.Select(r => r.Info.ProcessId).Distinct().Count());
            Assert.Equal(runs.Count, runs.Select(r => r.Info.TracePath).Distinct().Count());
            Assert.All(runs, r =>
            {
                Assert.Equal(CollectMode.Launch, r.Info.Mode);
                Assert.True(File.Exists(r.Info.TracePath), r.Info.TracePath);
                Assert.True(r.Profile.Totals.Events > 0);
            });
            Assert.Contains(runs, r => r.Info.CommandLine.StartsWith("dotnet test", StringComparison.Ordinal));
            Assert.Contains(runs, r => r.Info.Program == "vstest.console");

            var testhost = Assert.Single(runs, r => r.Info.CommandLine.Contains("testhost"));
            Assert.Equal("testhost", testhost.Info.Program);
            AssertHoldsTheSampleTestsHotCode(testhost.Profile);
            // ... and only there: no other process ran the samples' code.
            foreach (var other in runs.Where(r => r.Info.Id != testhost.Info.Id))
                Assert.DoesNotContain(other.Profile.Sites, s => s.Caller.Type.StartsWith("InlineSamples.", StringComparison.Ordinal) && s.TotalSamples > 0);

            // The output names each process: its run, pid and program on one row.
            var lines = result.Stdout.Split('\n');
            foreach (var (info, _) in runs)
                Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^\s*{info.Id}\s+{info.ProcessId}\s+{System.Text.RegularExpressions.Regex.Escape(info.Program)}\s"));
        }
        finally
        {
            LiveProcesses.AssertNoneLeftBehind(copy.Tag);
        }
    }

    [Fact]
    public void Process_filter_traces_only_the_test_host_and_lists_the_others_as_not_traced()
    {
        Assert.True(copy.FullRun().Result.ExitCode == 0, copy.FullRun().Result.All);   // built, so --no-build works
        var tag = Guid.NewGuid().ToString("N");
        var store = copy.Dir.File("filtered.db");
        var result = LiveProcesses.RunAdvisor(copy.Dir.Path, LiveProcesses.Tagged(tag),
            "collect", "--store", store, "--output", copy.Dir.File("filtered/run.nettrace"), "--process", "testhost",
            "--", "dotnet", "test", copy.Project, "--no-build");
        try
        {
            Assert.True(result.ExitCode == 0, result.All);
            Assert.Contains("Passed!", result.Stdout);
            var run = Assert.Single(Runs(store));
            Assert.Contains("testhost", run.Info.CommandLine);
            Assert.Equal(copy.Dir.File("filtered/run.nettrace"), run.Info.TracePath);   // the only trace takes the given name
            AssertHoldsTheSampleTestsHotCode(run.Profile);

            // One entry per resumed process: "not traced: <pid> <command line> (<why>)"; the console may wrap it.
            var flat = System.Text.RegularExpressions.Regex.Replace(result.Stdout, @"\s*\n\s*", " ");
            var notTraced = System.Text.RegularExpressions.Regex.Matches(flat, @"not traced: \d+ .*?\([^()]*\)(?= not traced: | not analyzed: | next: |$)")
                .Select(m => m.Value).ToList();
            Assert.True(notTraced.Count >= 2, result.Stdout);
            Assert.Contains(notTraced, l => l.Contains("dotnet test") && l.Contains("did not match --process"));
            Assert.Contains(notTraced, l => l.Contains("vstest.console") && l.Contains("did not match --process"));
            Assert.DoesNotContain(notTraced, l => l.Contains("testhost.dll"));
        }
        finally
        {
            LiveProcesses.AssertNoneLeftBehind(tag);
        }
    }
}
