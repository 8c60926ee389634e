// Turns stored experiment evidence into recommendations: only what was measured to pay, or to cost nothing but code.
using System.Globalization;
using InlineAdvisor.Core;

namespace InlineAdvisor.Advice;

public static class AdviceBuilder
{
    /// <summary>
    /// One recommendation per method, from its newest single-edit experiment:
    /// the change is recommended when the deciding metric improved with an effect clear of the A/A control;
    /// removing an attribute is also recommended when the run time did not measurably get worse and the
    /// Tier1 code shrank (the JIT does as well with less code: the most common real finding).
    /// Experiments that changed several methods at once cannot say which change paid, and are skipped.
    /// </summary>
    public static IReadOnlyList<Recommendation> FromExperiments(
        IEnumerable<ExperimentRecord> experiments, Func<ExperimentRecord, double> amdahlBound, Func<MethodIdentity, SourceLocation?> declaration)
    {
        var result = new List<Recommendation>();
        foreach (var e in experiments.Where(e => e.Edits.Count == 1).GroupBy(e => e.Edits[0].Method).Select(g => g.MaxBy(e => e.StartedUtc)!))
        {
            var edit = e.Edits[0];
            var action = edit.Action;
            // No interval (fewer than two pairs, or a metric that could not be measured): nothing to recommend on.
            if (MeasuredOutcome.Deciding(e) is not { } deciding) continue;
            var code = e.Metrics.FirstOrDefault(m => m.Metric == Metrics.Tier1Code);
            string reason;
            if (MeasuredOutcome.Improves(e))
                reason = $"measured: {deciding.Metric} {Percent.Signed(deciding.Effect)} [{Percent.Signed(deciding.Low)}, {Percent.Signed(deciding.High)}] at n={deciding.N}, clear of the A/A control";
            else if (action == InlineAction.Remove && MeasuredOutcome.CostsNothingAndShrinksCode(e))
                reason = $"measured: no {deciding.Metric} change beyond [{Percent.Signed(deciding.Low)}, {Percent.Signed(deciding.High)}] at n={deciding.N}, and Tier1 code {Percent.Signed(code!.Effect)}: the JIT does as well without the attribute";
            else continue;
            result.Add(new Recommendation
            {
                Method = edit.Method,
                Action = action,
                Reason = reason,
                AmdahlBound = amdahlBound(e),
                Source = declaration(edit.Method),
                Evidence = new AdviceEvidence
                {
                    Kind = "measured", Metric = deciding.Metric, Effect = deciding.Effect, Low = deciding.Low, High = deciding.High,
                    ControlLow = Finite(deciding.ControlLow), ControlHigh = Finite(deciding.ControlHigh), N = deciding.N, Tier1CodeChange = Finite(code?.Effect),
                    ExperimentIds = [e.Id], RunIds = e.ProfileRunId is { } run ? [run] : [],
                },
            });
        }
        return result.OrderByDescending(r => r.AmdahlBound).ThenBy(r => r.Method.Display, StringComparer.Ordinal).ToList();
    }

    /// <summary>A statistic that was not measured (NaN, ±∞ below two pairs) is absent from the evidence, never a number.</summary>
    private static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;
}
