// `advisor apply --assemblies` and `advisor check` through the real CLI: exit codes 0/1/2, the listed problems,
// and `check --verify` deciding on a deterministic fake workload.
using InlineAdvisor.Core;
using InlineAdvisor.Advice;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using static InlineAdvisor.Tests.Advice.ApplyTestSupport;

namespace InlineAdvisor.Tests.Advice;

public sealed class ApplyCheckCommandTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    private ProcessResult Advisor(params string[] args) => Repo.RunAdvisor(_dir.Path, null, args);

    [Fact]
    public void Check_fails_before_apply_passes_after_and_fails_again_on_stale_advice()
    {
        var app = CopyOfSamples(_dir);
        var advice = Write(AdviceOf(Rec(Score, InlineAction.Force), Rec(Mix, InlineAction.Remove)), _dir.File("advice.json"));

        var before = Advisor("check", advice, "--assemblies", app);
        Assert.Equal(1, before.ExitCode);
        Assert.Contains("not applied", before.Stdout);
        var line = Assert.Single(before.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("2 of 2 recommendation(s) do not hold (2 not applied): InlineSamples.PacketScorer.Score (not applied); InlineSamples.ByteHasher.Mix (not applied); run `advisor apply`", line);

        var apply = Advisor("apply", advice, "--assemblies", app);
        Assert.True(apply.ExitCode == 0, apply.All);
        Assert.Contains("2 recommendation(s): 2 applied", apply.Stdout);

        var after = Advisor("check", advice, "--assemblies", app);
        Assert.True(after.ExitCode == 0, after.All);
        Assert.Contains("all 2 recommendation(s) are applied and current", after.Stdout);
        Assert.Equal("", after.Stderr);

        // The code moved on: one method's signature changed, another is gone.
        var stale = Write(AdviceOf(Rec(Score, InlineAction.Force), Rec(Mix with { Signature = "unsigned int64  (unsigned int64)" }, InlineAction.Remove),
            Rec(Score with { Name = "Retired" }, InlineAction.Block)), _dir.File("stale.json"));
        var r = Advisor("check", stale, "--assemblies", app);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("stale: signature changed", r.Stdout);
        Assert.Contains("stale: missing", r.Stdout);
        Assert.Contains("2 of 3 recommendation(s) do not hold (1 stale: missing, 1 stale: signature changed): InlineSamples.ByteHasher.Mix (stale: signature changed); InlineSamples.PacketScorer.Retired (stale: missing); export fresh advice", r.Stderr);

        // Non-strict apply of stale advice: applied what it could, the stale ones as warnings, exit 0.
        var skipped = Advisor("apply", stale, "--assemblies", app);
        Assert.True(skipped.ExitCode == 0, skipped.All);
        Assert.Contains("advisor: warning: [InlineSamples] InlineSamples.PacketScorer.Retired int32  (int32,int32,int32) (block): stale: missing", skipped.Stderr);
    }

    [Fact]
    public void Wrong_command_lines_exit_2()
    {
        var app = CopyOfSamples(_dir);
        var advice = Write(AdviceOf(Rec(Score, InlineAction.Force)), _dir.File("advice.json"));
        Assert.Equal(2, Advisor("check", advice).ExitCode);                                           // --assemblies is required
        Assert.Equal(2, Advisor("check", advice, "--assemblies", _dir.File("nope")).ExitCode);
        Assert.Equal(2, Advisor("check", advice, "--assemblies", app, "--", "dotnet", "x.dll").ExitCode);   // a workload without --verify
        Assert.Equal(2, Advisor("check", advice, "--assemblies", app, "--verify").ExitCode);          // --verify without a workload
        Assert.Equal(2, Advisor("apply", advice).ExitCode);                                           // neither --assemblies nor --source
        Assert.Equal(2, Advisor("apply", advice, "--assemblies", app, "--source", app).ExitCode);
        Assert.Equal(2, Advisor("apply", advice, "--assemblies", app, "--bogus").ExitCode);
        // A bad advice file is not a usage error: exit 1, one line.
        File.WriteAllText(_dir.File("bad.json"), """{ "schemaVersion": 2 }""");
        var bad = Advisor("apply", _dir.File("bad.json"), "--assemblies", app);
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("advisor: ", Assert.Single(bad.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    [Trait("Category", "EndToEnd")]
    public void Verify_fails_when_undoing_the_applied_advice_measurably_helps()
    {
        var app = CopyOfSamples(_dir);
        var advice = Write(AdviceOf(Rec(Score, InlineAction.Force), Rec(Mix, InlineAction.Remove)), _dir.File("advice.json"));
        Assert.Equal(0, Advisor("apply", advice, "--assemblies", app).ExitCode);

        // The runner's copies are A (as built), B (advice undone) and C (as built, the control). This workload
        // runs faster in B: the applied advice now costs time, which is what --verify is there to catch.
        var r = Advisor("check", advice, "--assemblies", app, "--verify", "--max-pairs", "10",
            "--", "bash", "-c", "case \"$1\" in */B) sleep 0.02;; *) sleep 0.12;; esac", "workload", "{app}");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("not re-measured: InlineSamples.ByteHasher.Mix (remove", r.Stdout);   // a remove cannot be undone
        Assert.Contains("re-measuring 1 applied recommendation(s)", r.Stdout);
        Assert.Contains("advisor: --verify: the applied advice now regresses wall time", r.Stderr);
    }
}
