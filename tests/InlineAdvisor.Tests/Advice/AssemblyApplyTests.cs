// Post-build apply on copies of the real built samples: only the advised flags change, atomically; the patched
// program runs the same and the JIT honours the flags; idempotence, stale advice, --strict, untrusted names, temps.
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using static InlineAdvisor.Tests.Advice.ApplyTestSupport;

namespace InlineAdvisor.Tests.Advice;

public sealed class AssemblyApplyTests : IDisposable
{
    private readonly TempDir _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    [Trait("Category", "EndToEnd")]
    public void Applied_flags_leave_the_program_working_and_the_JIT_honours_them()
    {
        var original = Fingerprint(Repo.SamplesDir);
        var app = CopyOfSamples(_dir);
        var dll = Path.Combine(app, "InlineSamples.dll");
        var before = Fingerprint(app);

        var outcomes = AssemblyApplier.Apply(AdviceOf(Rec(Score, InlineAction.Force)), app, strict: false);

        var o = Assert.Single(outcomes);
        Assert.Equal(ApplyStatus.Applied, o.Status);
        Assert.Equal(dll, o.Path);
        Assert.Equal(MethodImplFlags.AggressiveInlining, FlagsOf(dll, Score));
        var after = Fingerprint(app);
        Assert.Equal(before.Keys, after.Keys);   // no temp file left, nothing added
        Assert.All(before.Where(f => f.Key != "InlineSamples.dll"), f => Assert.Equal(f.Value, after[f.Key]));   // pdb, json: untouched
        Assert.Equal(original, Fingerprint(Repo.SamplesDir));   // the real build output was never the target

        var plain = Repo.Run("dotnet", [Repo.SamplesDll, "medium", "--scale", "0.05"], _dir.Path);
        var patched = Repo.Run("dotnet", [dll, "medium", "--scale", "0.05"], _dir.Path);
        Assert.True(patched.ExitCode == 0, patched.All);
        Assert.Equal(Checksum(plain.Stdout), Checksum(patched.Stdout));

        // Unpatched, this run refuses Score at ScoreAll's hot site for "too many il bytes" (CollectTests).
        var store = _dir.File("s.db");
        var r = Repo.RunAdvisor(_dir.Path, new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0" },
            "collect", "--store", store, "--output", _dir.File("t.nettrace"), "--", "dotnet", dll, "medium", "--scale", "0.2");
        Assert.True(r.ExitCode == 0, r.All);
        using var s = ProfileStore.Open(store);
        var profile = s.LoadRun(s.LatestRun()!.Id)!;
        var site = profile.Sites.Single(x => x.Caller.Name == "ScoreAll" && x.Callee.Name == "Score" && x.IlOffset >= 0);
        Assert.Equal(InlineOutcome.Inlined, site.Decision.Outcome);
    }

    [Fact]
    public void Apply_twice_is_apply_once_and_the_second_touches_nothing()
    {
        var app = CopyOfSamples(_dir);
        var dll = Path.Combine(app, "InlineSamples.dll");
        var advice = AdviceOf(Rec(Score, InlineAction.Force), Rec(Mix, InlineAction.Remove));

        var first = AssemblyApplier.Apply(advice, app, strict: false);
        Assert.All(first, o => Assert.Equal(ApplyStatus.Applied, o.Status));
        Assert.Equal((MethodImplFlags.AggressiveInlining, MethodImplFlags.None), (FlagsOf(dll, Score), FlagsOf(dll, Mix)));
        var once = Fingerprint(app);
        Thread.Sleep(20);   // a rewrite would show as a new mtime

        var second = AssemblyApplier.Apply(advice, app, strict: false);

        Assert.All(second, o => Assert.Equal(ApplyStatus.AlreadyApplied, o.Status));
        Assert.Equal(once, Fingerprint(app));   // same bytes, same mtimes, no temp files
        Assert.All(AssemblyApplier.Check(advice, app), o => Assert.Equal(ApplyStatus.AlreadyApplied, o.Status));
    }

    [Fact]
    public void Stale_recommendations_are_reported_and_skipped_and_the_rest_applied()
    {
        var app = CopyOfSamples(_dir);
        var dll = Path.Combine(app, "InlineSamples.dll");
        var advice = AdviceOf(
            Rec(Score with { Signature = "int32  (int32,int32)" }, InlineAction.Block),
            Rec(Score, InlineAction.Force),
            Rec(Score with { Name = "ScoreGone" }, InlineAction.Force),
            Rec(Score with { Type = "InlineSamples.NoSuchType" }, InlineAction.Force),
            Rec(Score with { Assembly = "NoSuchAssembly" }, InlineAction.Force));

        var outcomes = AssemblyApplier.Apply(advice, app, strict: false);

        Assert.Equal([ApplyStatus.SignatureChanged, ApplyStatus.Applied, ApplyStatus.Missing, ApplyStatus.Missing, ApplyStatus.Missing], outcomes.Select(o => o.Status));
        Assert.Contains("int32  (int32,int32,int32)", outcomes[0].Detail);   // what the signature is now
        Assert.Contains("no method ScoreGone", outcomes[2].Detail);
        Assert.Contains("no type InlineSamples.NoSuchType", outcomes[3].Detail);
        Assert.Contains("NoSuchAssembly.dll is not in", outcomes[4].Detail);
        Assert.Equal(MethodImplFlags.AggressiveInlining, FlagsOf(dll, Score));
        Assert.Empty(Temps(app));
    }

    [Fact]
    public void Strict_writes_nothing_when_any_recommendation_is_stale()
    {
        var app = CopyOfSamples(_dir);
        var before = Fingerprint(app);
        var advice = AdviceOf(Rec(Score, InlineAction.Force), Rec(Mix with { Signature = "unsigned int64  (unsigned int64)" }, InlineAction.Remove));

        var outcomes = AssemblyApplier.Apply(advice, app, strict: true);

        Assert.Equal([ApplyStatus.NotApplied, ApplyStatus.SignatureChanged], outcomes.Select(o => o.Status));
        Assert.Contains("--strict", outcomes[0].Detail);
        Assert.Equal(before, Fingerprint(app));

        // The same through the CLI: exit 1, the stale one named, still nothing written.
        var file = Write(advice, _dir.File("advice.json"));
        var r = Repo.RunAdvisor(_dir.Path, null, "apply", file, "--assemblies", app, "--strict");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("stale: signature changed", r.Stdout);
        Assert.Contains("advisor: --strict: 1 stale recommendation(s); nothing was written", r.Stderr);
        Assert.Equal(before, Fingerprint(app));
    }

    [Theory]
    [InlineData("../InlineSamples")]
    [InlineData("..")]
    [InlineData("sub/InlineSamples")]
    [InlineData("/tmp/InlineSamples")]
    [InlineData("..\\InlineSamples")]
    [InlineData("")]
    public void Assembly_names_that_are_paths_are_refused_before_anything_is_read_or_written(string name)
    {
        var app = CopyOfSamples(_dir);
        Directory.CreateDirectory(Path.Combine(app, "sub"));
        File.Copy(Path.Combine(app, "InlineSamples.dll"), Path.Combine(app, "sub", "InlineSamples.dll"));
        File.Copy(Path.Combine(app, "InlineSamples.dll"), _dir.File("InlineSamples.dll"));   // what "../" would reach
        var outside = Hash(_dir.File("InlineSamples.dll"));
        var stale = Path.Combine(app, $"InlineSamples.dll.inline-advisor-{DeadPid()}-0123abcd.tmp");
        File.WriteAllText(stale, "left by a killed apply");
        var before = Fingerprint(app);
        var advice = AdviceOf(Rec(Score, InlineAction.Force), Rec(Score with { Assembly = name }, InlineAction.Block));

        var e = Assert.Throws<AdviceException>(() => AssemblyApplier.Apply(advice, app, strict: false));

        Assert.Contains("recommendation 2", e.Message);
        Assert.Equal(before, Fingerprint(app));   // not even the stale temp was removed: refused first
        Assert.Equal(outside, Hash(_dir.File("InlineSamples.dll")));
        Assert.Throws<AdviceException>(() => AssemblyApplier.Check(advice, app));
    }

    [Fact]
    public void A_path_as_assembly_name_is_one_clear_line_from_the_CLI()
    {
        var app = CopyOfSamples(_dir);
        var before = Fingerprint(app);
        var file = Write(AdviceOf(Rec(Score with { Assembly = "../../etc/InlineSamples" }, InlineAction.Force)), _dir.File("evil.json"));
        var r = Repo.RunAdvisor(_dir.Path, null, "apply", file, "--assemblies", app);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("advisor: recommendation 1", line);
        Assert.Contains("'../../etc/InlineSamples', which is not a simple assembly name", line);
        Assert.Equal(before, Fingerprint(app));
    }

    [Fact]
    public void Temps_left_by_a_killed_apply_are_removed_at_the_next_start_but_not_those_of_a_live_one()
    {
        var app = CopyOfSamples(_dir);
        var dead = Path.Combine(app, $"InlineSamples.dll.inline-advisor-{DeadPid()}-0123abcd.tmp");
        using var live = System.Diagnostics.Process.Start("sleep", "30")!;
        var running = Path.Combine(app, $"InlineSamples.dll.inline-advisor-{live.Id}-89abcdef.tmp");
        var foreign = Path.Combine(app, "notes.tmp");
        foreach (var f in new[] { dead, running, foreign }) File.WriteAllText(f, "x");
        try
        {
            Assert.All(AssemblyApplier.Check(AdviceOf(Rec(Score, InlineAction.Force)), app), o => Assert.Equal(ApplyStatus.NotApplied, o.Status));
            Assert.True(File.Exists(dead));   // check only reads

            AssemblyApplier.Apply(AdviceOf(Rec(Score, InlineAction.Force)), app, strict: false);

            Assert.False(File.Exists(dead));
            Assert.True(File.Exists(running));   // another apply may be using it right now
            Assert.True(File.Exists(foreign));   // not of our naming
        }
        finally
        {
            live.Kill();
            live.WaitForExit();
        }
    }

    [Fact]
    public void A_failure_while_preparing_leaves_no_temp_and_no_changed_assembly()
    {
        var app = CopyOfSamples(_dir);
        // A second assembly that the advice names but that cannot be patched: the method has no IL body.
        var iface = new MethodIdentity("InlineSamples", "InlineSamples.IPricer", "Price", "instance int64  (int32)");
        var before = Fingerprint(app);
        var outcomes = AssemblyApplier.Apply(AdviceOf(Rec(iface, InlineAction.Block)), app, strict: false);
        Assert.Equal(ApplyStatus.Missing, Assert.Single(outcomes).Status);   // bodiless now: stale, skipped
        Assert.Equal(before, Fingerprint(app));

        // Two assemblies to patch; the second cannot be replaced (a symbolic link: its target would stay as it was).
        // The first one's temp was already written and verified: it is removed, and no original is replaced.
        var outside = _dir.File("InlineAdvisor.Core.dll");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "InlineAdvisor.Core.dll"), outside);
        File.CreateSymbolicLink(Path.Combine(app, "InlineAdvisor.Core.dll"), outside);
        MethodIdentity coreMethod;
        using (var catalog = new InlineAdvisor.Metadata.AssemblyCatalog())
        {
            var core = catalog.Open(outside)!;
            coreMethod = core.Methods.First(m => m.IlSize > 0 && (m.ImplFlags & MethodImplFlags.NoInlining) == 0 && core.FindMethod(m.Identity)?.Method is not null).Identity;
        }
        before = Fingerprint(app);
        var outsideHash = Hash(outside);

        var e = Assert.Throws<AdviceException>(() => AssemblyApplier.Apply(AdviceOf(Rec(Score, InlineAction.Force), Rec(coreMethod, InlineAction.Block)), app, strict: false));

        Assert.Contains("symbolic link", e.Message);
        Assert.Contains("no assembly was changed", e.Message);
        Assert.Equal(before, Fingerprint(app));
        Assert.Equal(outsideHash, Hash(outside));
        Assert.Empty(Temps(app));
    }
}
