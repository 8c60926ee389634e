// Training is deterministic and reproduces the committed model's metrics from the committed datasets (the synthetic corpus
// and the real-library experiments, in the order `advisor train --data` was given them); a model of another feature schema is refused.
using InlineAdvisor.Model;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Model;

public sealed class TrainingTests
{
    static readonly string[] DataPaths = [Path.Combine(Repo.Root, "models", "data", "corpus.csv"), Path.Combine(Repo.Root, "models", "data", "realworld.csv")];
    static readonly string ModelPath = Path.Combine(Repo.Root, "models", "inline-model.json");

    static List<Example> Examples() => DatasetCsv.Sorted(DataPaths.SelectMany(p => DatasetCsv.Read(File.ReadAllText(p), p))).ToList();

    [Fact]
    public void Committed_dataset_reproduces_the_committed_model_and_metrics()
    {
        var committed = ModelFile.Load(ModelPath);
        Assert.Equal(committed.TrainingDataSha256, ModelFile.Sha256(string.Concat(DataPaths.Select(File.ReadAllText))));
        var examples = Examples();
        Assert.Equal(committed.TrainingExamples, examples.Count);
        // Real code is in the training data, and the card scores it on its own.
        Assert.Contains(examples, e => e.Source == "experiment");
        Assert.Contains(committed.Metrics, r => r.Examples == Evaluation.RealExamples && r.Predictor == Evaluation.ModelName);

        var metrics = Evaluation.LeaveOneFamilyOut(examples, committed.Seed);
        Assert.Equal(committed.Metrics.Count, metrics.Count);
        foreach (var (a, b) in committed.Metrics.Zip(metrics))
        {
            Assert.Equal((a.Target, a.Predictor, a.N, a.SignN), (b.Target, b.Predictor, b.N, b.SignN));
            foreach (var (x, y) in new[] { (a.Spearman, b.Spearman), (a.Mae, b.Mae), (a.SignAccuracy, b.SignAccuracy), (a.Coverage, b.Coverage), (a.SpearmanResolved, b.SpearmanResolved) })
                Assert.True(double.IsNaN(x) ? double.IsNaN(y) : Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x)), $"{a.Target}/{a.Predictor}: {x} vs {y}");
        }
        var model = PayoffModel.Train(examples, committed.Seed);
        foreach (var (key, m) in committed.Models)
        {
            var mine = model.Models[key];
            Assert.Equal((m.Kind, m.Scale, m.Config, m.Rounds), (mine.Kind, mine.Scale, mine.Config, mine.Rounds));
            // The file's numbers round-trip through JSON: the committed model predicts what the retrained one does, on every example.
            foreach (var e in examples)
            {
                double x = m.Predict(PayoffModel.Inputs(e.Features)), y = mine.Predict(PayoffModel.Inputs(e.Features));
                Assert.True(Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x)), $"{key} {e.Id}: {x} vs {y}");
            }
        }
    }

    [Fact]
    public void Training_twice_with_a_seed_gives_identical_files()
    {
        var examples = Examples();
        string Once() => ModelFile.Serialize(new ModelFileData
        {
            Schema = new SchemaInfo(FeatureSchema.Version, FeatureSchema.Hash, FeatureSchema.Names), Method = ModelFile.Method, Seed = 7,
            TrainingDataSha256 = "x", TrainingExamples = examples.Count, Families = [], Models = PayoffModel.Train(examples, 7).Models, Metrics = [],
        });
        Assert.Equal(Once(), Once());
    }

    [Fact]
    public void A_model_of_another_feature_schema_is_refused_in_one_line()
    {
        using var dir = new TempDir();
        var text = File.ReadAllText(ModelPath).Replace($"\"hash\": \"{FeatureSchema.Hash}\"", "\"hash\": \"0000000000000000\"");
        Assert.Contains("0000000000000000", text);
        var path = dir.File("old.json");
        File.WriteAllText(path, text);
        var e = Assert.Throws<ModelException>(() => ModelFile.Load(path));
        Assert.Contains("feature schema", e.Message);
        Assert.DoesNotContain("\n", e.Message);

        var cli = Repo.RunAdvisor(dir.Path, null, "advise", "--store", dir.File("s.db"), "--app", dir.Path, "--model", path);
        // No run in a fresh store is checked first; with a run the model is read: check the message path through Load directly above,
        // and here only that the CLI fails in one line without a stack trace.
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Single(cli.Stderr.Trim().Split('\n'));
    }
}
