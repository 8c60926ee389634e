// End to end: `advisor collect --pid` / `--name` on a running sample: samples with the attach caveat, the
// target's own runtime settings, and the target left running.
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using InlineAdvisor.Tracing;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

[Collection(LiveProcessCollection.Name)]
public sealed class AttachTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static RunProfile OnlyRun(string store)
    {
        using var s = ProfileStore.Open(store);
        var info = Assert.Single(s.ListRuns());
        return s.LoadRun(info.Id)!;
    }

    private static void AssertAttachedRunOf(RunProfile p, int pid)
    {
        Assert.Equal(CollectMode.Attach, p.Run.Mode);
        Assert.Equal(pid, p.Run.ProcessId);
        Assert.Contains(Collector.AttachCaveat, p.Run.Notes);
        Assert.Contains(p.Run.Notes, n => n.Contains("stopped before the program ended"));
        Assert.True(p.Totals.Samples > 0, "no samples");
        // Attach gives samples: the hashing loop the target is in shows up.
        Assert.Contains(p.Sites, s => s.Callee.Display == "InlineSamples.ByteHasher.HashBlock" && s.TotalSamples > 0);
        Assert.True(File.Exists(p.Run.TracePath));
    }

    [Fact]
    public void Attach_by_pid_records_samples_with_the_caveat_and_leaves_the_target_running()
    {
        // The target runs without dynamic PGO and the advisor with a different setting: the run must record the
        // target's settings, since they decide what its JIT did.
        using var target = LiveProcess.StartSample("mixer", "3", _dir.Path, new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0" });
        var store = _dir.File("pid.db");
        var r = LiveProcesses.RunAdvisor(_dir.Path, new Dictionary<string, string> { ["DOTNET_JitInlineBudget"] = "21" },
            "collect", "--store", store, "--output", _dir.File("pid.nettrace"), "--pid", target.Id.ToString(), "--duration", "3s");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.DoesNotContain("   at ", r.All);
        Assert.True(LiveProcesses.IsRunning(target.Id), "attach ended the target");
        Assert.False(target.HasExited);

        var p = OnlyRun(store);
        AssertAttachedRunOf(p, target.Id);
        Assert.Contains("DOTNET_TieredPGO=0", p.Run.RuntimeConfig);
        Assert.DoesNotContain("DOTNET_JitInlineBudget", p.Run.RuntimeConfig);   // the advisor's own setting, not the target's
        Assert.Contains(target.Id.ToString(), r.Stdout);
    }

    [Fact]
    public void Attach_by_name_when_exactly_one_process_matches()
    {
        using var target = LiveProcess.StartSample("mixer", "3", _dir.Path);
        var matches = Collector.FindByName("InlineSamples");
        Assert.True(matches.Count == 1, "precondition: other InlineSamples processes are running: " + string.Join("; ", matches.Select(m => $"{m.Pid} {m.CommandLine}")));
        var store = _dir.File("name.db");
        var r = LiveProcesses.RunAdvisor(_dir.Path, null,
            "collect", "--store", store, "--output", _dir.File("name.nettrace"), "--name", "InlineSamples", "--duration", "2s");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.True(LiveProcesses.IsRunning(target.Id), "attach ended the target");
        AssertAttachedRunOf(OnlyRun(store), target.Id);
    }

    [Fact]
    public void Attach_by_name_refuses_an_ambiguous_or_unknown_name_in_one_line()
    {
        using var first = LiveProcess.StartSample("mixer", "3", _dir.Path);
        using var second = LiveProcess.StartSample("mixer", "3", _dir.Path);
        var store = _dir.File("ambiguous.db");
        var r = LiveProcesses.RunAdvisor(_dir.Path, null, "collect", "--store", store, "--name", "InlineSamples", "--duration", "2s");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("advisor: ", r.Stderr);
        Assert.Contains("processes match 'InlineSamples'", r.Stderr);
        Assert.Contains(first.Id.ToString(), r.Stderr);
        Assert.Contains(second.Id.ToString(), r.Stderr);
        Assert.Contains("use --pid", r.Stderr);
        Assert.DoesNotContain("   at ", r.All);
        Assert.True(LiveProcesses.IsRunning(first.Id) && LiveProcesses.IsRunning(second.Id));

        var none = LiveProcesses.RunAdvisor(_dir.Path, null, "collect", "--store", store, "--name", "no-such-program-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no running .NET process has", none.Stderr);
        using var s = ProfileStore.Open(store);
        Assert.Empty(s.ListRuns());
    }
}
