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
        var measurements = new Option<string?>("--measurements", "-m") { Description = "The corpus program's measurements.json." };
        var app = new Option<string?>("--app") { Description = "Folder of the corpus program's built assemblies (for IL features)." };
        var output = new Option<string>("--out", "-o") { Description = "The CSV to write (atomically).", Required = true };
        var experiments = new Option<string?>("--experiments") { Description = "Instead of the corpus: every single-edit experiment in the store becomes an example, with ids NAME-<experiment id> (the store's experiments on a real library: `advisor train --data` takes the CSV beside the corpus's). Their app folders must still exist (IL features)." };
        var cmd = new Command("dataset", """
            Build the training dataset: one row per corpus site and action (default→force, default→block, force→default
            "remove"), with features from the run's profile and the IL, and labels from the interleaved rounds: runtime and
            CPU as mean ln ratio per round with a 95% t-interval, Δ JIT ms and Δ optimized bytes of caller + callee.
            With --experiments NAME: the store's single-edit experiments instead (labels: the measured CPU and wall
            change over the summed share of the sites changed; Δ JIT ms and Δ Tier1 code), e.g. from samples/RealWorld/validate.sh.
            """) { store, run, measurements, app, output, experiments };
        cmd.SetAction(parse =>
        {
            using var s = Common.OpenStore(parse.GetValue(store)!, out var error);
            if (s is null) return error;
            if (parse.GetValue(experiments) is { } name)
            {
                if (parse.GetValue(measurements) is not null || parse.GetValue(app) is not null)
                    return Common.Fail("--experiments takes the examples from the store's experiments: give neither --measurements nor --app");
                var (examples, notes) = StoreExamples.Build(s.ListExperiments(), id => s.LoadRun(id), name);
                foreach (var note in notes) Console.WriteLine($"note: {note}");
                if (examples.Count == 0) return Common.Fail($"no single-edit experiment of {s.Path} could become an example (see the notes)");
                AtomicFile.WriteAllText(parse.GetValue(output)!, DatasetCsv.Write(examples));
                Console.WriteLine($"{examples.Count} examples from the experiments of {s.Path} → {parse.GetValue(output)}");
                return (int)ExitCode.Ok;
            }
            if (parse.GetValue(measurements) is null || parse.GetValue(app) is null)
                return Common.Fail("give --measurements and --app (the corpus), or --experiments NAME (a store's experiments)");
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
