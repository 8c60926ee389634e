// The store the view tests read: the committed mixer trace imported with the real CLI, plus one experiment at its hottest
// site between two of our own sample's methods (the experiment's numbers are each test's own).
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

internal static class MixerStore
{
    /// <summary>Imports the mixer trace into <paramref name="store"/> and saves <paramref name="experiment"/>'s record for
    /// its hottest InlineSamples → InlineSamples site; returns the experiment's id.</summary>
    public static long Create(string workDir, string store, Func<long, CallSite, ExperimentRecord> experiment)
    {
        var f = GoldenReportTests.Fixtures;
        var imported = Repo.RunAdvisor(workDir, null, "import", Path.Combine(f, "mixer.nettrace"), "--pgo", Path.Combine(f, "mixer.pgo.txt"),
            "--store", store, "--assemblies", Repo.SamplesDir);
        Assert.True(imported.ExitCode == 0, imported.All);
        using var opened = ProfileStore.Open(store);
        var run = opened.LatestRun()!;
        var site = opened.LoadRun(run.Id)!.Sites.Where(s => s.Caller.Assembly == "InlineSamples" && s.Callee.Assembly == "InlineSamples")
            .OrderByDescending(s => s.TotalSamples).First();
        return opened.SaveExperiment(experiment(run.Id, site));
    }
}
