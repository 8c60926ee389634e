// The shipped model file: schema (names, version, hash), the fitted models, training-data hash, seed and held-out metrics; written atomically.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InlineAdvisor.Model;

public sealed record SchemaInfo(int Version, string Hash, IReadOnlyList<string> Names);

public sealed record ModelFileData
{
    public int Format { get; init; } = 1;
    /// <summary>Version of the method (bump when training changes); the schema has its own version.</summary>
    public int ModelVersion { get; init; } = 1;
    public required SchemaInfo Schema { get; init; }
    public required string Method { get; init; }
    public required int Seed { get; init; }
    public required string TrainingDataSha256 { get; init; }
    public required int TrainingExamples { get; init; }
    public required IReadOnlyList<string> Families { get; init; }
    public required Dictionary<string, LinearModel> Models { get; init; }
    public required IReadOnlyList<MetricRow> Metrics { get; init; }

    public PayoffModel ToModel() => new() { Models = Models };
}

public static class ModelFile
{
    public const string Method = "ridge regression per target and action on standardized features; λ by inner leave-one-family-out CV; 90% intervals from inner held-out residual quantiles";

    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        IncludeFields = false,
    };

    public static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    public static string Serialize(ModelFileData data) => JsonSerializer.Serialize(data, Options) + "\n";

    /// <summary>Writes beside the target and renames over it: a reader sees the old file or the new one, never half.</summary>
    public static void WriteAtomic(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + $".tmp-{Environment.ProcessId}";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Loads a model; one that was trained on another feature schema is refused (one line).</summary>
    public static ModelFileData Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ModelException($"cannot read model {path}: {e.Message}"); }
        ModelFileData? data;
        try { data = JsonSerializer.Deserialize<ModelFileData>(text, Options); }
        catch (JsonException e) { throw new ModelException($"model {path} is not a model file ({e.Message})"); }
        if (data is null || data.Format != 1) throw new ModelException($"model {path} is not a format-1 model file");
        if (data.Schema.Hash != FeatureSchema.Hash || data.Schema.Version != FeatureSchema.Version || !data.Schema.Names.SequenceEqual(FeatureSchema.Names))
            throw new ModelException($"model {path} was trained on feature schema v{data.Schema.Version} ({data.Schema.Hash}), this build computes v{FeatureSchema.Version} ({FeatureSchema.Hash}): retrain it with `advisor train`");
        int inputs = PayoffModel.Inputs(new double[FeatureSchema.Names.Count]).Length;
        foreach (var (key, m) in data.Models)
            if (m.Weights.Length != inputs || m.Mean.Length != inputs || m.Scale.Length != inputs)
                throw new ModelException($"model {path}: {key} has {m.Weights.Length} weights, expected {inputs}");
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
