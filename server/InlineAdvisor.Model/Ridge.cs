// Ridge regression per (target, action) on standardized features, the penalty chosen by inner cross-validation,
// and prediction intervals from the inner held-out residuals' quantiles.
//
// Why ridge: the data are tens to hundreds of sites, the features correlated (IL size, blocks, native size move
// together); a penalized linear model is stable there, is trained in milliseconds deterministically, and its
// weights can be read in the model card. One model per action, because the same feature pushes opposite ways
// for force and block (a large callee grows code when forced, shrinks it when blocked).
using MathNet.Numerics.LinearAlgebra;
using InlineAdvisor.Experiments;

namespace InlineAdvisor.Model;

/// <summary>A fitted linear model on standardized features: prediction = intercept + Σ w_i (x_i − mean_i) / scale_i.</summary>
public sealed record LinearModel(double Lambda, double Intercept, double[] Mean, double[] Scale, double[] Weights,
    double ResidualLow, double ResidualHigh, int TrainingExamples)
{
    public double Predict(IReadOnlyList<double> x)
    {
        double y = Intercept;
        for (int i = 0; i < Weights.Length; i++) y += Weights[i] * (x[i] - Mean[i]) / Scale[i];
        return y;
    }
}

public static class Ridge
{
    /// <summary>Penalties tried: 10^-2 … 10^3 in half decades.</summary>
    public static readonly double[] Grid = Enumerable.Range(0, 11).Select(k => Math.Pow(10, -2 + 0.5 * k)).ToArray();

    /// <summary>Lower and upper quantile of held-out residuals: a 90% prediction interval.</summary>
    public const double IntervalLow = 0.05, IntervalHigh = 0.95;

    /// <summary>Closed form on standardized columns; constant columns get weight 0. Intercept = mean of y (not penalized).</summary>
    public static LinearModel Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, double lambda)
    {
        int n = x.Count, p = x.Count == 0 ? 0 : x[0].Length;
        var mean = new double[p];
        var scale = new double[p];
        var constant = new bool[p];
        for (int j = 0; j < p; j++)
        {
            double m = 0;
            for (int i = 0; i < n; i++) m += x[i][j];
            m /= Math.Max(1, n);
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (x[i][j] - m) * (x[i][j] - m);
            double sd = n > 1 ? Math.Sqrt(ss / (n - 1)) : 0;
            (mean[j], scale[j], constant[j]) = (m, sd > 1e-12 ? sd : 1, sd <= 1e-12);
        }
        double ybar = n == 0 ? 0 : y.Average();
        var weights = new double[p];
        if (n >= 2 && p > 0)
        {
            var z = Matrix<double>.Build.Dense(n, p, (i, j) => constant[j] ? 0 : (x[i][j] - mean[j]) / scale[j]);
            var yc = Vector<double>.Build.Dense(n, i => y[i] - ybar);
            var a = z.TransposeThisAndMultiply(z) + Matrix<double>.Build.DenseIdentity(p) * lambda;
            var w = a.Cholesky().Solve(z.TransposeThisAndMultiply(yc));
            for (int j = 0; j < p; j++) weights[j] = w[j];
        }
        return new LinearModel(lambda, ybar, mean, scale, weights, 0, 0, n);
    }

    /// <summary>
    /// Chooses λ by inner cross-validation (leave one group out when there are at least three groups, else
    /// five folds by a seeded shuffle), fits on all the data with it, and sets the interval from the inner
    /// held-out residuals at that λ.
    /// </summary>
    public static LinearModel FitWithCv(IReadOnlyList<double[]> x, IReadOnlyList<double> y, IReadOnlyList<string> groups, int seed)
    {
        int n = x.Count;
        if (n < 4) return Fit(x, y, Grid[^1]) with { ResidualLow = double.NegativeInfinity, ResidualHigh = double.PositiveInfinity };
        var folds = Folds(groups, seed);
        double bestMse = double.PositiveInfinity;
        double bestLambda = Grid[^1];
        List<double> bestResiduals = [];
        foreach (var lambda in Grid)
        {
            var residuals = new List<double>();
            foreach (var fold in folds.Distinct().Order())
            {
                var train = Enumerable.Range(0, n).Where(i => folds[i] != fold).ToList();
                if (train.Count < 2) continue;
                var m = Fit(train.Select(i => x[i]).ToList(), train.Select(i => y[i]).ToList(), lambda);
                for (int i = 0; i < n; i++) if (folds[i] == fold) residuals.Add(y[i] - m.Predict(x[i]));
            }
            double mse = residuals.Count == 0 ? double.PositiveInfinity : residuals.Average(r => r * r);
            if (mse < bestMse - 1e-15) (bestMse, bestLambda, bestResiduals) = (mse, lambda, residuals);
        }
        var model = Fit(x, y, bestLambda);
        bestResiduals.Sort();
        return model with { ResidualLow = Quantile(bestResiduals, IntervalLow), ResidualHigh = Quantile(bestResiduals, IntervalHigh) };
    }

    static int[] Folds(IReadOnlyList<string> groups, int seed)
    {
        var distinct = groups.Distinct().Order(StringComparer.Ordinal).ToList();
        if (distinct.Count >= 3) return groups.Select(g => distinct.IndexOf(g)).ToArray();
        // Too few groups: five folds over a seeded permutation (deterministic for a seed).
        var order = Enumerable.Range(0, groups.Count).ToArray();
        new Random(seed).Shuffle(order);
        var folds = new int[groups.Count];
        for (int k = 0; k < order.Length; k++) folds[order[k]] = k % 5;
        return folds;
    }

    /// <summary>Linear interpolation between order statistics of a sorted list.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(sorted.Count - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <summary>Four targets × three actions of fitted models: what the model file holds and predictions come from.</summary>
public sealed class PayoffModel
{
    public required Dictionary<string, LinearModel> Models { get; init; }   // key "target/action"

    public static string Key(TargetKind t, InlineAction a) => $"{Targets.Name(t)}/{InlineActions.Text(a)}";

    /// <summary>The model's inputs: the schema's features without the action one-hot (the action picks the model).</summary>
    public static double[] Inputs(double[] features) => features[..FeatureSchema.IndexOf("action_force")];

    public static PayoffModel Train(IReadOnlyList<Example> examples, int seed)
    {
        var models = new Dictionary<string, LinearModel>();
        foreach (var t in Targets.All)
            foreach (var a in new[] { InlineAction.Force, InlineAction.Block, InlineAction.Remove })
            {
                var rows = examples.Where(e => e.Action == a && double.IsFinite(e.Target(t))).ToList();
                models[Key(t, a)] = Ridge.FitWithCv(rows.Select(e => Inputs(e.Features)).ToList(), rows.Select(e => e.Target(t)).ToList(),
                    rows.Select(e => e.Family).ToList(), seed);
            }
        return new PayoffModel { Models = models };
    }

    public (double Value, double Low, double High, bool Trained) Predict(TargetKind t, InlineAction a, double[] features)
    {
        var m = Models[Key(t, a)];
        if (m.TrainingExamples == 0) return (0, double.NegativeInfinity, double.PositiveInfinity, false);
        double v = m.Predict(Inputs(features));
        return (v, v + m.ResidualLow, v + m.ResidualHigh, true);
    }
}
