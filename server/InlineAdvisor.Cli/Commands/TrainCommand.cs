// `advisor train`: fit the payoff model on the dataset (and a store's experiments), print the held-out table, write the model and the card's metrics.
using InlineAdvisor.Core;
using System.CommandLine;
using System.Globalization;
using InlineAdvisor.Model;
using Spectre.Console;

namespace InlineAdvisor.Cli.Commands;

internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string[]>("--data", "-d") { Description = "A dataset CSV (from `advisor dataset`); repeat it to train on several (the corpus and real-library experiments).", Required = true };
        var store = new Option<string?>("--store") { Description = "Also use every single-edit experiment in this store as an example." };
        var output = new Option<string>("--out", "-o") { Description = "The model JSON to write.", DefaultValueFactory = _ => "models/inline-model.json" };
        var card = new Option<string?>("--card") { Description = "The model card (markdown) whose metrics section to write." };
        var compare = new Option<bool>("--compare") { Description = "Also evaluate each candidate kind alone (ridge, trees, and their relative code-size forms) and write that table to the card." };
        var heldOut = new Option<string?>("--held-out") { Description = "Write the held-out predictions (CSV) here, for inspection." };
        var seed = new Option<int>("--seed") { Description = "Seed of the fold shuffles (results are identical for a seed).", DefaultValueFactory = _ => 1 };
        var cmd = new Command("train", """
            Train the payoff model (per target and action: ridge or boosted trees, chosen by inner CV) and evaluate it by leave-one-family-out
            cross-validation against "trust the JIT" and "force every hot callee under 200 IL bytes".
            """) { data, store, output, card, seed, compare, heldOut };
        cmd.SetAction(parse =>
        {
            var text = new System.Text.StringBuilder();
            var examples = new List<Example>();
            try
            {
                foreach (var path in parse.GetValue(data)!)
                {
                    string csv;
                    try { csv = File.ReadAllText(path); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Common.Fail($"cannot read dataset: {e.Message}"); }
                    examples.AddRange(DatasetCsv.Read(csv, path));
                    text.Append(csv);
                }
                if (examples.DistinctBy(e => (e.Id, e.Action)).Count() != examples.Count)
                    return Common.Fail("the datasets share example ids: give each store's examples their own name (`advisor dataset --experiments NAME`)");
                // The hash covers the datasets' texts in the order given (what the model saw).
                string hash = ModelFile.Sha256(text.ToString());
                if (parse.GetValue(store) is { } storePath)
                {
                    using var s = Common.OpenStore(storePath, out var error);
                    if (s is null) return error;
                    var (more, notes) = StoreExamples.Build(s.ListExperiments(), id => s.LoadRun(id));
                    foreach (var n in notes) Console.WriteLine($"note: {n}");
                    examples.AddRange(more);
                    // The store's examples enter the hash through their CSV form, so the model names exactly what it saw.
                    hash = ModelFile.Sha256(text + DatasetCsv.Write(more));
                }
                examples = DatasetCsv.Sorted(examples).ToList();
                if (examples.Count == 0) return Common.Fail("no examples to train on");
                int s0 = parse.GetValue(seed);
                var metrics = Evaluation.LeaveOneFamilyOut(examples, s0, null, out var predictions);
                if (parse.GetValue(heldOut) is { } heldPath) AtomicFile.WriteAllText(heldPath, predictions);
                var model = PayoffModel.Train(examples, s0);
                var file = new ModelFileData
                {
                    Schema = new SchemaInfo(FeatureSchema.Version, FeatureSchema.Hash, FeatureSchema.Names),
                    Method = ModelFile.Method, Seed = s0, TrainingDataSha256 = hash, TrainingExamples = examples.Count,
                    Families = examples.Select(e => e.Family).Distinct().Order(StringComparer.Ordinal).ToList(),
                    Models = model.Models, Metrics = metrics,
                };
                AtomicFile.WriteAllText(parse.GetValue(output)!, ModelFile.Serialize(file));
                Render(metrics, examples.Count, file.Families.Count);
                if (parse.GetValue(card) is { } cardPath) ModelCard.WriteMetrics(cardPath, file);
                if (parse.GetValue(compare))
                {
                    // Outer held-out scores of each candidate kind alone: for the card's "what we tried", never used to choose.
                    var alone = Candidates.Kinds.Select(k => (k, Evaluation.LeaveOneFamilyOut(examples, s0, k).Where(r => r.Predictor == Evaluation.ModelName).ToList())).ToList();
                    foreach (var (k, rows) in alone) { AnsiConsole.MarkupLine($"[bold]{k} alone[/]"); Render(rows, examples.Count, file.Families.Count); }
                    if (parse.GetValue(card) is { } cardPath2) ModelCard.WriteComparison(cardPath2, alone);
                }
                Console.WriteLine($"model → {parse.GetValue(output)} (schema {FeatureSchema.Hash}, data sha256 {hash[..16]}…)");
                return (int)ExitCode.Ok;
            }
            catch (ModelException e)
            {
                return Common.Fail(e.Message);
            }
        });
        return cmd;
    }

    static void Render(IReadOnlyList<MetricRow> rows, int examples, int families)
    {
        AnsiConsole.MarkupLine($"held-out (leave one family out): {examples} examples, {families} families");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("examples", "target", "predictor", "n", "Spearman", "Spearman resolved", "MAE", "sign acc. (n)", "90% coverage");
        foreach (var r in rows) table.AddRow(Common.Escape(r.Examples), Common.Escape(r.Target), Common.Escape(r.Predictor), r.N.ToString(CultureInfo.InvariantCulture),
            ModelCard.F(r.Spearman, "0.00"), ModelCard.F(r.SpearmanResolved, "0.00"), ModelCard.F(r.Mae, "0.####"), $"{ModelCard.F(r.SignAccuracy * 100, "0")}% ({r.SignN})", ModelCard.F(r.Coverage * 100, "0") + (double.IsNaN(r.Coverage) ? "" : "%"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]runtime/cpu: local ln ratio (variant/baseline, the site's own work); jit_ms, code_bytes: absolute Δ. Sign accuracy and 'Spearman resolved' on examples measured beyond ±1% (runtime/cpu: resolved, i.e. clear of zero and of the A/A control).[/]");
    }
}
