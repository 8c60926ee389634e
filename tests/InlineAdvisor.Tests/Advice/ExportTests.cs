// `advisor export` through the real CLI binary on a real SQLite store of experiment evidence: the advice file
// validates against our shipped schema and round-trips through AdviceJson.Read; the SARIF validates against the
// official SARIF 2.1.0 schema; source lines come from the real sample build's PDB.
using System.Text.Json;
using System.Text.Json.Nodes;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Advice;

public sealed class ExportTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private static readonly DateTime Day = new(2026, 11, 21, 9, 0, 0, DateTimeKind.Utc);

    /// <summary>Identities exactly as the runtime prints them, read from the real sample build.</summary>
    private static MethodIdentity Sample(string type, string name)
    {
        using var catalog = new AssemblyCatalog();
        var asm = catalog.Open(Repo.SamplesDll) ?? throw new InvalidOperationException($"no sample build at {Repo.SamplesDll}");
        return asm.Methods.Single(m => m.Identity.Type == type && m.Identity.Name == name).Identity;
    }

    private static readonly MethodIdentity HashBlock = Sample("InlineSamples.ByteHasher", "HashBlock");
    private static readonly MethodIdentity Mix = Sample("InlineSamples.ByteHasher", "Mix");
    private static readonly MethodIdentity SumWindows = Sample("InlineSamples.WindowSummer", "SumWindows");
    private static readonly MethodIdentity CheckWindow = Sample("InlineSamples.ArgChecks", "CheckWindow");
    /// <summary>An assembly the app folder does not have: no PDB, so no source location.</summary>
    private static readonly MethodIdentity Elsewhere = new("Sämples.Ünï", "Samples.Ünïcödé.Größe", "Wert_🚀", "float64  (valuetype Samples.Ünïcödé.Größe)");

    private const long RunSamples = 12_345;   // Realistic()'s managed samples

    private static MetricEffect Wall(double effect, double low, double high, int n = 30) =>
        new("wall time", "s", true, n, 1.25, 1.25 * (1 + effect), effect, low, high, 0.004, -0.012, 0.019);

    private static MetricEffect Code(double effect, double low, double high) =>
        new("Tier1 code", "B", true, 30, 65_536, 65_536 * (1 + effect), effect, low, high, 0, -0.001, 0.001);

    private static CallSite Site(MethodIdentity caller, MethodIdentity callee, int il, long call, long statement) =>
        new() { Id = il, Caller = caller, Callee = callee, IlOffset = il, CallSamples = call, StatementSamples = statement,
                Decision = new InlineDecision(InlineOutcome.Inlined, "", ["OptimizedTier1:inlined"], false) };

    private static ExperimentRecord Experiment(long? run, DateTime started, ExperimentVerdict verdict, IReadOnlyList<MetricEffect> metrics,
        IReadOnlyList<CallSite> sites, params FlagEdit[] edits) => new()
    {
        ProfileRunId = run, StartedUtc = started, Seconds = 93.5, AppDir = Repo.SamplesDir,
        Command = $"dotnet {Repo.SamplesDll} mixer --scale 0.4", Sites = sites, Edits = edits, Verdict = verdict,
        DecidingMetric = "wall time", Pairs = metrics[0].N, Epsilon = 0.01, Metrics = metrics,
        Flip = new FlipCheck(sites.Count, sites.Count, sites.Select(_ => "inlined → not inlined").ToList()),
        RuntimeConfig = "", Machine = "debian x64 2 cores", Counters = "perf counters unavailable: no PMU",
    };

    /// <summary>A store as `advisor collect` + several `advisor experiment`s leave it: one profile run, and experiments
    /// that pay, cost, were superseded, changed two methods at once, or have no interval.</summary>
    private string StoreWithExperiments(bool onlyHarmful = false)
    {
        var path = _dir.File("advisor.db");
        using var store = ProfileStore.Open(path);
        var run = store.SaveRun(Realistic());
        var mixSites = new[] { Site(HashBlock, Mix, 23, 0, 5_185), Site(HashBlock, Mix, 41, 0, 1_200) };
        var checkSites = new[] { Site(SumWindows, CheckWindow, 30, 0, 2_000) };
        // Costs: blocking the inlined argument check made the loop slower → no recommendation.
        store.SaveExperiment(Experiment(run, Day.AddHours(1), ExperimentVerdict.Effect, [Wall(0.063, 0.052, 0.073), Code(-0.141, -0.15, -0.13)], checkSites,
            new FlagEdit(CheckWindow, InlineAction.Block, MethodImplFlags.None, MethodImplFlags.NoInlining)));
        if (onlyHarmful) return path;
        // Pays: removing the forced inline of the mixer costs no wall time and saves Tier1 code → remove.
        store.SaveExperiment(Experiment(run, Day.AddHours(3), ExperimentVerdict.NotResolved, [Wall(-0.035, -0.093, 0.027), Code(-0.108, -0.115, -0.101)], mixSites,
            new FlagEdit(Mix, InlineAction.Remove, MethodImplFlags.AggressiveInlining, MethodImplFlags.None)));
        // Superseded: an older experiment on the same method says block; the newest one wins.
        store.SaveExperiment(Experiment(run, Day.AddHours(2), ExperimentVerdict.Effect, [Wall(-0.05, -0.07, -0.03), Code(-0.1, -0.11, -0.09)], mixSites,
            new FlagEdit(Mix, InlineAction.Block, MethodImplFlags.AggressiveInlining, MethodImplFlags.NoInlining)));
        // Pays, measured faster: forcing the hot caller → force.
        store.SaveExperiment(Experiment(run, Day.AddHours(4), ExperimentVerdict.Effect, [Wall(-0.041, -0.06, -0.022, 25), Code(0.12, 0.11, 0.13)],
            [Site(Sample("InlineSamples.MixerCase+<>c__DisplayClass5_0", "<Execute>b__0"), HashBlock, 7, 900, 0)],
            new FlagEdit(HashBlock, InlineAction.Force, MethodImplFlags.NoInlining, MethodImplFlags.AggressiveInlining)));
        // Pays, in an assembly the app folder lacks (no PDB → no source), and its run is unknown (bound 0).
        store.SaveExperiment(Experiment(null, Day.AddHours(5), ExperimentVerdict.Effect, [Wall(-0.02, -0.03, -0.01, 40)],
            [Site(SumWindows, Elsewhere, 3, 10, 0)],
            new FlagEdit(Elsewhere, InlineAction.Force, MethodImplFlags.None, MethodImplFlags.AggressiveInlining)));
        // Two methods at once: cannot say which change paid → skipped.
        store.SaveExperiment(Experiment(run, Day.AddHours(6), ExperimentVerdict.Effect, [Wall(-0.2, -0.25, -0.15)], [.. mixSites, .. checkSites],
            new FlagEdit(SumWindows, InlineAction.Block, MethodImplFlags.None, MethodImplFlags.NoInlining),
            new FlagEdit(CheckWindow, InlineAction.Force, MethodImplFlags.None, MethodImplFlags.AggressiveInlining)));
        // No interval (one pair): NaN statistics never become advice, nor a number in the file.
        store.SaveExperiment(Experiment(run, Day.AddHours(7), ExperimentVerdict.NotResolved,
            [Wall(double.NaN, double.NaN, double.NaN, 1), Code(-0.2, -0.3, -0.1)], checkSites,
            new FlagEdit(SumWindows, InlineAction.Remove, MethodImplFlags.NoInlining, MethodImplFlags.None)));
        return path;
    }

    private ProcessResult Export(params string[] args) => Repo.RunAdvisor(_dir.Path, null, ["export", .. args]);

    [Fact]
    public void Json_export_validates_against_the_shipped_schema_and_round_trips_through_the_reader()
    {
        var store = StoreWithExperiments();
        var output = _dir.File("out/inline-advice.json");

        var r = Export("--store", store, "--output", output, "--source-root", Repo.Root);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("", r.Stderr);
        Assert.Contains("wrote 3 recommendation(s) from 7 experiment(s)", r.Stdout);
        Assert.Contains("1 changed several methods at once", r.Stdout);
        Assert.Empty(Directory.GetFiles(_dir.File("out"), "*.tmp-*"));   // written atomically, nothing left behind
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "server", "InlineAdvisor.Advice", "inline-advice.schema.json")), File.ReadAllText(JsonSchemaCheck.AdviceSchema));
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.AdviceSchema, output);

        var advice = AdviceJson.Read(output);
        Assert.Equal(AdviceFile.CurrentSchemaVersion, advice.SchemaVersion);
        Assert.False(string.IsNullOrWhiteSpace(advice.ToolVersion));
        Assert.Equal(DateTimeKind.Utc, advice.GeneratedUtc.Kind);
        Assert.InRange(advice.GeneratedUtc, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(1));
        // Reading and writing again gives the same bytes: nothing is lost or invented on the way.
        Assert.Equal(File.ReadAllText(output), JsonSerializer.Serialize(advice, AdviceJson.Options));

        // Highest bound first; the superseded, harmful, joint and interval-less experiments gave nothing.
        Assert.Equal(new[] { Mix, HashBlock, Elsewhere }, advice.Recommendations.Select(x => x.Method));
        var mix = advice.Recommendations[0];
        Assert.Equal(InlineAction.Remove, mix.Action);
        Assert.Equal(5_185.0 / RunSamples, mix.AmdahlBound, 12);
        Assert.Equal("measured", mix.Evidence.Kind);
        Assert.Equal("wall time", mix.Evidence.Metric);
        Assert.Equal((-0.035, -0.093, 0.027, 30), (mix.Evidence.Effect!.Value, mix.Evidence.Low!.Value, mix.Evidence.High!.Value, mix.Evidence.N!.Value));
        Assert.Equal((-0.012, 0.019), (mix.Evidence.ControlLow!.Value, mix.Evidence.ControlHigh!.Value));
        Assert.Equal<double?>(-0.108, mix.Evidence.Tier1CodeChange);
        Assert.Single(mix.Evidence.RunIds);
        Assert.Single(mix.Evidence.ExperimentIds);
        Assert.Contains("Tier1 code -10.8%", mix.Reason);
        // The declaration from the sample build's PDB, relative to the source root.
        Assert.NotNull(mix.Source);
        Assert.Equal("samples/InlineSamples/MixerCase.cs", mix.Source!.File);
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "samples", "InlineSamples", "MixerCase.cs"));
        int declared = Array.FindIndex(lines, l => l.Contains("public static ulong Mix(")) + 1;
        Assert.InRange(mix.Source.Line, declared, declared + 3);   // the signature line or the body's first sequence point
        Assert.True(mix.Source.Column >= 1);

        var force = advice.Recommendations[1];
        Assert.Equal(InlineAction.Force, force.Action);
        Assert.Equal(900.0 / RunSamples, force.AmdahlBound, 12);
        Assert.Equal<double?>(0.12, force.Evidence.Tier1CodeChange);

        var elsewhere = advice.Recommendations[2];
        Assert.Null(elsewhere.Source);           // no such assembly in the app folder
        Assert.Equal(0.0, elsewhere.AmdahlBound);  // no profile run
        Assert.Empty(elsewhere.Evidence.RunIds);

        // The file holds the identity only: no derived names, no nulls.
        var text = File.ReadAllText(output);
        Assert.DoesNotContain("\"display\"", text);
        Assert.DoesNotContain("\"nameKey\"", text);
        Assert.DoesNotContain("null", text);
        Assert.DoesNotContain("NaN", text);
    }

    [Fact]
    public void The_schema_rejects_what_the_format_does_not_allow()
    {
        var output = _dir.File("inline-advice.json");
        Assert.Equal(0, Export("--store", StoreWithExperiments(), "--output", output, "--source-root", Repo.Root).ExitCode);
        var original = JsonNode.Parse(File.ReadAllText(output))!;

        void AssertRejected(string expected, Action<JsonNode> mutate)
        {
            var copy = original.DeepClone();
            mutate(copy);
            var path = _dir.File($"bad-{Guid.NewGuid():N}.json");
            File.WriteAllText(path, copy.ToJsonString());
            var errors = JsonSchemaCheck.Errors(JsonSchemaCheck.AdviceSchema, path);
            Assert.Contains(expected, errors);
        }

        AssertRejected("$.schemaVersion", n => n["schemaVersion"] = 2);
        AssertRejected("$.recommendations[0].action", n => n["recommendations"]![0]!["action"] = "inline");
        AssertRejected("'signature' is a required property", n => n["recommendations"]![0]!["method"]!.AsObject().Remove("signature"));
        AssertRejected("Additional properties are not allowed", n => n["recommendations"]![0]!["method"]!["display"] = "ByteHasher.Mix");
        AssertRejected("$.recommendations[0].evidence.kind", n => n["recommendations"]![0]!["evidence"]!["kind"] = "guessed");
        AssertRejected("'effect' is a required property", n => n["recommendations"]![0]!["evidence"]!.AsObject().Remove("effect"));
        AssertRejected("'modelVersion' is a required property", n => n["recommendations"]![0]!["evidence"]!["kind"] = "predicted");
        AssertRejected("$.recommendations[0].amdahlBound", n => n["recommendations"]![0]!["amdahlBound"] = 1.5);
        AssertRejected("$.recommendations[0].source.line", n => n["recommendations"]![0]!["source"]!["line"] = 0);
        AssertRejected("$.recommendations[0].source", n => n["recommendations"]![0]!["source"] = null);   // nulls are omitted, never written
    }

    [Fact]
    public void Sarif_export_validates_against_the_official_schema_with_locations_on_the_declaration_lines()
    {
        var store = StoreWithExperiments();
        var json = _dir.File("inline-advice.json");
        var sarif = _dir.File("inline-advice.sarif");
        Assert.Equal(0, Export("--store", store, "--output", json, "--source-root", Repo.Root).ExitCode);

        var r = Export("--store", store, "--format", "sarif", "--output", sarif, "--source-root", Repo.Root);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("SARIF 2.1.0", r.Stdout);
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.SarifSchema, sarif);
        var advice = AdviceJson.Read(json);
        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        var log = doc.RootElement;
        Assert.Equal("2.1.0", log.GetProperty("version").GetString());
        var run = log.GetProperty("runs").EnumerateArray().Single();
        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("InlineAdvisor", driver.GetProperty("name").GetString());
        Assert.Equal(advice.ToolVersion, driver.GetProperty("version").GetString());
        Assert.Equal(new[] { "IA0001", "IA0002", "IA0003" }, driver.GetProperty("rules").EnumerateArray().Select(x => x.GetProperty("id").GetString()!));
        Assert.Equal(new Uri(Repo.Root + "/").AbsoluteUri, run.GetProperty("originalUriBaseIds").GetProperty("SRCROOT").GetProperty("uri").GetString());

        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        var mix = results[0];
        Assert.Equal("IA0003", mix.GetProperty("ruleId").GetString());
        Assert.Equal(2, mix.GetProperty("ruleIndex").GetInt32());
        Assert.Equal("note", mix.GetProperty("level").GetString());
        Assert.False(mix.TryGetProperty("kind", out _));   // "fail", the default: a finding about this code
        var text = mix.GetProperty("message").GetProperty("text").GetString()!;
        Assert.StartsWith("Remove the inlining attribute of InlineSamples.ByteHasher.Mix", text);
        Assert.Contains(advice.Recommendations[0].Reason.Substring(1), text);
        Assert.Contains($"experiment {advice.Recommendations[0].Evidence.ExperimentIds[0]}", text);
        Assert.Contains("A/A control [-1.2%, +1.9%]", text);
        var physical = mix.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal("samples/InlineSamples/MixerCase.cs", physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal("SRCROOT", physical.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
        Assert.Equal(advice.Recommendations[0].Source!.Line, physical.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(advice.Recommendations[0].Source!.Column, physical.GetProperty("region").GetProperty("startColumn").GetInt32());
        // The properties carry exactly what the advice file says.
        var props = mix.GetProperty("properties");
        Assert.Equal(Mix, props.GetProperty("method").Deserialize<MethodIdentity>(AdviceJson.Options));
        Assert.Equal("remove", props.GetProperty("action").GetString());
        Assert.Equal(JsonSerializer.Serialize(advice.Recommendations[0].Evidence, AdviceJson.Options),
            JsonSerializer.Serialize(props.GetProperty("evidence").Deserialize<AdviceEvidence>(AdviceJson.Options), AdviceJson.Options));
        Assert.Equal(advice.Recommendations[0].AmdahlBound, props.GetProperty("amdahlBound").GetDouble(), 12);

        Assert.Equal("IA0001", results[1].GetProperty("ruleId").GetString());
        // No PDB: a logical location only.
        var elsewhere = results[2].GetProperty("locations")[0];
        Assert.False(elsewhere.TryGetProperty("physicalLocation", out _));
        Assert.Equal("Samples.Ünïcödé.Größe.Wert_🚀", elsewhere.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
    }

    [Fact]
    public void Sources_outside_the_source_root_stay_absolute()
    {
        var store = StoreWithExperiments();
        var json = _dir.File("a.json");
        var sarif = _dir.File("a.sarif");
        var elsewhere = Directory.CreateDirectory(_dir.File("elsewhere")).FullName;

        Assert.Equal(0, Export("--store", store, "--output", json, "--source-root", elsewhere).ExitCode);
        Assert.Equal(0, Export("--store", store, "--output", sarif, "--format", "SARIF", "--source-root", elsewhere).ExitCode);

        var file = AdviceJson.Read(json).Recommendations[0].Source!.File;
        Assert.Equal(Path.Combine(Repo.Root, "samples", "InlineSamples", "MixerCase.cs"), file);
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.AdviceSchema, json);
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.SarifSchema, sarif);
        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        var artifact = doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("locations")[0]
            .GetProperty("physicalLocation").GetProperty("artifactLocation");
        Assert.Equal(new Uri(file).AbsoluteUri, artifact.GetProperty("uri").GetString());
        Assert.False(artifact.TryGetProperty("uriBaseId", out _));
    }

    [Fact]
    public void An_export_without_a_recommendation_still_writes_a_valid_file_and_says_so()
    {
        var store = StoreWithExperiments(onlyHarmful: true);
        var json = _dir.File("inline-advice.json");
        var sarif = _dir.File("inline-advice.sarif");

        var r = Export("--store", store, "--output", json);
        var s = Export("--store", store, "--output", sarif, "--format", "sarif");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.StartsWith("advisor: no recommendation: none of the 1 experiment(s) in ", r.Stderr);
        Assert.Contains("empty list", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Empty(AdviceJson.Read(json).Recommendations);
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.AdviceSchema, json);
        Assert.True(s.ExitCode == 0, s.All);
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.SarifSchema, sarif);
        using var doc = JsonDocument.Parse(File.ReadAllText(sarif));
        Assert.Equal(0, doc.RootElement.GetProperty("runs")[0].GetProperty("results").GetArrayLength());
    }

    [Fact]
    public void A_store_without_experiments_is_one_clear_line_and_writes_nothing()
    {
        var path = _dir.File("runs-only.db");
        using (var store = ProfileStore.Open(path)) store.SaveRun(Realistic());
        var output = _dir.File("inline-advice.json");

        var r = Export("--store", path, "--output", output);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"advisor: no experiments in {path}: run `advisor experiment` first", r.Stderr.Trim());
        Assert.False(File.Exists(output));

        var missing = _dir.File("missing.db");
        var m = Export("--store", missing, "--output", output);
        Assert.Equal(1, m.ExitCode);
        Assert.StartsWith($"advisor: no store at {missing}", m.Stderr);
        Assert.False(File.Exists(missing));   // not created just to be found empty
    }

    [Fact]
    public void Bad_options_are_usage_errors()
    {
        var store = StoreWithExperiments(onlyHarmful: true);
        var f = Export("--store", store, "--format", "xml");
        Assert.Equal(2, f.ExitCode);
        Assert.Equal("advisor: --format: 'xml' is not json or sarif", f.Stderr.Trim());
        var root = Export("--store", store, "--source-root", _dir.File("nope"));
        Assert.Equal(2, root.ExitCode);
        Assert.StartsWith("advisor: --source-root: no folder", root.Stderr);
    }

    [Fact]
    public void Help_explains_inputs_evidence_and_formats()
    {
        var r = Export("--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var expected in new[] { "advisor experiment", "measured", "predicted", "A/A control", "amdahlBound", "--source-root", "SARIF 2.1.0", "force", "block", "remove" })
            Assert.Contains(expected, r.Stdout);
    }
}
