// Golden tests: committed traces (tests/fixtures/*.nettrace) imported with the real CLI, and `advisor report --json`
// compared with a committed expectation. The analysis is deterministic for a fixed trace, so any difference is a
// change in what the advisor concludes: review it, and if it is intended rewrite the expectations with
//   UPDATE_GOLDEN=1 dotnet test tests/InlineAdvisor.Tests -c Release --filter "FullyQualifiedName~GoldenReportTests"
// (see tests/fixtures/README.md for how the traces were recorded).
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

public sealed class GoldenReportTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static string Fixtures => Path.Combine(Repo.Root, "tests", "fixtures");

    /// <summary>Fields that differ between imports of the same trace (where and when it was imported), removed.</summary>
    private static readonly string[] RunSpecific = ["id", "startedUtc", "tracePath", "pgoPath", "machine"];

    [Theory]
    [InlineData("mixer")]          // default settings (dynamic PGO on), with the runtime's PGO text file
    [InlineData("medium-nopgo")]   // DOTNET_TieredPGO=0: no PGO file; Score refused for size
    public void Report_of_a_committed_trace_matches_its_golden_file(string name)
    {
        var trace = Path.Combine(Fixtures, name + ".nettrace");
        var pgo = Path.Combine(Fixtures, name + ".pgo.txt");
        Assert.True(File.Exists(trace), $"missing fixture {trace}");
        var store = _dir.File("golden.db");
        var import = new List<string> { "import", trace, "--store", store, "--assemblies", Repo.SamplesDir };
        if (File.Exists(pgo)) import.AddRange(["--pgo", pgo]);
        var imported = Repo.RunAdvisor(_dir.Path, null, [.. import]);
        Assert.True(imported.ExitCode == 0, imported.All);

        var report = Repo.RunAdvisor(_dir.Path, null, "report", "--json", "--top", "10", "--store", store);
        Assert.True(report.ExitCode == 0, report.All);
        var actual = Normalize(report.Stdout);

        var goldenPath = Path.Combine(Fixtures, name + ".report.json");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(goldenPath, actual);
            return;
        }
        Assert.True(File.Exists(goldenPath), $"no golden file {goldenPath}: create it with UPDATE_GOLDEN=1");
        var expected = File.ReadAllText(goldenPath).ReplaceLineEndings("\n");
        if (expected != actual)
            Assert.Fail($"`advisor report --json` of {name}.nettrace differs from {goldenPath}.\n{FirstDifference(expected, actual)}\n" +
                "If the change is intended, rewrite the golden files with UPDATE_GOLDEN=1 and review `git diff tests/fixtures`.");
    }

    [Fact]
    public void Fixtures_were_recorded_from_the_current_samples()
    {
        // IL offsets, tokens and source lines come from today's InlineSamples.dll: a trace of older code would be
        // read against the wrong methods. samples.sha256 (`sha256sum` output) was written when the traces were recorded.
        var stale = new List<string>();
        foreach (var line in File.ReadAllLines(Path.Combine(Fixtures, "samples.sha256")).Where(l => l.Length > 0))
        {
            var hash = line[..64];
            var path = line[64..].TrimStart(' ', '*');
            var file = Path.Combine(Repo.Root, path);
            if (!File.Exists(file) || Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))) != hash)
                stale.Add(path);
        }
        Assert.True(stale.Count == 0, $"changed since the fixtures were recorded: {string.Join(", ", stale)}; record them again (tests/fixtures/README.md)");
    }

    [Fact]
    public void Goldens_hold_the_documented_decisions()
    {
        // The goldens are only worth comparing against if they say what samples/README.md says the JIT did.
        var mixer = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, "mixer.report.json")))!;
        var mix = Rows(mixer).Where(r => (string?)r["site"]!["caller"]!["display"] == "InlineSamples.ByteHasher.HashBlock"
            && (string?)r["site"]!["callee"]!["display"] == "InlineSamples.ByteHasher.Mix").ToList();
        Assert.NotEmpty(mix);
        Assert.All(mix, r => Assert.Equal("inlined", (string?)r["decision"]));
        Assert.All(mix, r => Assert.Equal("AggressiveInlining", (string?)r["existingAttribute"]));
        Assert.All(mix, r => Assert.Equal("samples/InlineSamples/MixerCase.cs", (string?)r["site"]!["source"]!["file"]));
        Assert.Contains(mix, r => (long?)r["site"]!["pgoCount"] > 0);

        var medium = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, "medium-nopgo.report.json")))!;
        var score = Assert.Single(Rows(medium), r => (string?)r["site"]!["caller"]!["display"] == "InlineSamples.PacketScorer.ScoreAll"
            && (string?)r["site"]!["callee"]!["display"] == "InlineSamples.PacketScorer.Score");
        Assert.Equal("notInlined", (string?)score["site"]!["decision"]!["outcome"]);
        Assert.Equal("too many il bytes", (string?)score["site"]!["decision"]!["reason"]);
        Assert.Equal("samples/InlineSamples/MediumCase.cs", (string?)score["site"]!["source"]!["file"]);
        Assert.Equal("file", (string?)medium["run"]!["mode"]);
        Assert.Equal("", (string?)medium["run"]!["runtimeConfig"]);   // an import does not know the settings
    }

    private static IEnumerable<JsonNode> Rows(JsonNode report) => report["sites"]!.AsArray().Select(r => r!);

    /// <summary>Drops run-specific fields and makes source paths under the repo relative to it.</summary>
    internal static string Normalize(string json)
    {
        var root = JsonNode.Parse(json)!;
        var run = root["run"]!.AsObject();
        foreach (var field in RunSpecific) run.Remove(field);
        RelativizeSources(root);
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";
    }

    private static void RelativizeSources(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["file"] is JsonValue v && v.TryGetValue<string>(out var file) && Path.IsPathRooted(file))
                {
                    var relative = Path.GetRelativePath(Repo.Root, file);
                    if (!relative.StartsWith("..", StringComparison.Ordinal)) o["file"] = relative.Replace('\\', '/');
                }
                foreach (var (_, child) in o.ToList()) RelativizeSources(child);
                break;
            case JsonArray a:
                foreach (var child in a) RelativizeSources(child);
                break;
        }
    }

    internal static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<end>";
            var al = i < a.Length ? a[i] : "<end>";
            if (el != al) return $"first difference at line {i + 1}:\n  expected: {el.Trim()}\n  actual:   {al.Trim()}";
        }
        return "(same lines; whitespace differs)";
    }
}
