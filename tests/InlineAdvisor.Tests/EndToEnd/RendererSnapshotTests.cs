// Snapshot tests of every view of the one evidence model: the report and advise tables and JSON, the experiment table,
// the advice file, SARIF, and the editor's lens and hover text. Input: the committed mixer trace imported with the real
// CLI, plus one stored experiment with fixed numbers at its hottest site. Output is compared with the committed files
// in tests/fixtures/snapshots/; a difference is a change in what a user reads: review it, and if intended rewrite with
//   UPDATE_GOLDEN=1 dotnet test tests/InlineAdvisor.Tests -c Release --filter "FullyQualifiedName~RendererSnapshotTests"
using System.Text;
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer;
using InlineAdvisor.Store;
using Spectre.Console;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

public sealed class RendererSnapshotFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Store { get; }
    public long ExperimentId { get; }

    public RendererSnapshotFixture()
    {
        Store = Dir.File("snapshots.db");
        ExperimentId = MixerStore.Create(Dir.Path, Store, Experiment);
    }

    /// <summary>An experiment as the runner stores one, with round numbers: removing the callee's inline cost 6% less wall time.</summary>
    static ExperimentRecord Experiment(long runId, CallSite site) => new()
    {
        ProfileRunId = runId,
        StartedUtc = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc),
        Seconds = 120,
        AppDir = Repo.SamplesDir,
        Command = "dotnet InlineSamples.dll mixer",
        Sites = [site],
        Edits = [new FlagEdit(site.Callee, InlineAction.Block, MethodImplFlags.None, MethodImplFlags.NoInlining)],
        Verdict = ExperimentVerdict.Effect,
        DecidingMetric = Metrics.Wall,
        Pairs = 20,
        Epsilon = 0.02,
        Metrics =
        [
            new MetricEffect(Metrics.Wall, "s", true, 20, 2.0, 1.88, -0.06, -0.085, -0.034, 0.004, -0.012, 0.02),
            new MetricEffect(Metrics.Tier1Code, "B", true, 20, 40_000, 38_000, -0.05, -0.06, -0.04, 0, -0.002, 0.002),
        ],
        Flip = new FlipCheck(1, 1, [$"{site.Caller.Name} → {site.Callee.Name}: inlined → not inlined"]),
        RuntimeConfig = "",
        Machine = "snapshot machine",
        Counters = "software counters only",
        Notes = [],
        Runs = [],
    };

    public void Dispose() => Dir.Dispose();
}

public sealed class RendererSnapshotTests(RendererSnapshotFixture fx) : IClassFixture<RendererSnapshotFixture>
{
    string Advisor(params string[] args)
    {
        var r = Repo.RunAdvisor(fx.Dir.Path, null, args);
        Assert.True(r.ExitCode == 0, r.All);
        return r.Stdout;
    }

    [Fact] public void Report_table() => Match("report.txt", Advisor("report", "--store", fx.Store, "--top", "8"));

    [Fact] public void Report_methods_table() => Match("report-methods.txt", Advisor("report", "--store", fx.Store, "--methods", "--top", "8"));

    [Fact] public void Report_json() => Match("report.json", Advisor("report", "--store", fx.Store, "--top", "8", "--json"));

    [Fact] public void Advise_table() => Match("advise.txt", Advisor("advise", "--store", fx.Store, "--app", Repo.SamplesDir, "--top", "8"));

    [Fact] public void Advise_json() => Match("advise.json", Advisor("advise", "--store", fx.Store, "--app", Repo.SamplesDir, "--top", "8", "--json"));

    [Fact]
    public void Advice_file_and_sarif()
    {
        var json = fx.Dir.File("advice.json");
        var sarif = fx.Dir.File("advice.sarif");
        Advisor("export", "--store", fx.Store, "--output", json);
        Advisor("export", "--store", fx.Store, "--format", "sarif", "--output", sarif, "--source-root", Repo.Root);
        Match("advice.json", File.ReadAllText(json));
        Match("advice.sarif", File.ReadAllText(sarif));
    }

    [Fact]
    public void Experiment_table()
    {
        using var store = ProfileStore.Open(fx.Store);
        var text = Capture(() => InlineAdvisor.Cli.Commands.ExperimentCommand.Render(store.LoadExperiment(fx.ExperimentId)!, fx.ExperimentId));
        Match("experiment.txt", text);
    }

    [Fact]
    public void Lens_and_hover_text()
    {
        using var store = ProfileStore.Open(fx.Store);
        var index = ProfileIndex.Load(store)!;
        var sb = new StringBuilder();
        var files = store.LoadRun(index.Run.Id)!.Sites.Where(s => s.Source is not null).Select(s => s.Source!.File).Distinct().Order(StringComparer.Ordinal);
        foreach (var file in files)
            foreach (var e in index.SitesFor(file)?.Sites.Take(4) ?? [])
            {
                sb.Append("lens  ").Append(LensText.Site(e)).Append('\n');
                sb.Append("hover\n").Append(LensText.SiteHover(e, index.Run, shift: 0)).Append("\n----\n");
            }
        Match("lens.txt", sb.ToString());
    }

    static string Capture(Action render)
    {
        var previous = AnsiConsole.Console;
        var writer = new StringWriter();
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer),
        });
        AnsiConsole.Profile.Width = 240;
        try { render(); } finally { AnsiConsole.Console = previous; }
        return writer.ToString();
    }

    /// <summary>Compares with the committed snapshot; paths of this machine and run-specific ids are written as placeholders.</summary>
    void Match(string name, string actual)
    {
        actual = actual.ReplaceLineEndings("\n")
            .Replace(fx.Dir.Path, "<tmp>").Replace(Repo.Root, "<repo>")
            .Replace(Environment.MachineName, "<machine>");
        actual = System.Text.RegularExpressions.Regex.Replace(actual, @"""(generatedUtc|toolVersion|version)""\s*:\s*""[^""]*""", "\"$1\": \"<varies>\"");
        actual = System.Text.RegularExpressions.Regex.Replace(actual, @"imported \d{4}-\d\d-\d\d \d\d:\d\d", "imported <time>");
        var path = Path.Combine(GoldenReportTests.Fixtures, "snapshots", name);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"no snapshot {path}: create it with UPDATE_GOLDEN=1");
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected != actual)
            Assert.Fail($"{name} differs from {path}.\n{GoldenReportTests.FirstDifference(expected, actual)}\nIf intended, rewrite with UPDATE_GOLDEN=1 and review `git diff tests/fixtures/snapshots`.");
    }
}
