// The payoff model: per target × action, ridge (MathNet) or boosted trees (ML.NET FastTree) (and, for code size, on the absolute or the relative
// scale), whichever has the lower inner leave-one-family-out error; intervals from that candidate's inner held-out residuals.
using InlineAdvisor.Core;

namespace InlineAdvisor.Model;

/// <summary>
/// One fitted model of a target × action. Kind says which learner ("ridge" or "trees"); Scale what it was fitted to:
/// "absolute" (the target itself), "relative" (Δ / base bytes; the base is taken from the features, so prediction needs
/// nothing else) or "symlog" (sign(Δ)·ln(1 + |Δ|): a few 1,900-byte sites do not swamp hundreds of 0 ± 10 ones); the
/// last two for the absolute-delta targets only. InnerCv records every candidate kind's best inner leave-one-family-out
/// error (Criterion, on the target's own scale): why this one.
/// </summary>
public sealed record SiteModel
{
    public required string Kind { get; init; }
    public required string Scale { get; init; }
    public required string Criterion { get; init; }
    public required string Config { get; init; }
    public LinearModel? Linear { get; init; }
    public TreeEnsemble? Trees { get; init; }
    public int Rounds { get; init; }
    public required int TrainingExamples { get; init; }
    public required double ResidualLow { get; init; }
    public required double ResidualHigh { get; init; }
    public required double YMin { get; init; }
    public required double YMax { get; init; }
    public required Dictionary<string, double> InnerCv { get; init; }

    /// <summary>The prediction clipped to the range of measured targets: nothing outside what the data support.</summary>
    public double Predict(IReadOnlyList<double> x) => Evaluate(x).Value;

    /// <summary>
    /// The learner evaluated once: Value clipped (the ridge fit to its own scale's range, then both learners to the
    /// measured targets' range), Raw before either clip.
    /// </summary>
    (double Value, double Raw) Evaluate(IReadOnlyList<double> x)
    {
        double raw = Kind == Candidates.Trees ? Trees!.Predict(x, Rounds) : Linear!.Unclipped(x);
        double learned = Kind == Candidates.Trees ? raw : Linear!.Clip(raw);
        double v = Candidates.FromScale(Scale, learned, x);
        return (TrainingExamples == 0 ? v : Math.Clamp(v, YMin, YMax), Candidates.FromScale(Scale, raw, x));
    }

    /// <summary>
    /// The prediction with its 90% interval. Where the learner's own value lies outside the range of measured targets, the
    /// value is clipped to that range and the interval is open on that side: the data say nothing about how far beyond it
    /// the truth is, so a clipped value never shows a narrow interval.
    /// </summary>
    public Prediction PredictWithInterval(IReadOnlyList<double> x)
    {
        var (v, raw) = Evaluate(x);
        bool above = raw > YMax, below = raw < YMin;
        return new(v, below ? double.NegativeInfinity : v + ResidualLow, above ? double.PositiveInfinity : v + ResidualHigh, true, above || below);
    }
}

/// <summary>
/// One predicted target: value and 90% interval; Trained is false where no example taught this target × action (the
/// interval is then unbounded); OutsideRange where the value was clipped to the range of measured targets.
/// </summary>
public readonly record struct Prediction(double Value, double Low, double High, bool Trained, bool OutsideRange)
{
    public static readonly Prediction Untrained = new(0, double.NegativeInfinity, double.PositiveInfinity, false, false);
}

/// <summary>The candidates one target × action chooses among, and the choice.</summary>
public static class Candidates
{
    public const string Ridge = "ridge", Trees = "trees";
    static readonly int CallerNative = FeatureSchema.IndexOf("caller_native_log"), CalleeNative = FeatureSchema.IndexOf("callee_native_tier1_bytes");

    /// <summary>Caller + callee optimized bytes as the profile knows them: the scale of the relative code-size target.</summary>
    public static double BaseBytes(IReadOnlyList<double> x) => Math.Max(16, Math.Exp(x[CallerNative]) - 1 + x[CalleeNative]);

    public const string Absolute = "absolute", Relative = "relative", SymLog = "symlog";

    static double ToScale(string scale, double y, IReadOnlyList<double> x) => scale switch
    {
        Relative => y / BaseBytes(x), SymLog => Math.Sign(y) * Math.Log(1 + Math.Abs(y)), _ => y,
    };

    public static double FromScale(string scale, double v, IReadOnlyList<double> x) => scale switch
    {
        Relative => v * BaseBytes(x), SymLog => Math.Sign(v) * (Math.Exp(Math.Abs(v)) - 1), _ => v,
    };

    sealed record Fitted(string Kind, string Scale, string Config, LinearModel? Linear, TreeEnsemble? Trees, int Rounds)
    {
        public double Predict(IReadOnlyList<double> x) => FromScale(Scale, Kind == Candidates.Trees ? Trees!.Predict(x, Rounds) : Linear!.Predict(x), x);
    }

    /// <summary>Every configuration fitted to one training set: ridge per λ; trees per depth, read at each round count.</summary>
    static IEnumerable<Fitted> FitAll(IReadOnlyList<double[]> x, IReadOnlyList<double> y, string scale)
    {
        var target = y.Select((v, i) => ToScale(scale, v, x[i])).ToList();
        foreach (var lambda in InlineAdvisor.Model.Ridge.Grid)
            yield return new Fitted(Ridge, scale, $"λ={lambda:G3}", InlineAdvisor.Model.Ridge.Fit(x, target, lambda), null, 0);
        foreach (var leaves in Boosting.Leaves)
        {
            var e = Boosting.Fit(x, target, leaves, Boosting.Rounds[^1]);
            foreach (var r in Boosting.Rounds) yield return new Fitted(Trees, scale, $"leaves={leaves} rounds={r}", null, e, r);
        }
    }

    /// <summary>Real-code held-out residuals needed before they widen the interval (fewer say nothing about a 90% quantile).</summary>
    const int MinRealResiduals = 5;

    /// <summary>Candidate kinds "learner/scale"; a restriction to a scale a target does not offer means its absolute scale.</summary>
    public static readonly string[] Kinds = [.. new[] { Absolute, Relative, SymLog }.SelectMany(sc => new[] { $"{Ridge}/{sc}", $"{Trees}/{sc}" })];

    /// <summary>The scales a target is fitted on, and the inner-CV error that chooses: log ratios are already on a scale where squared
    /// error fits; the absolute deltas (ms, bytes) are heavy-tailed (a few sites +1,900 bytes among hundreds of 0 ± 10), so absolute error.</summary>
    public static (string[] Scales, string Criterion) For(TargetKind t) => t switch
    {
        TargetKind.CodeBytes => ([Absolute, Relative, SymLog], "mae"),
        TargetKind.JitMs => ([Absolute, SymLog], "mae"),
        _ => ([Absolute], "mse"),
    };

    /// <summary>
    /// Fits every candidate on each inner fold (leave one family out when there are at least three, else five seeded folds),
    /// scores its held-out predictions on the target's own scale by the criterion, and refits the best on all the data.
    /// Ties keep the earlier candidate (absolute before relative before symlog, ridge before trees): the simpler one.
    /// </summary>
    public static SiteModel Choose(IReadOnlyList<double[]> x, IReadOnlyList<double> y, IReadOnlyList<string> groups, int seed, TargetKind target, string? only = null)
    {
        int n = x.Count;
        var (scales, criterion) = For(target);
        if (only is not null)
        {
            var (kind, scale) = (only.Split('/')[0], only.Split('/')[^1]);
            scales = [scales.Contains(scale) ? scale : Absolute];
            only = $"{kind}/{scales[0]}";
        }
        double yMin = n == 0 ? 0 : y.Min(), yMax = n == 0 ? 0 : y.Max();
        if (n < 4)
        {
            var m = InlineAdvisor.Model.Ridge.Fit(x, y, InlineAdvisor.Model.Ridge.Grid[^1]);
            return new SiteModel
            {
                Kind = Ridge, Scale = Absolute, Criterion = criterion, Config = $"λ={m.Lambda:G3} (too few examples for CV)", Linear = m, TrainingExamples = n,
                ResidualLow = double.NegativeInfinity, ResidualHigh = double.PositiveInfinity, YMin = yMin, YMax = yMax, InnerCv = [],
            };
        }
        var folds = InlineAdvisor.Model.Ridge.Folds(groups, seed);
        // The folds are fitted in parallel (each fit is a function of its data), their residuals gathered in a fixed
        // order: residuals[candidate] lists folds ascending, rows ascending.
        var perFold = folds.Distinct().Order().AsParallel().AsOrdered().Select(fold =>
        {
            var train = Enumerable.Range(0, n).Where(i => folds[i] != fold).ToList();
            var held = Enumerable.Range(0, n).Where(i => folds[i] == fold).ToList();
            var fits = new List<((string Kind, string Scale, string Config) Name, List<double> Residuals)>();
            foreach (var scale in scales)
                foreach (var f in FitAll(train.Select(i => x[i]).ToList(), train.Select(i => y[i]).ToList(), scale))
                {
                    if (only is not null && only != $"{f.Kind}/{f.Scale}") continue;
                    fits.Add(((f.Kind, f.Scale, f.Config), [.. held.Select(i => y[i] - Math.Clamp(f.Predict(x[i]), yMin, yMax))]));
                }
            return fits;
        }).ToList();
        var names = perFold[0].Select(f => f.Name).ToList();
        var residuals = names.Select((_, c) => perFold.SelectMany(fold => fold[c].Residuals).ToList()).ToList();
        var error = residuals.Select(r => criterion == "mae" ? r.Average(Math.Abs) : r.Average(v => v * v)).ToList();
        int best = 0;
        for (int c = 1; c < error.Count; c++) if (error[c] < error[best] - 1e-12 * Math.Max(1, error[best])) best = c;
        var chosen = FitAll(x, y, names[best].Scale).First(f => f.Kind == names[best].Kind && f.Config == names[best].Config);
        var sorted = residuals[best].Order().ToList();
        // Every prediction `advise` makes is on real code. Where the training data hold real-code examples (store
        // experiments), the interval is at least as wide as their held-out residuals' too: the corpus's residuals alone
        // covered 14–48% of real-code outcomes held out (models/MODEL_CARD.md).
        var heldOrder = folds.Distinct().Order().SelectMany(fold => Enumerable.Range(0, n).Where(i => folds[i] == fold)).ToList();
        var real = residuals[best].Where((_, k) => StoreExamples.IsRealCode(groups[heldOrder[k]])).Order().ToList();
        double low = InlineAdvisor.Model.Ridge.Quantile(sorted, InlineAdvisor.Model.Ridge.IntervalLow), high = InlineAdvisor.Model.Ridge.Quantile(sorted, InlineAdvisor.Model.Ridge.IntervalHigh);
        if (real.Count >= MinRealResiduals)
            (low, high) = (Math.Min(low, InlineAdvisor.Model.Ridge.Quantile(real, InlineAdvisor.Model.Ridge.IntervalLow)), Math.Max(high, InlineAdvisor.Model.Ridge.Quantile(real, InlineAdvisor.Model.Ridge.IntervalHigh)));
        var byKind = new Dictionary<string, double>();
        for (int c = 0; c < error.Count; c++)
        {
            var key = $"{names[c].Kind}/{names[c].Scale}";
            byKind[key] = Math.Min(byKind.GetValueOrDefault(key, double.PositiveInfinity), error[c]);
        }
        return new SiteModel
        {
            Kind = chosen.Kind, Scale = chosen.Scale, Criterion = criterion, Config = chosen.Config, Linear = chosen.Linear, Trees = chosen.Trees,
            Rounds = chosen.Rounds, TrainingExamples = n, ResidualLow = low, ResidualHigh = high, YMin = yMin, YMax = yMax, InnerCv = byKind,
        };
    }
}

/// <summary>Four targets × three actions of fitted models: what the model file holds and predictions come from.</summary>
public sealed class PayoffModel
{
    public required Dictionary<string, SiteModel> Models { get; init; }   // key "target/action"

    public static string Key(TargetKind t, InlineAction a) => $"{Targets.Name(t)}/{InlineActions.Text(a)}";

    /// <summary>Names of the inputs the model derives from the schema's features (appended after them; the schema is unchanged).</summary>
    public static readonly string[] Derived = ["overridable_refusal", "overridable_refusal_x_il_bytes", "inlined_x_native_bytes"];

    static readonly int ActionForce = FeatureSchema.IndexOf("action_force"), Inlined = FeatureSchema.IndexOf("jit_inlined"),
        Known = FeatureSchema.IndexOf("decision_known"), IlBytes = FeatureSchema.IndexOf("callee_il_bytes"),
        Native = FeatureSchema.IndexOf("callee_native_tier1_bytes");
    static readonly int[] Unchangeable = [.. new[] { "reason_eh", "reason_virtual", "reason_recursion", "reason_noinline" }.Select(FeatureSchema.IndexOf)];

    /// <summary>
    /// The model's inputs: the schema's features without the action one-hot (the action picks the model), then the derived ones.
    /// Why derived: forcing changes code only where the JIT refused for a reason the flag overrides (size, profitability —
    /// ReasonClasses.FlagCanChange), and blocking removes about the inlined body. Each corpus family holds the only examples of
    /// one such mechanism (cold: profitability, large: size budget); named as one input, a held-out family still meets it in the others.
    /// </summary>
    public static double[] Inputs(double[] features)
    {
        var x = new double[ActionForce + Derived.Length];
        Array.Copy(features, x, ActionForce);
        double refused = features[Known] * (1 - features[Inlined]);
        double overridable = Math.Clamp(refused * (1 - Unchangeable.Sum(i => features[i])), 0, 1);
        x[ActionForce] = overridable;
        x[ActionForce + 1] = overridable * features[IlBytes];
        x[ActionForce + 2] = features[Inlined] * features[Native];
        return x;
    }

    /// <summary>Only: restrict every target to one candidate kind (for the model card's comparison); null chooses by inner CV.</summary>
    public static PayoffModel Train(IReadOnlyList<Example> examples, int seed, string? only = null)
    {
        var models = new Dictionary<string, SiteModel>();
        foreach (var t in Targets.All)
            foreach (var a in new[] { InlineAction.Force, InlineAction.Block, InlineAction.Remove })
            {
                var rows = examples.Where(e => e.Action == a && double.IsFinite(e.Target(t))).ToList();
                models[Key(t, a)] = Candidates.Choose(rows.Select(e => Inputs(e.Features)).ToList(), rows.Select(e => e.Target(t)).ToList(),
                    rows.Select(e => e.Family).ToList(), seed, t, only);
            }
        return new PayoffModel { Models = models };
    }

    public Prediction Predict(TargetKind t, InlineAction a, double[] features)
    {
        var m = Models[Key(t, a)];
        return m.TrainingExamples == 0 ? Prediction.Untrained : m.PredictWithInterval(Inputs(features));
    }
}
