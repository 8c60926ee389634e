// The boosted trees are ML.NET FastTree's, copied out as arrays so `advise` and the editor never load ML.NET: the copy
// must score exactly what ML.NET scores, and a model file whose trees point outside themselves is refused.
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Model;

public sealed class TreesTests
{
    static readonly string DataPath = Path.Combine(Repo.Root, "models", "data", "corpus.csv");

    [Theory]
    [InlineData(4, 25)]
    [InlineData(8, 100)]
    public void The_copied_trees_score_what_MLNET_scores_on_the_corpus(int leaves, int rounds)
    {
        // Code-size change of blocking: the piecewise target trees are there for (Δ ≈ 0 where the JIT did not inline).
        var rows = DatasetCsv.Read(File.ReadAllText(DataPath), DataPath).Where(e => e.Action == InlineAction.Block).ToList();
        var x = rows.Select(e => PayoffModel.Inputs(e.Features)).ToList();
        var y = rows.Select(e => e.CodeBytes).ToList();

        var ensemble = Boosting.Fit(x, y, leaves, rounds);
        var mlnet = Boosting.ScoresOfFastTree(x, y, leaves, rounds);

        Assert.Equal(rounds, ensemble.Trees.Count);
        Assert.All(ensemble.Trees, t => Assert.True(t.WellFormed(x[0].Length) && t.Leaf.Length <= leaves));
        Assert.Contains(ensemble.Trees, t => t.Leaf.Length == leaves);
        for (int i = 0; i < x.Count; i++)
            Assert.True(Math.Abs(ensemble.Predict(x[i]) - mlnet[i]) <= 1e-4 * Math.Max(1, Math.Abs(mlnet[i])), $"{rows[i].Id}: {ensemble.Predict(x[i])} vs ML.NET {mlnet[i]}");
        // The fit learned something: its training error is well below that of predicting the mean.
        double mean = y.Average();
        Assert.True(x.Select((r, i) => Math.Abs(ensemble.Predict(r) - y[i])).Average() < 0.5 * y.Average(v => Math.Abs(v - mean)));
    }

    [Fact]
    public void A_model_file_whose_tree_points_outside_itself_is_refused_in_one_line()
    {
        using var dir = new TempDir();
        var committed = ModelFile.Load(Path.Combine(Repo.Root, "models", "inline-model.json"));
        var (key, trees) = committed.Models.First(m => m.Value.Kind == Candidates.Trees && m.Value.Trees!.Trees.Any(t => t.Feature.Length > 0));
        var first = trees.Trees!.Trees.First(t => t.Feature.Length > 0);
        var broken = first with { Left = [.. first.Left.Select((c, i) => i == 0 ? first.Feature.Length + 5 : c)] };
        var models = new Dictionary<string, SiteModel>(committed.Models)
        {
            [key] = trees with { Trees = trees.Trees with { Trees = [broken, .. trees.Trees.Trees.Skip(1)] } },
        };
        var path = dir.File("broken.json");
        File.WriteAllText(path, ModelFile.Serialize(committed with { Models = models }));
        var e = Assert.Throws<ModelException>(() => ModelFile.Load(path));
        Assert.Contains(key, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
