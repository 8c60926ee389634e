// Leave-one-family-out evaluation of the model against two baselines, per target: Spearman, MAE, sign accuracy, interval coverage.
using InlineAdvisor.Core;
using MathNet.Numerics.Statistics;

namespace InlineAdvisor.Model;

/// <summary>One row of the evaluation table. NaN where a metric is undefined (a constant predictor has no rank correlation).
/// <see cref="SpearmanResolved"/> is the rank correlation on the sign set only: examples whose measured effect was resolved
/// (clear of zero and of the A/A control) and beyond ±1% — unresolved labels are mostly noise no model can rank.</summary>
public sealed record MetricRow(string Target, string Predictor, int N, double Spearman, double Mae, int SignN, double SignAccuracy, double Coverage,
    double SpearmanResolved = double.NaN, string Examples = Evaluation.AllExamples);

public static class Evaluation
{
    public const string ModelName = "model", TrustJit = "trust the JIT", Naive = "force hot < 200 IL";

    /// <summary>The examples a row scores: all of them, or only the measured experiments on real code (store examples: real libraries).</summary>
    public const string AllExamples = "all", RealExamples = "real code";

    /// <summary>
    /// Each family is held out in turn; the model is trained (with its own inner CV) on the others and predicts it.
    /// Baselines: "trust the JIT" predicts 0 everywhere; "force hot &lt; 200 IL" predicts, for force examples whose
    /// callee is under 200 IL bytes at a hot site (bound ≥ 1%; every corpus site, whose rounds time only it), the mean measured effect of such examples in the
    /// training families, and 0 (leave it to the JIT) for everything else.
    /// </summary>
    public static IReadOnlyList<MetricRow> LeaveOneFamilyOut(IReadOnlyList<Example> examples, int seed, string? only = null) =>
        LeaveOneFamilyOut(examples, seed, only, out _);

    /// <summary>Also returns the held-out predictions as CSV rows (id, family, action, target, measured, predicted, low, high), for inspection.</summary>
    public static IReadOnlyList<MetricRow> LeaveOneFamilyOut(IReadOnlyList<Example> examples, int seed, string? only, out string heldOut)
    {
        var families = examples.Select(e => e.Family).Distinct().Order(StringComparer.Ordinal).ToList();
        var predictions = new Dictionary<(Example, TargetKind), (double Model, double Low, double High, double Naive)>();
        if (families.Count >= 2)
            foreach (var family in families)
            {
                var train = examples.Where(e => e.Family != family).ToList();
                var model = PayoffModel.Train(train, seed, only);
                foreach (var t in Targets.All)
                {
                    var qualifying = train.Where(Qualifies).Select(e => e.Target(t)).Where(double.IsFinite).ToList();
                    double naive = qualifying.Count == 0 ? 0 : qualifying.Average();
                    foreach (var e in examples.Where(e => e.Family == family))
                    {
                        var (v, lo, hi, _, _) = model.Predict(t, e.Action, e.Features);
                        predictions[(e, t)] = (v, lo, hi, Qualifies(e) ? naive : 0);
                    }
                }
            }
        var csv = new System.Text.StringBuilder("id,family,action,target,measured,predicted,low,high\n");
        foreach (var t in Targets.All)
            foreach (var e in examples)
                if (predictions.TryGetValue((e, t), out var p))
                    csv.Append(System.FormattableString.Invariant($"{e.Id},{e.Family},{InlineActions.Text(e.Action)},{Targets.Name(t)},{e.Target(t):R},{p.Model:R},{p.Low:R},{p.High:R}\n"));
        heldOut = csv.ToString();
        var rows = new List<MetricRow>();
        // The held-out scores over every example, then over the experiments on real code alone (the corpus is synthetic,
        // and its hundreds of rows would hide how the model does where users run it).
        foreach (var (subset, name) in new[] { (examples, AllExamples), (examples.Where(e => StoreExamples.IsRealCode(e.Family)).ToList(), RealExamples) })
        {
            if (subset.Count == 0 || (name == RealExamples && subset.Count == examples.Count)) continue;
            foreach (var t in Targets.All)
            {
                var held = subset.Where(e => predictions.ContainsKey((e, t)) && double.IsFinite(e.Target(t))).ToList();
                var measured = held.Select(e => e.Target(t)).ToArray();
                MetricRow Row(string predictor, Func<Example, double> predict, bool withCoverage)
                {
                    var predicted = held.Select(predict).ToArray();
                    var signSet = held.Where(e => e.CountsForSign(t)).ToList();
                    int right = signSet.Count(e => Math.Sign(predict(e)) == Math.Sign(e.Target(t)));
                    double coverage = withCoverage && held.Count > 0
                        ? held.Count(e => predictions[(e, t)].Low <= e.Target(t) && e.Target(t) <= predictions[(e, t)].High) / (double)held.Count
                        : double.NaN;
                    return new MetricRow(Targets.Name(t), predictor, held.Count, SpearmanOf(predicted, measured),
                        held.Count == 0 ? double.NaN : predicted.Zip(measured, (p, m) => Math.Abs(p - m)).Average(),
                        signSet.Count, signSet.Count == 0 ? double.NaN : (double)right / signSet.Count, coverage,
                        SpearmanOf(signSet.Select(predict).ToArray(), signSet.Select(e => e.Target(t)).ToArray()), name);
                }
                rows.Add(Row(ModelName, e => predictions[(e, t)].Model, true));
                rows.Add(Row(TrustJit, _ => 0, false));
                rows.Add(Row(Naive, e => predictions[(e, t)].Naive, false));
            }
        }
        return rows;
    }

    public static bool Qualifies(Example e) =>
        // Corpus rounds time only the site's own work: for its measurement every corpus site is hot.
        e.Action == InlineAction.Force && (e.Source == "corpus" || e.Features[FeatureSchema.IndexOf("site_bound")] >= 0.01)
        && Math.Exp(e.Features[FeatureSchema.IndexOf("callee_il_log")]) - 1 < 200;

    static double SpearmanOf(double[] a, double[] b)
    {
        if (a.Length < 3 || a.Distinct().Count() < 2 || b.Distinct().Count() < 2) return double.NaN;
        return Correlation.Spearman(a, b);
    }
}
