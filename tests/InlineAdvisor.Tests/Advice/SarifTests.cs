// SARIF from hand-made advice: predicted vs measured levels, URIs of awkward paths, and every variant valid against
// the official SARIF 2.1.0 schema.
using System.Text.Json;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using static InlineAdvisor.Tests.Advice.AdviceJsonTests;

namespace InlineAdvisor.Tests.Advice;

public sealed class SarifTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private JsonElement WriteAndValidate(string root, params Recommendation[] recommendations)
    {
        var path = _dir.File($"advice-{Guid.NewGuid():N}.sarif");
        Sarif.Write(new AdviceFile { ToolVersion = "1.2.3+abc", GeneratedUtc = DateTime.UtcNow, Recommendations = recommendations }, path, root);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp-*"));
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.SarifSchema, path);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("runs")[0];
    }

    [Fact]
    public void The_vendored_schema_is_the_official_SARIF_2_1_0_schema()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(JsonSchemaCheck.SarifSchema));
        Assert.Equal("Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema", schema.RootElement.GetProperty("title").GetString());
        Assert.Equal("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", schema.RootElement.GetProperty("id").GetString());
        Assert.Equal(Sarif.SchemaUri, schema.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public void Predicted_advice_is_for_review_only_and_measured_advice_is_a_note()
    {
        var predicted = Measured(Mix with { Name = "Predicted" }, InlineAction.Force) with
        {
            Reason = "predicted: small callee in a hot loop",
            Evidence = new AdviceEvidence { Kind = "predicted", ModelVersion = "heuristic-0.1", Effect = -0.02, Low = -0.05, High = 0.01 },
        };
        var run = WriteAndValidate(_dir.Path, Measured(Mix, InlineAction.Block), predicted);

        var results = run.GetProperty("results");
        Assert.Equal("IA0002", results[0].GetProperty("ruleId").GetString());
        Assert.Equal("note", results[0].GetProperty("level").GetString());
        Assert.StartsWith("Block inlining of InlineSamples.ByteHasher.Mix", results[0].GetProperty("message").GetProperty("text").GetString());
        Assert.Equal("review", results[1].GetProperty("kind").GetString());
        Assert.Equal("none", results[1].GetProperty("level").GetString());
        var text = results[1].GetProperty("message").GetProperty("text").GetString()!;
        Assert.Contains("Predicted, not measured (model heuristic-0.1)", text);
        Assert.Contains("confirm it with `advisor experiment`", text);
        Assert.Contains("predicted", results[1].GetProperty("properties").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        // Stable per method, independent of the line: the same identity gives the same fingerprint.
        Assert.NotEqual(results[0].GetProperty("partialFingerprints").GetProperty("inlineAdvisorMethod/v1").GetString(),
            results[1].GetProperty("partialFingerprints").GetProperty("inlineAdvisorMethod/v1").GetString());
    }

    [Fact]
    public void Paths_with_spaces_and_unicode_become_valid_uris()
    {
        var root = Directory.CreateDirectory(_dir.File("My Repo ü")).FullName;
        var inside = Measured(Mix) with { Source = new SourceLocation(Path.Combine(root, "src", "Hasher 🚀.cs"), 40, 13) };
        var relative = Measured(Mix with { Name = "Rel" }) with { Source = new SourceLocation("Ünïcödé/A#B.cs", 7, 1) };
        var outside = Measured(Mix with { Name = "Out" }) with { Source = new SourceLocation("/opt/other code/X.cs", 3, 9) };
        var noLine = Measured(Mix with { Name = "NoLine" }) with { Source = new SourceLocation("", 0, 0) };

        var run = WriteAndValidate(root, inside, relative, outside, noLine);

        string Uri(int i) => run.GetProperty("results")[i].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!;
        Assert.Equal("src/Hasher%20%F0%9F%9A%80.cs", Uri(0));
        Assert.Equal("%C3%9Cn%C3%AFc%C3%B6d%C3%A9/A%23B.cs", Uri(1));
        Assert.Equal("file:///opt/other%20code/X.cs", Uri(2));
        // jsonschema has no "uri" format checker here: check RFC 3986 form (ASCII only, well formed) ourselves.
        foreach (var uri in new[] { Uri(0), Uri(1), Uri(2) })
        {
            Assert.True(uri.All(char.IsAscii), uri);
            Assert.True(System.Uri.IsWellFormedUriString(uri, UriKind.RelativeOrAbsolute), uri);
        }
        Assert.False(run.GetProperty("results")[3].GetProperty("locations")[0].TryGetProperty("physicalLocation", out _));
        Assert.EndsWith("/My%20Repo%20%C3%BC/", run.GetProperty("originalUriBaseIds").GetProperty("SRCROOT").GetProperty("uri").GetString());
        Assert.StartsWith("file:///", run.GetProperty("originalUriBaseIds").GetProperty("SRCROOT").GetProperty("uri").GetString());
    }

    [Theory]
    [InlineData("/repo/src/A.cs", "/repo", "src/A.cs")]
    [InlineData("/repo/A.cs", "/repo/", "A.cs")]
    [InlineData("/repository/A.cs", "/repo", null)]   // a sibling that shares a prefix is outside
    [InlineData("/other/A.cs", "/repo", null)]
    [InlineData("src/A.cs", "/repo", "src/A.cs")]
    [InlineData("../A.cs", "/repo", null)]
    [InlineData("/repo", "/repo", null)]
    public void Relative_paths(string file, string root, string? expected) => Assert.Equal(expected, Sarif.Relative(file, root));
}
