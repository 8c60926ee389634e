// The advice file is untrusted input: every refusal is an AdviceException with one clear sentence naming the file.
using System.Text.Json.Nodes;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Advice;

public sealed class AdviceJsonTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    internal static readonly MethodIdentity Mix = new("InlineSamples", "InlineSamples.ByteHasher", "Mix", "unsigned int64  (unsigned int64,unsigned int8)");

    internal static Recommendation Measured(MethodIdentity method, InlineAction action = InlineAction.Remove) => new()
    {
        Method = method,
        Action = action,
        Reason = "measured: wall time -4.1% [-6.0%, -2.2%] at n=25, clear of the A/A control",
        AmdahlBound = 0.42,
        Source = new SourceLocation("samples/InlineSamples/MixerCase.cs", 31, 5),
        Evidence = new AdviceEvidence
        {
            Kind = "measured", Metric = "wall time", Effect = -0.041, Low = -0.06, High = -0.022, ControlLow = -0.01, ControlHigh = 0.012,
            N = 25, Tier1CodeChange = -0.1, ExperimentIds = [7], RunIds = [3],
        },
    };

    private string Valid(params Recommendation[] recommendations)
    {
        var path = _dir.File($"advice-{Guid.NewGuid():N}.json");
        AdviceJson.Write(new AdviceFile { ToolVersion = "1.0.0+test", GeneratedUtc = new DateTime(2026, 11, 21, 9, 0, 0, DateTimeKind.Utc), Recommendations = recommendations }, path);
        return path;
    }

    private string Edited(Action<JsonNode> edit)
    {
        var path = Valid(Measured(Mix));
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
        return path;
    }

    private static AdviceException Refused(string path, string expected)
    {
        var e = Assert.Throws<AdviceException>(() => AdviceJson.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void A_written_file_reads_back_equal()
    {
        var path = Valid(Measured(Mix), Measured(Mix with { Name = "Other" }, InlineAction.Force));
        var advice = AdviceJson.Read(path);
        Assert.Equal(2, advice.Recommendations.Count);
        Assert.Equal(Mix, advice.Recommendations[0].Method);
        Assert.Equal(InlineAction.Force, advice.Recommendations[1].Action);
        Assert.Equal(new SourceLocation("samples/InlineSamples/MixerCase.cs", 31, 5), advice.Recommendations[0].Source);
        Assert.Equal(new long[] { 7 }, advice.Recommendations[0].Evidence.ExperimentIds);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp-*"));
        JsonSchemaCheck.AssertValid(JsonSchemaCheck.AdviceSchema, path);
    }

    [Fact]
    public void Unknown_action_is_refused() =>
        Refused(Edited(n => n["recommendations"]![0]!["action"] = "inline"), "unknown action at $.recommendations[0].action (force, block or remove)");

    [Fact]
    public void Numeric_action_is_refused() =>
        Refused(Edited(n => n["recommendations"]![0]!["action"] = 0), "unknown action");

    [Fact]
    public void Another_schema_version_is_refused()
    {
        var e = Refused(Edited(n => n["schemaVersion"] = 2), "has schema version 2; this InlineAdvisor reads version 1");
        Assert.IsType<AdviceException>(e);
        Refused(Edited(n => n["schemaVersion"] = 1.5), "has schema version 1.5");
        Refused(Edited(n => n.AsObject().Remove("schemaVersion")), "is not an InlineAdvisor advice file (no schemaVersion)");
        Refused(Edited(n => n["schemaVersion"] = "1"), "no schemaVersion");
    }

    [Fact]
    public void A_method_listed_twice_is_refused()
    {
        var path = Valid(Measured(Mix), Measured(Mix, InlineAction.Force));
        Refused(path, "lists InlineSamples.ByteHasher.Mix unsigned int64  (unsigned int64,unsigned int8) 2 times; one recommendation per method");
    }

    [Fact]
    public void Overloads_are_different_methods()
    {
        var path = Valid(Measured(Mix), Measured(Mix with { Signature = "unsigned int64  (unsigned int64)" }));
        Assert.Equal(2, AdviceJson.Read(path).Recommendations.Count);
    }

    [Fact]
    public void A_file_over_16_MB_is_refused_without_reading_it()
    {
        var path = _dir.File("huge.json");
        using (var f = File.Create(path)) f.SetLength(AdviceJson.MaxBytes + 1);   // sparse: cheap, and not JSON either
        Refused(path, "advice files are limited to 16 MB");
    }

    [Fact]
    public void A_file_that_is_not_JSON_is_refused()
    {
        var path = _dir.File("not.json");
        File.WriteAllText(path, "schemaVersion: 1\nrecommendations: []\n");
        Refused(path, "is not JSON");
        File.WriteAllText(path, "{\"schemaVersion\": 1, \"recommendations\": [");
        Refused(path, "is not JSON");
        File.WriteAllText(path, "[1, 2]");
        Refused(path, "no schemaVersion");
    }

    [Fact]
    public void A_missing_file_is_refused() => Refused(_dir.File("nope.json"), "advice file not found");

    [Fact]
    public void Incomplete_entries_are_refused()
    {
        Refused(Edited(n => n["recommendations"]![0]!["method"]!.AsObject().Remove("signature")), "signature");
        Refused(Edited(n => n["recommendations"]![0]!["method"]!["name"] = ""), "names no complete method");
        Refused(Edited(n => n["recommendations"]![0]!["evidence"]!["kind"] = "guessed"), "evidence of kind 'guessed' (measured or predicted)");
        Refused(Edited(n => n["recommendations"]![0]!.AsObject().Remove("evidence")), "evidence");
    }
}
