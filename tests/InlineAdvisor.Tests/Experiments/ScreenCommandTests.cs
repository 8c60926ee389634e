// `advisor experiment --screen --top 4` end to end on the pipeline sample: real copies patched per design row, real runs
// in randomised order, flips checked per row in the JIT's events, the screen in the real store, and the winner
// confirmed by an ordinary experiment. The sample's needless NoInlining on a per-element step is the one large gain
// (measured −27% CPU); the test asserts that the screen names it clear of its A/A control, in fewer runs than the first
// looks of four separate experiments would take.
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Experiments;

[Collection(LiveProcessCollection.Name)]
public sealed class ScreenCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Screening_the_top_4_names_the_large_gain_clear_of_the_control_and_confirms_it()
    {
        var store = _dir.File("s.db");
        var workload = new[] { "--", "dotnet", Repo.SamplesDll, "pipeline", "--scale", "0.3" };
        var collect = Repo.RunAdvisor(_dir.Path, null, ["collect", "--store", store, "--output", _dir.File("t.nettrace"), .. workload]);
        Assert.True(collect.ExitCode == 0, collect.All);

        // --max-pairs 10: the screen's budget is the runs of one 10-round experiment (30 runs: two replicates of 16), and
        // the confirmation is an ordinary experiment of at most 10 rounds. CPU time decides: far less noisy here.
        var r = Repo.Run("dotnet", [Repo.Advisor, "experiment", "--store", store, "--app", Repo.SamplesDir, "--screen", "--top", "4",
            "--decide-on-cpu", "--max-pairs", "10", "--seed", "7", .. workload], _dir.Path, timeoutSeconds: 900);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("A/A control (a design column no change is assigned to)", r.Stdout);

        using var s = ProfileStore.Open(store);
        var screen = Assert.Single(s.ListScreens());
        Assert.Equal(4, screen.Candidates.Count);
        Assert.Equal(16, screen.Design.Count);
        Assert.All(Enumerable.Range(0, 4), k => Assert.Equal(8, screen.Design.Count(row => row.Contains(k))));   // every change on in half the rows
        int runs = screen.Runs.Count(x => x.Round >= 0);
        Assert.Equal(16 * screen.Replicates, runs);
        Assert.True(runs < 4 * 10 * 3, $"{runs} runs: not fewer than four experiments' first looks (4 × 10 rounds of 3 runs)");

        var scale = Assert.Single(screen.Candidates, c => c.Edit.Method.Name == "Scale");
        Assert.Equal(InlineAction.Remove, scale.Edit.Action);
        var cpu = scale.Metrics.Single(m => m.Metric == Metrics.Cpu);
        Assert.True(scale.Verdict == ExperimentVerdict.Effect && cpu.High < 0, $"Scale: {scale.Verdict} {cpu.Effect:P1} [{cpu.Low:P1}, {cpu.High:P1}]");
        Assert.True(cpu.High < cpu.ControlLow, $"Scale's effect {cpu.Effect:P1} [{cpu.Low:P1}, {cpu.High:P1}] is not clear of the control [{cpu.ControlLow:P1}, {cpu.ControlHigh:P1}]");
        Assert.True(scale.Flip is { Verified: true }, string.Join("\n", scale.Flip?.Details ?? []));
        // The other three are not gains: nothing else is offered for confirmation.
        Assert.All(screen.Candidates.Where(c => c != scale), c => Assert.False(c.Verdict == ExperimentVerdict.Effect && c.Metrics.Single(m => m.Metric == Metrics.Cpu).High < 0));

        // The winner is confirmed by an ordinary single-change experiment, stored as evidence for its site (the screen is not).
        var confirmation = Assert.Single(s.ListExperiments());
        Assert.Equal("Scale", confirmation.Edits.Single().Method.Name);
        Assert.Equal(ExperimentVerdict.Effect, confirmation.Verdict);
        Assert.True(confirmation.Metrics.Single(m => m.Metric == Metrics.Cpu).High < 0);

        var report = Repo.RunAdvisor(_dir.Path, null, "report", "--store", store, "--screens");
        Assert.True(report.ExitCode == 0, report.All);
        Assert.Contains("remove InlineSamples.Pipeline.Scale", report.Stdout);
    }
}
