// Gradient-boosted regression trees, learned by ML.NET's FastTree (Microsoft.ML.FastTree) and kept as plain arrays.
//
// Why trees beside ridge: the code-size labels are piecewise — forcing a callee the JIT already inlined changes
// nothing (Δ = 0 exactly), forcing one the JIT cannot inline (EH, virtual) changes nothing either, and blocking an
// inlined callee removes about its body. A linear model spreads such a rule over every row; a 4- or 8-leaf tree
// expresses "if inlined then 0 else ∝ size" directly.
// Why the fitted trees are copied out of ML.NET: the model file stays plain JSON that `advise` and the editor read and
// walk without loading ML.NET (only `advisor train` does), and a test checks the walk against ML.NET's own scores.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;

namespace InlineAdvisor.Model;

/// <summary>
/// One regression tree in FastTree's layout: internal node k splits on Feature[k] (go Left when the input, as a float,
/// is ≤ Threshold[k], else Right); a child c &lt; 0 is the leaf ~c. A tree without a split has one leaf.
/// </summary>
public sealed record Tree(int[] Feature, float[] Threshold, int[] Left, int[] Right, double[] Leaf)
{
    public double Predict(IReadOnlyList<double> x)
    {
        if (Feature.Length == 0) return Leaf[0];
        int k = 0;
        while (k >= 0) k = (float)x[Feature[k]] <= Threshold[k] ? Left[k] : Right[k];
        return Leaf[~k];
    }

    /// <summary>Whether every child index, feature index and leaf index is in range (a model file is input too).</summary>
    public bool WellFormed(int inputs) =>
        Threshold.Length == Feature.Length && Left.Length == Feature.Length && Right.Length == Feature.Length
        && Leaf.Length == Feature.Length + 1 && Feature.All(f => f >= 0 && f < inputs)
        && Left.Concat(Right).All(c => c < Feature.Length && ~c < Leaf.Length && (c >= 0 || ~c >= 0));
}

/// <summary>A boosted ensemble: prediction = Base + Σ of the first Rounds trees (leaf values already include the learning rate).</summary>
public sealed record TreeEnsemble(int Leaves, double LearningRate, int MinLeaf, double Base, IReadOnlyList<Tree> Trees)
{
    public double Predict(IReadOnlyList<double> x, int rounds = int.MaxValue)
    {
        double y = Base;
        for (int i = 0; i < Math.Min(rounds, Trees.Count); i++) y += Trees[i].Predict(x);
        return y;
    }
}

public static class Boosting
{
    public const double LearningRate = 0.1;
    public const int MinLeaf = 4;
    /// <summary>
    /// Bins per feature for FastTree's split search: tens to hundreds of examples have at most that many distinct values
    /// per feature, so 64 loses no split that matters, and it is several times faster per tree than the default 255.
    /// </summary>
    const int Bins = 64;
    /// <summary>Leaf counts and round counts tried by inner cross-validation (rounds are prefixes of one fit, so they cost nothing extra).</summary>
    public static readonly int[] Leaves = [4, 8];
    public static readonly int[] Rounds = [25, 50, 100];

    sealed class Row
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    /// <summary>
    /// Fits <paramref name="rounds"/> trees of at most <paramref name="leaves"/> leaves to y − mean(y), on one thread:
    /// FastTree then draws nothing at random, so a fit is a function of its data.
    /// </summary>
    public static TreeEnsemble Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, int leaves, int rounds)
    {
        int n = x.Count, p = n == 0 ? 0 : x[0].Length;
        double base0 = n == 0 ? 0 : y.Average();
        if (n < 2 * MinLeaf || p == 0) return new TreeEnsemble(leaves, LearningRate, MinLeaf, base0, []);
        var ensemble = FitFastTree(x, y, base0, leaves, rounds).Model.Model.TrainedTreeEnsemble;
        var trees = ensemble.Trees.Select((t, i) => new Tree(
            [.. t.NumericalSplitFeatureIndexes], [.. t.NumericalSplitThresholds], [.. t.LeftChild], [.. t.RightChild],
            [.. t.LeafValues.Select(v => v * ensemble.TreeWeights[i])])).ToList();
        return new TreeEnsemble(leaves, LearningRate, MinLeaf, base0 + ensemble.Bias, trees);
    }

    /// <summary>ML.NET's own scores of the fit on its training inputs (offset by the mean), to check the copied trees against.</summary>
    internal static double[] ScoresOfFastTree(IReadOnlyList<double[]> x, IReadOnlyList<double> y, int leaves, int rounds)
    {
        double base0 = y.Average();
        var (model, data) = FitFastTree(x, y, base0, leaves, rounds);
        return [.. model.Transform(data).GetColumn<float>("Score").Select(s => base0 + s)];
    }

    static (RegressionPredictionTransformer<FastTreeRegressionModelParameters> Model, IDataView Data) FitFastTree(
        IReadOnlyList<double[]> x, IReadOnlyList<double> y, double base0, int leaves, int rounds)
    {
        var ml = new MLContext(seed: 0);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, x[0].Length);
        var data = ml.Data.LoadFromEnumerable(
            Enumerable.Range(0, x.Count).Select(i => new Row { Features = Array.ConvertAll(x[i], v => (float)v), Label = (float)(y[i] - base0) }).ToList(), schema);
        var trainer = ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
        {
            NumberOfLeaves = leaves, NumberOfTrees = rounds, MinimumExampleCountPerLeaf = MinLeaf, LearningRate = LearningRate,
            NumberOfThreads = 1, MaximumBinCountPerFeature = Bins, FeatureFlocks = false,
        });
        return (trainer.Fit(data), data);
    }
}
