// The model against the measurements: for each stored experiment of one flag change at a profiled site, what the model
// predicts for the same site and action beside what the experiment measured. The HTML report plots it.
using InlineAdvisor.Core;

namespace InlineAdvisor.Model;

/// <summary>
/// One experiment with a prediction for its site and action. Both effects are app-level relative changes of the deciding
/// metric (ratio − 1): measured with its repeated 95% interval, predicted (the model's local effect × the site's share,
/// as `advise` shows it) with its 90% interval; a null end is open.
/// </summary>
public sealed record CalibrationPoint(long ExperimentId, CallSite Site, InlineAction Action, string Metric, ExperimentVerdict Verdict,
    double Measured, double MeasuredLow, double MeasuredHigh, double Predicted, double? PredictedLow, double? PredictedHigh, bool OutsideRange);

public static class Calibration
{
    /// <summary>
    /// Points for the experiments whose deciding metric the model predicts (wall time: runtime; CPU time: cpu), that changed
    /// one flag, at a site of <paramref name="profile"/> (the hottest with the experiment's caller → callee). Others have no
    /// prediction to compare and are left out.
    /// </summary>
    public static IReadOnlyList<CalibrationPoint> Points(RunProfile profile, IEnumerable<ExperimentRecord> experiments, ILFeatureReader il, ModelFileData model)
    {
        var payoff = model.ToModel();
        var byEdge = profile.Sites.GroupBy(s => (s.Caller, s.Callee)).ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.TotalSamples).First());
        var points = new List<CalibrationPoint>();
        foreach (var e in experiments)
        {
            if (e.Edits.Count != 1 || MeasuredOutcome.Deciding(e) is not { } measured) continue;
            TargetKind? target = e.DecidingMetric switch { Metrics.Wall => TargetKind.Runtime, Metrics.Cpu => TargetKind.Cpu, _ => null };
            if (target is not { } t) continue;
            var site = e.Sites.Select(s => byEdge.GetValueOrDefault((s.Caller, s.Callee))).FirstOrDefault(s => s is not null);
            if (site is null) continue;
            var action = e.Edits[0].Action;
            var features = FeatureBuilder.Build(profile, site, action, il.Callee(site.Callee), il.Site(site.Caller, site.Callee, site.IlOffset));
            var p = payoff.Predict(t, action, features);
            if (!p.Trained) continue;
            var predicted = Advisor.Effect(t, p, profile.AmdahlBound(site));
            points.Add(new CalibrationPoint(e.Id, site, action, e.DecidingMetric, e.Verdict, measured.Effect, measured.Low, measured.High,
                predicted.Value, predicted.Low, predicted.High, predicted.OutsideRange));
        }
        return points;
    }
}
