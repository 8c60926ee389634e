// Runner mechanics on fast, deterministic fake workloads (real processes, real copies, real patching):
// pairing and order, the stopping rule, metrics, and failures reported for the user.
using InlineAdvisor.Core;
using InlineAdvisor.Patching;
using InlineAdvisor.Experiments;
using InlineAdvisor.Statistics;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.Experiments;

[Collection(LiveProcessCollection.Name)]
public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private static readonly MethodIdentity Mix = new("InlineSamples", "InlineSamples.ByteHasher", "Mix", "unsigned int64  (unsigned int64,unsigned int8)");

    public void Dispose() => _dir.Dispose();

    /// <summary>A workload that is not .NET: sleeps per arm (the copy's folder name says which) and prints a metric.</summary>
    private ExperimentPlan Plan(string script, SequentialDesign? design = null, MetricSpec? metric = null) => new()
    {
        AppDir = Repo.SamplesDir,
        Command = ["bash", "-c", script, "workload", "{app}"],
        Changes = [new FlagChange(Mix, InlineAction.Remove)],
        WorkDir = _dir.File("work"),
        Warmups = 1,
        VerifyFlip = false,
        Design = design ?? new SequentialDesign(MaxPairs: 20, MinPairs: 10, LookEvery: 5),
        Metric = metric,
    };

    [Fact]
    public async Task Identical_arms_end_as_no_effect_at_the_first_look_with_every_run_paired_in_alternating_order()
    {
        var record = await new ExperimentRunner().RunAsync(Plan("echo 'value: 7'", metric: new MetricSpec(@"value: (\d+)", HigherIsBetter: true)), null, CancellationToken.None);

        Assert.Equal(ExperimentVerdict.NoEffect, record.Verdict);
        Assert.Equal(10, record.Pairs);
        Assert.Equal(3 * 10, record.Runs.Count);   // 10 rounds of B A C / C A B; the warm-ups are discarded
        Assert.All(record.Runs, r => Assert.InRange(r.Round, 0, 9));
        var rounds = record.Runs.Where(r => r.Round >= 0).GroupBy(r => r.Round).OrderBy(g => g.Key).ToList();
        Assert.Equal(["B", "A", "C"], rounds[0].Select(r => r.Arm));
        Assert.Equal(["C", "A", "B"], rounds[1].Select(r => r.Arm));
        var metric = record.Metrics.Single(m => m.Metric.StartsWith("metric"));
        Assert.Equal((7.0, 7.0, 0.0, 0.0, 0.0), (metric.MedianBaseline, metric.MedianVariant, metric.Effect, metric.Low, metric.High));
        Assert.False(metric.LowerIsBetter);
        Assert.Equal("remove", record.Edits.Single().Action.Text());
        Assert.Equal(MethodImplFlags.None, record.Edits.Single().After);
        Assert.Contains(record.Metrics, m => m.Metric == "task-clock");
        Assert.DoesNotContain(record.Metrics, m => m.Metric == "JIT time");   // not .NET: no JIT events, so no numbers invented
    }

    [Fact]
    public async Task A_slower_variant_is_an_effect_clear_of_the_control()
    {
        // B sleeps 0.3 s, A and C 0.15 s: wall time doubles, far beyond any noise here.
        var record = await new ExperimentRunner().RunAsync(
            Plan("case \"$1\" in */B) sleep 0.3;; *) sleep 0.15;; esac"), null, CancellationToken.None);
        Assert.Equal(ExperimentVerdict.Effect, record.Verdict);
        Assert.Equal(10, record.Pairs);
        var wall = record.Metrics.Single(m => m.Metric == "wall time");
        Assert.InRange(wall.Effect, 0.5, 1.5);
        Assert.True(wall.Low > wall.ControlHigh, $"effect {wall.Low}..{wall.High} vs control {wall.ControlLow}..{wall.ControlHigh}");
    }

    [Fact]
    public async Task A_failing_variant_and_a_missing_metric_are_clear_errors()
    {
        var failing = await Assert.ThrowsAsync<ExperimentException>(() => new ExperimentRunner().RunAsync(
            Plan("case \"$1\" in */B) echo boom >&2; exit 3;; esac"), null, CancellationToken.None));
        Assert.Contains("arm B", failing.Message);
        Assert.Contains("exited with code 3", failing.Message);
        Assert.Contains("boom", failing.Message);

        Directory.Delete(_dir.File("work"), recursive: true);
        var noMetric = await Assert.ThrowsAsync<ExperimentException>(() => new ExperimentRunner().RunAsync(
            Plan("echo nothing", metric: new MetricSpec(@"value: (\d+)", true)), null, CancellationToken.None));
        Assert.Contains("found no number", noMetric.Message);
    }

    [Fact]
    public async Task A_command_that_never_names_the_app_is_refused()
    {
        var plan = Plan("true") with { Command = ["bash", "-c", "true"] };
        var e = await Assert.ThrowsAsync<ExperimentException>(() => new ExperimentRunner().RunAsync(plan, null, CancellationToken.None));
        Assert.Contains("never names the app folder", e.Message);
    }
}
