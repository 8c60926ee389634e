// Measured evidence in a real store: `advisor advise` shows an experiment's result as measured (never predicted) at its site,
// and `advisor train --store` turns the store's single-edit experiments into examples, skipping (with a note) one whose app is gone.
using System.Text.Json;
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Model;

/// <summary>One real `advisor collect` of the mixer, shared by the tests below (collecting is the slow part).</summary>
public sealed class MixerStore : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Store => Dir.File("s.db");

    public MixerStore()
    {
        var collect = Repo.RunAdvisor(Dir.Path, null, "collect", "--store", Store, "--output", Dir.File("t.nettrace"), "--",
            "dotnet", Repo.SamplesDll, "mixer", "--scale", "0.4");
        Assert.True(collect.ExitCode == 0, collect.All);
    }

    /// <summary>Saves a single-edit "remove" experiment on the run's hottest Mix site through the store's own API.</summary>
    public (long Id, CallSite Site) SaveRemoveExperiment(string appDir)
    {
        using var s = ProfileStore.Open(Store);
        var run = s.LatestRun()!;
        var profile = s.LoadRun(run.Id)!;
        var site = profile.Sites.Where(x => x.Callee.Name == "Mix").MaxBy(x => x.TotalSamples)!;
        var id = s.SaveExperiment(new ExperimentRecord
        {
            ProfileRunId = run.Id, StartedUtc = DateTime.UtcNow, Seconds = 42, AppDir = appDir,
            Command = $"dotnet {Repo.SamplesDll} mixer --scale 0.4", Sites = [site],
            Edits = [new FlagEdit(site.Callee, InlineAction.Remove, MethodImplFlags.AggressiveInlining, MethodImplFlags.None)],
            Verdict = ExperimentVerdict.NoEffect, DecidingMetric = "wall time", Pairs = 16, Epsilon = 0.01,
            Metrics =
            [
                new MetricEffect("wall time", "s", true, 16, 1.00, 0.998, -0.002, -0.007, 0.004, 0.001, -0.005, 0.006),
                new MetricEffect("CPU time (user+sys)", "s", true, 16, 1.10, 1.099, -0.001, -0.006, 0.005, 0.0, -0.004, 0.004),
                new MetricEffect("JIT time", "ms", true, 16, 210, 205, -0.024, -0.05, 0.0, 0.0, -0.02, 0.02),
                new MetricEffect("Tier1 code", "B", true, 16, 52_000, 51_800, -0.0038, -0.0038, -0.0038, 0, 0, 0),
            ],
            RuntimeConfig = run.RuntimeConfig, Machine = "test",
        });
        return (id, site);
    }

    public void Dispose() => Dir.Dispose();
}

public sealed class StoreEvidenceTests(MixerStore mixer) : IClassFixture<MixerStore>
{
    static readonly string Model = Path.Combine(Repo.Root, "models", "inline-model.json");

    [Fact]
    public void Advise_shows_a_saved_experiment_as_measured_at_its_site()
    {
        var (id, site) = mixer.SaveRemoveExperiment(Repo.SamplesDir);
        var r = Repo.RunAdvisor(mixer.Dir.Path, null, "advise", "--store", mixer.Store, "--app", Repo.SamplesDir, "--model", Model, "--json", "--top", "200");
        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(r.Stdout);
        var at = doc.RootElement.GetProperty("sites").EnumerateArray().Where(s =>
            s.GetProperty("site").GetProperty("callee").GetProperty("name").GetString() == "Mix"
            && s.GetProperty("site").GetProperty("caller").GetProperty("name").GetString() == site.Caller.Name).ToList();
        Assert.NotEmpty(at);
        foreach (var s in at)
        {
            Assert.Equal("measured", s.GetProperty("evidence").GetString());
            var payoff = s.GetProperty("payoff").GetString()!;
            Assert.EndsWith($"(measured, experiment {id})", payoff);
            Assert.DoesNotContain("(predicted)", payoff);
            Assert.Equal(0, s.GetProperty("predicted").GetArrayLength());   // no prediction shown beside a measurement
        }

        var table = Repo.RunAdvisor(mixer.Dir.Path, null, "advise", "--store", mixer.Store, "--app", Repo.SamplesDir, "--model", Model, "--top", "200");
        Assert.True(table.ExitCode == 0, table.All);
        Assert.Contains($"(measured, experiment {id})", table.Stdout);
    }

    [Fact]
    public void Train_with_a_store_adds_its_experiments_and_skips_one_whose_app_is_gone()
    {
        var (kept, _) = mixer.SaveRemoveExperiment(Repo.SamplesDir);
        var gone = Path.Combine(mixer.Dir.Path, "deleted-bin");
        var (skipped, _) = mixer.SaveRemoveExperiment(gone);
        // A few corpus families keep the training short; the store's examples form a family of their own.
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "models", "data", "corpus.csv"));
        var subset = lines.Take(1).Concat(lines.Skip(1).Where(l => l.Split(',')[1] is "small" or "large" or "virtual")).ToList();
        var data = mixer.Dir.File("subset.csv");
        File.WriteAllLines(data, subset);
        var output = mixer.Dir.File("m.json");

        var r = Repo.RunAdvisor(mixer.Dir.Path, null, "train", "--data", data, "--store", mixer.Store, "--out", output, "--seed", "1");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains($"note: experiment {skipped}: app folder {gone} is gone, skipped", r.Stdout);
        Assert.DoesNotContain($"note: experiment {kept}:", r.Stdout);
        var model = ModelFile.Load(output);
        // Every experiment with its app present is an example (the two other tests of this fixture may have saved one each):
        // at least ours, never the gone one.
        int fromStore = model.TrainingExamples - (subset.Count - 1);
        Assert.InRange(fromStore, 1, 3);
        Assert.Contains(model.Families, f => f.StartsWith("store:", StringComparison.Ordinal));
        Assert.Equal(4, model.Families.Count);
    }

    [Fact]
    public void Dataset_of_a_stores_experiments_writes_named_examples_that_train_beside_the_corpus()
    {
        var (kept, _) = mixer.SaveRemoveExperiment(Repo.SamplesDir);
        var csv = mixer.Dir.File("experiments.csv");
        var r = Repo.RunAdvisor(mixer.Dir.Path, null, "dataset", "--store", mixer.Store, "--experiments", "mixer", "--out", csv);
        Assert.True(r.ExitCode == 0, r.All);
        var examples = DatasetCsv.Read(File.ReadAllText(csv), csv);
        var mine = Assert.Single(examples, e => e.Id == $"mixer-{kept}");
        Assert.Equal("experiment", mine.Source);
        Assert.Equal(InlineAction.Remove, mine.Action);
        Assert.Equal("store:InlineSamples", mine.Family);   // one family per library: the changed method's assembly

        // The corpus's form of the verb and this one do not mix, and say so in one line.
        var both = Repo.RunAdvisor(mixer.Dir.Path, null, "dataset", "--store", mixer.Store, "--experiments", "mixer", "--measurements", "m.json", "--out", csv);
        Assert.NotEqual(0, both.ExitCode);
        Assert.Single(both.Stderr.Trim().Split('\n'));

        // Two datasets whose example ids collide are refused: each store's examples need their own name.
        var twice = Repo.RunAdvisor(mixer.Dir.Path, null, "train", "--data", csv, "--data", csv, "--out", mixer.Dir.File("m2.json"));
        Assert.NotEqual(0, twice.ExitCode);
        Assert.Contains("share example ids", twice.Stderr);
    }
}
