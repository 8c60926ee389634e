// Ridge regression per (target, action) on standardized features, the penalty chosen by inner cross-validation,
// and prediction intervals from the inner held-out residuals' quantiles.
//
// Why ridge: the data are tens to hundreds of sites, the features correlated (IL size, blocks, native size move
// together); a penalized linear model is stable there, is trained in milliseconds deterministically, and its
// weights can be read in the model card. One model per action, because the same feature pushes opposite ways
// for force and block (a large callee grows code when forced, shrinks it when blocked).
using MathNet.Numerics.LinearAlgebra;
using InlineAdvisor.Core;

namespace InlineAdvisor.Model;

/// <summary>A fitted linear model on standardized features: prediction = intercept + Σ w_i (x_i − mean_i) / scale_i.</summary>
/// <remarks>Inputs are clipped to the training range and the prediction to the range of training targets: a linear
/// model extrapolates without limit (a site bound of 95% where training saw 0.03% would predict −100%), and a
/// prediction outside anything measured is not one the data support.</remarks>
public sealed record LinearModel(double Lambda, double Intercept, double[] Mean, double[] Scale, double[] Weights,
    int TrainingExamples, double[] Min, double[] Max, double YMin, double YMax)
{
    public double Predict(IReadOnlyList<double> x) => Clip(Unclipped(x));

    /// <summary>A fitted value clipped to the training targets' range (none before training).</summary>
    public double Clip(double y) => TrainingExamples == 0 ? y : Math.Clamp(y, YMin, YMax);

    /// <summary>The fit's value before it is clipped to the training targets' range (inputs are still clipped to theirs).</summary>
    public double Unclipped(IReadOnlyList<double> x)
    {
        double y = Intercept;
        for (int i = 0; i < Weights.Length; i++) y += Weights[i] * (Math.Clamp(x[i], Min[i], Max[i]) - Mean[i]) / Scale[i];
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
        var min = Enumerable.Range(0, p).Select(j => n == 0 ? 0 : x.Min(r => r[j])).ToArray();
        var max = Enumerable.Range(0, p).Select(j => n == 0 ? 0 : x.Max(r => r[j])).ToArray();
        return new LinearModel(lambda, ybar, mean, scale, weights, n, min, max, n == 0 ? 0 : y.Min(), n == 0 ? 0 : y.Max());
    }

    /// <summary>Inner CV holds out one family at a time up to this many families; beyond, families share folds (round-robin
    /// in name order, a family never split): every fold fits every candidate, and 19 families × 18 inner folds took minutes.</summary>
    public const int MaxFolds = 8;

    internal static int[] Folds(IReadOnlyList<string> groups, int seed)
    {
        var distinct = groups.Distinct().Order(StringComparer.Ordinal).ToList();
        if (distinct.Count >= 3) return groups.Select(g => distinct.IndexOf(g) % MaxFolds).ToArray();
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

