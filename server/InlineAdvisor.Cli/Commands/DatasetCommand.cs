// `advisor dataset`: corpus measurements + the profile of the same process + the corpus IL → the training CSV.
using InlineAdvisor.Core;
using System.CommandLine;
using InlineAdvisor.Model;

namespace InlineAdvisor.Cli.Commands;

internal static class DatasetCommand
{
    public static Command Create()
    {
        var store = Common.StoreOption();
        var run = new Option<long?>("--run", "-r") { Description = "The run with the corpus program's profile. Default: the latest run." };
        var measurements = new Option<string>("--measurements", "-m") { Description = "The corpus program's measurements.json.", Required = true };
        var app = new Option<string>("--app") { Description = "Folder of the corpus program's built assemblies (for IL features).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "The CSV to write (atomically).", Required = true };
        var cmd = new Command("dataset", """
            Build the training dataset: one row per corpus site and action (default→force, default→block, force→default
            "remove"), with features from the run's profile and the IL, and labels from the interleaved rounds: runtime and
            CPU as mean ln ratio per round with a 95% t-interval, Δ JIT ms and Δ optimized bytes of caller + callee.
            """) { store, run, measurements, app, output };
        cmd.SetAction(parse =>
        {
            using var s = Common.OpenStore(parse.GetValue(store)!, out var error);
            if (s is null) return error;
            var info = parse.GetValue(run) is { } id ? s.ListRuns().FirstOrDefault(r => r.Id == id) : s.LatestRun();
            if (info is null) return Common.Fail($"no such run in {s.Path} (record the corpus program with `advisor collect`)");
            if (!Directory.Exists(parse.GetValue(app))) return Common.Fail($"--app {parse.GetValue(app)} is not a folder");
            string json;
            try { json = File.ReadAllText(parse.GetValue(measurements)!); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Common.Fail($"cannot read measurements: {e.Message}"); }
            try
            {
                using var il = new ILFeatureReader(parse.GetValue(app)!);
                var result = CorpusDataset.Build(json, s.LoadRun(info.Id)!, il);
                AtomicFile.WriteAllText(parse.GetValue(output)!, DatasetCsv.Write(result.Examples));
                foreach (var note in result.Notes) Console.WriteLine($"note: {note}");
                Console.WriteLine($"{result.Examples.Count} examples from run {info.Id} → {parse.GetValue(output)}");
                return (int)ExitCode.Ok;
            }
            catch (Exception e) when (e is ModelException or KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                return Common.Fail(e is ModelException ? e.Message : $"measurements: {e.Message} (the format samples/Corpus/Generator/Template/Harness.cs writes)");
            }
        });
        return cmd;
    }
}
