// Writes the metrics section of the model card between markers, leaving the hand-written rest of the card as it is.
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
        sb.AppendLine("| target | predictor | n | Spearman | MAE | sign accuracy (n) | 90% interval coverage |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in m.Metrics)
            sb.AppendLine($"| {r.Target} | {r.Predictor} | {r.N} | {F(r.Spearman, "0.00")} | {F(r.Mae, "0.####")} | {F(r.SignAccuracy * 100, "0")}% ({r.SignN}) | {(double.IsNaN(r.Coverage) ? "-" : F(r.Coverage * 100, "0") + "%")} |");
        sb.AppendLine(End);
        return sb.ToString();
    }

    public static void WriteMetrics(string path, ModelFileData m)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Model card\n\n## Held-out metrics\n\n" + Begin + "\n" + End + "\n";
        int b = text.IndexOf(Begin, StringComparison.Ordinal), e = text.IndexOf(End, StringComparison.Ordinal);
        text = b >= 0 && e > b ? text[..b] + Metrics(m).TrimEnd('\n') + text[(e + End.Length)..] : text.TrimEnd('\n') + "\n\n## Held-out metrics\n\n" + Metrics(m);
        ModelFile.WriteAtomic(path, text);
    }
}
