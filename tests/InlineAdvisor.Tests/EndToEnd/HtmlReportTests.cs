// `advisor report --html` through the real CLI on the committed mixer trace plus one stored experiment with raw runs:
// the page is one file that references nothing outside itself, its method names are escaped, its embedded JSON holds the
// same sites as `report --json`, and a bad output path is one line of error with no file left behind.
// (The page's drawing is tested in a real browser: tests/html/report.test.mjs.)
using System.Text.Json;
using System.Text.RegularExpressions;
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

public sealed class HtmlReportFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Store { get; }
    public long ExperimentId { get; }
    public string Html { get; }
    public JsonElement Data { get; }
    /// <summary>The text of the page's data block, as written.</summary>
    public string DataText { get; }

    public HtmlReportFixture()
    {
        Store = Dir.File("html.db");
        ExperimentId = MixerStore.Create(Dir.Path, Store, Experiment);
        var path = Dir.File("report.html");
        var r = Repo.RunAdvisor(Dir.Path, null, "report", "--store", Store, "--all", "--html", path, "--app", Repo.SamplesDir);
        Assert.True(r.ExitCode == 0, r.All);
        Html = File.ReadAllText(path);
        var json = Regex.Match(Html, """<script type="application/json" id="report-data">(.*?)</script>""", RegexOptions.Singleline);
        Assert.True(json.Success, "the page has its data block");
        DataText = json.Groups[1].Value;
        Data = JsonDocument.Parse(DataText).RootElement.Clone();
    }

    /// <summary>Block at the hottest site, −6% wall time, with 12 rounds of A, B and C runs (and a warm-up, round −1).</summary>
    static ExperimentRecord Experiment(long runId, CallSite site) => new()
    {
        ProfileRunId = runId,
        StartedUtc = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc),
        AppDir = Repo.SamplesDir,
        Command = "dotnet InlineSamples.dll mixer",
        Sites = [site],
        Edits = [new FlagEdit(site.Callee, InlineAction.Block, MethodImplFlags.None, MethodImplFlags.NoInlining)],
        Verdict = ExperimentVerdict.Effect,
        DecidingMetric = Metrics.Wall,
        Pairs = 12,
        Epsilon = 0.02,
        Metrics = [new MetricEffect(Metrics.Wall, "s", true, 12, 2.0, 1.88, -0.06, -0.085, -0.034, 0.004, -0.012, 0.02)],
        Runs = [.. Enumerable.Range(-1, 13).SelectMany(round => new[]
        {
            new ArmRun("A", round, 2.0 + round * 0.001, 1.9, null, null, null, null, null),
            new ArmRun("B", round, 1.88 + round * 0.001, 1.8, null, null, null, null, null),
            new ArmRun("C", round, 2.01 + round * 0.001, 1.9, null, null, null, null, null),
        })],
    };

    public void Dispose() => Dir.Dispose();
}

public sealed class HtmlReportTests(HtmlReportFixture fx) : IClassFixture<HtmlReportFixture>
{
    [Fact]
    public void The_page_references_nothing_outside_itself()
    {
        // The markup, styles and script (the data block holds no "<" at all, so it cannot add an element: see below).
        var page = fx.Html.Replace(fx.DataText, "");
        Assert.DoesNotMatch(new Regex(@"\b(src|href|action|poster|data)\s*=\s*[""']?\s*(https?:|//|file:)", RegexOptions.IgnoreCase), page);
        Assert.DoesNotMatch(new Regex(@"<link\b|<script[^>]*\bsrc\s*=|<iframe\b|<img\b|@import|url\(", RegexOptions.IgnoreCase), page);
        Assert.DoesNotMatch(new Regex(@"\b(fetch|XMLHttpRequest|WebSocket|EventSource|importScripts)\b"), page);
        // The only URL in the file is SVG's namespace name, which names and never loads.
        Assert.Equal(["http://www.w3.org/2000/svg"], Regex.Matches(fx.Html, @"https?://[^\s'""<>]+").Select(m => m.Value).Distinct());
        Assert.Contains("default-src 'none'", fx.Html);   // and the page's policy forbids loading anything anyway
    }

    [Fact]
    public void Method_names_are_escaped_and_read_back_exactly()
    {
        // The mixer's lambda lives in InlineSamples.MixerCase+<>c__DisplayClass5_0.<Execute>b__0: raw, it would open tags.
        var names = Sites().SelectMany(r => new[] { Display(r, "caller"), Display(r, "callee") }).ToList();
        var angled = names.Where(n => n.Contains('<')).Distinct().ToList();
        Assert.NotEmpty(angled);
        foreach (var name in angled) Assert.DoesNotContain(name, fx.Html);
        Assert.DoesNotContain("<", fx.DataText);   // not even "<\/": the encoder writes every < as \u003C
        var title = Regex.Match(fx.Html, "<title>(.*?)</title>").Groups[1].Value;
        Assert.Equal("InlineAdvisor report: run 1 mixer", title);
    }

    [Fact]
    public void The_page_holds_the_same_sites_as_report_json()
    {
        var r = Repo.RunAdvisor(fx.Dir.Path, null, "report", "--store", fx.Store, "--all", "--json", "--top", "1000000");
        Assert.True(r.ExitCode == 0, r.All);
        using var json = JsonDocument.Parse(r.Stdout);
        var expected = json.RootElement.GetProperty("sites").EnumerateArray().ToList();
        var actual = Sites().ToList();
        Assert.True(actual.Count > 10, $"{actual.Count} sites");
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(json.RootElement.GetProperty("sitesTotal").GetInt32(), fx.Data.GetProperty("report").GetProperty("sitesTotal").GetInt32());
        Assert.Equal(expected.Select(e => (Display(e, "caller"), Display(e, "callee"), e.GetProperty("bound").GetDouble())),
            actual.Select(e => (Display(e, "caller"), Display(e, "callee"), e.GetProperty("bound").GetDouble())));
        Assert.Equal(fx.Data.GetProperty("methods").GetArrayLength(),
            actual.Select(e => e.GetProperty("site").GetProperty("callee").GetRawText()).Distinct().Count());
    }

    [Fact]
    public void Experiments_carry_their_runs_per_arm_and_the_calibration_its_prediction()
    {
        var x = Assert.Single(fx.Data.GetProperty("experiments").EnumerateArray());
        Assert.Equal(fx.ExperimentId, x.GetProperty("record").GetProperty("id").GetInt64());
        var d = x.GetProperty("distributions");
        foreach (var (arm, first) in new[] { ("A", 2.0), ("B", 1.88), ("C", 2.01) })
        {
            var values = d.GetProperty(arm).EnumerateArray().Select(v => v.GetDouble()).ToList();
            Assert.Equal(12, values.Count);   // the warm-up (round −1) is not a measured run
            Assert.Equal(first, values[0], 9);
        }
        Assert.Contains("n=12 (measured, experiment", x.GetProperty("summary").GetString());
        var point = Assert.Single(fx.Data.GetProperty("calibration").EnumerateArray());
        Assert.Equal(fx.ExperimentId, point.GetProperty("experimentId").GetInt64());
        Assert.Equal(-0.06, point.GetProperty("measured").GetDouble(), 9);
        Assert.Equal("block", point.GetProperty("action").GetString());
        Assert.True(double.IsFinite(point.GetProperty("predicted").GetDouble()));
        var advice = fx.Data.GetProperty("advice").GetProperty("sites").EnumerateArray().ToList();
        Assert.Contains(advice, a => a.GetProperty("standing").GetString() == "measured");
    }

    [Fact]
    public void Without_an_app_folder_the_advice_panel_says_how_to_get_one()
    {
        var path = fx.Dir.File("no-app.html");
        var r = Repo.RunAdvisor(fx.Dir.Path, null, "report", "--store", fx.Store, "--html", path);
        Assert.True(r.ExitCode == 0, r.All);
        var html = File.ReadAllText(path);
        Assert.Contains("\"advice\":null", html);
        Assert.Contains("pass --app", html);
    }

    [Theory]
    [InlineData("folder")]        // the path names an existing folder
    [InlineData("under-a-file")]  // its parent is a file: nothing can be created there
    public void A_bad_output_path_is_one_line_and_leaves_no_file(string kind)
    {
        using var dir = new TempDir();
        string target;
        if (kind == "folder") target = dir.Path;
        else
        {
            File.WriteAllText(dir.File("plain.txt"), "not a folder");
            target = Path.Combine(dir.File("plain.txt"), "report.html");
        }
        var before = Directory.GetFileSystemEntries(dir.Path).Order().ToList();
        var r = Repo.RunAdvisor(fx.Dir.Path, null, "report", "--store", fx.Store, "--html", target);
        Assert.NotEqual(0, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("advisor: ", line);
        Assert.DoesNotContain(" at ", line);
        Assert.Equal(before, Directory.GetFileSystemEntries(dir.Path).Order().ToList());   // no report, no temp file
        if (kind == "under-a-file") Assert.Equal("not a folder", File.ReadAllText(dir.File("plain.txt")));
    }

    IEnumerable<JsonElement> Sites() => fx.Data.GetProperty("report").GetProperty("sites").EnumerateArray();

    static string Display(JsonElement row, string side) => row.GetProperty("site").GetProperty(side).GetProperty("display").GetString()!;
}
