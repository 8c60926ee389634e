// Writes the metrics section of the model card between markers, leaving the hand-written rest of the card as it is.
using InlineAdvisor.Core;
using System.Globalization;
using System.Text;

namespace InlineAdvisor.Model;

public static class ModelCard
{
    public const string Begin = "<!-- metrics:begin (written by `advisor train`) -->", End = "<!-- metrics:end -->";

    public static string F(double v, string format) => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);

    public static string Metrics(ModelFileData m)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Begin);
        sb.AppendLine($"Trained on {m.TrainingExamples} examples from {m.Families.Count} families ({string.Join(", ", m.Families)}); seed {m.Seed}; " +
                      $"feature schema v{m.Schema.Version} `{m.Schema.Hash}`; training data SHA-256 `{m.TrainingDataSha256}`.");
        sb.AppendLine();
        sb.AppendLine("| examples | target | predictor | n | Spearman | Spearman, resolved | MAE | sign accuracy (n) | 90% interval coverage |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in m.Metrics)
            sb.AppendLine($"| {r.Examples} | {r.Target} | {r.Predictor} | {r.N} | {F(r.Spearman, "0.00")} | {F(r.SpearmanResolved, "0.00")} | {F(r.Mae, "0.####")} | {F(r.SignAccuracy * 100, "0")}% ({r.SignN}) | {(double.IsNaN(r.Coverage) ? "-" : F(r.Coverage * 100, "0") + "%")} |");
        sb.AppendLine(End);
        return sb.ToString();
    }

    public const string CompareBegin = "<!-- comparison:begin (written by `advisor train --compare`) -->", CompareEnd = "<!-- comparison:end -->";

    /// <summary>The held-out table of each candidate kind used alone, between its own markers.</summary>
    public static void WriteComparison(string path, IReadOnlyList<(string Kind, List<MetricRow> Rows)> alone)
    {
        var sb = new StringBuilder(CompareBegin).AppendLine();
        sb.AppendLine("| target | candidate alone | Spearman | Spearman, resolved | MAE | sign accuracy (n) | 90% interval coverage |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var t in Targets.All)
            foreach (var (kind, rows) in alone)
                if (rows.FirstOrDefault(r => r.Target == Targets.Name(t)) is { } r && Candidates.For(t).Scales.Contains(kind.Split('/')[1]))
                    sb.AppendLine($"| {r.Target} | {kind} | {F(r.Spearman, "0.00")} | {F(r.SpearmanResolved, "0.00")} | {F(r.Mae, "0.####")} | {F(r.SignAccuracy * 100, "0")}% ({r.SignN}) | {F(r.Coverage * 100, "0")}% |");
        sb.Append(CompareEnd);
        var text = File.ReadAllText(path);
        int b = text.IndexOf(CompareBegin, StringComparison.Ordinal), e = text.IndexOf(CompareEnd, StringComparison.Ordinal);
        text = b >= 0 && e > b ? text[..b] + sb + text[(e + CompareEnd.Length)..] : text.TrimEnd('\n') + "\n\n## What we tried (held out, each candidate alone)\n\n" + sb + "\n";
        AtomicFile.WriteAllText(path, text);
    }

    public static void WriteMetrics(string path, ModelFileData m)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Model card\n\n## Held-out metrics\n\n" + Begin + "\n" + End + "\n";
        int b = text.IndexOf(Begin, StringComparison.Ordinal), e = text.IndexOf(End, StringComparison.Ordinal);
        text = b >= 0 && e > b ? text[..b] + Metrics(m).TrimEnd('\n') + text[(e + End.Length)..] : text.TrimEnd('\n') + "\n\n## Held-out metrics\n\n" + Metrics(m);
        AtomicFile.WriteAllText(path, text);
    }
}
