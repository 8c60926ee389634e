// The shipped model file: schema (names, version, hash), the fitted models, training-data hash, seed and held-out metrics; written atomically.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InlineAdvisor.Model;

public sealed record SchemaInfo(int Version, string Hash, IReadOnlyList<string> Names);

public sealed record ModelFileData
{
    public int Format { get; init; } = ModelFile.Format;
    /// <summary>Version of the method (bump when training changes); the schema has its own version.</summary>
    public int ModelVersion { get; init; } = 3;
    public required SchemaInfo Schema { get; init; }
    public required string Method { get; init; }
    public required int Seed { get; init; }
    public required string TrainingDataSha256 { get; init; }
    public required int TrainingExamples { get; init; }
    public required IReadOnlyList<string> Families { get; init; }
    public required Dictionary<string, SiteModel> Models { get; init; }
    public required IReadOnlyList<MetricRow> Metrics { get; init; }

    public PayoffModel ToModel() => new() { Models = Models };
}

public static class ModelFile
{
    /// <summary>2: a model per target × action is ridge or boosted trees (kind, scale and inner-CV scores in the file).
    /// 3: the trees are ML.NET FastTree's (any shape: children and leaves indexed, thresholds as floats).</summary>
    public const int Format = 3;
    public const string Method = "per target and action: ridge regression on standardized features (MathNet) or gradient-boosted regression trees of 4 or 8 leaves (ML.NET FastTree, one thread, learning rate 0.1, at least 4 examples a leaf); absolute-delta targets also fitted on the relative (Δ/base bytes, code only) and symlog scales; learner, scale and λ/leaves/rounds chosen by inner leave-one-family-out CV (mean squared error for log ratios, mean absolute error for absolute deltas); 90% intervals from the chosen candidate's inner held-out residual quantiles";

    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        IncludeFields = false,
    };

    public static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    public static string Serialize(ModelFileData data) => JsonSerializer.Serialize(data, Options) + "\n";

    /// <summary>Loads a model; one that was trained on another feature schema is refused (one line).</summary>
    public static ModelFileData Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ModelException($"cannot read model {path}: {e.Message}"); }
        ModelFileData? data;
        try { data = JsonSerializer.Deserialize<ModelFileData>(text, Options); }
        catch (JsonException e) { throw new ModelException($"model {path} is not a model file ({e.Message})"); }
        if (data is null || data.Format != Format) throw new ModelException($"model {path} is a format-{data?.Format} model file, this build reads format {Format}: retrain it with `advisor train`");
        if (data.Schema.Hash != FeatureSchema.Hash || data.Schema.Version != FeatureSchema.Version || !data.Schema.Names.SequenceEqual(FeatureSchema.Names))
            throw new ModelException($"model {path} was trained on feature schema v{data.Schema.Version} ({data.Schema.Hash}), this build computes v{FeatureSchema.Version} ({FeatureSchema.Hash}): retrain it with `advisor train`");
        int inputs = PayoffModel.Inputs(new double[FeatureSchema.Names.Count]).Length;
        foreach (var (key, m) in data.Models)
        {
            bool ok = m.Kind switch
            {
                Candidates.Ridge => m.Linear is { } l && new[] { l.Weights, l.Mean, l.Scale, l.Min, l.Max }.All(a => a.Length == inputs),
                Candidates.Trees => m.Trees is { } t && t.Trees.All(tr => tr.WellFormed(inputs)),
                _ => false,
            };
            if (!ok) throw new ModelException($"model {path}: {key} is not a well-formed '{m.Kind}' model over {inputs} inputs");
        }
        return data;
    }

    /// <summary>The shipped model: models/inline-model.json in the first folder above the executable that has one.</summary>
    public static string? FindDefault()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var p = Path.Combine(dir.FullName, "models", "inline-model.json");
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
