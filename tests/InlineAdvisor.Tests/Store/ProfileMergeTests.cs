// ProfileMerge: sums per method, site and total; decision merging; the aggregate's RunInfo.
using InlineAdvisor.Core;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Store;

public sealed class ProfileMergeTests
{
    private static readonly MethodIdentity Caller = M("App.Loop", "Run");
    private static readonly MethodIdentity Callee = M("App.Math", "Mix", "int32  (int32)");
    private static readonly MethodIdentity Other = M("App.Math", "Other");

    private static RunProfile Run(long id, int hour, IReadOnlyList<MethodProfile> methods, IReadOnlyList<CallSite> sites,
        RunTotals? totals = null, string program = "App", params string[] notes) => new(
        new RunInfo
        {
            Id = id, Program = program, CommandLine = $"app --run {id}", Mode = CollectMode.Launch, TracePath = $"/t/{id}.nettrace",
            StartedUtc = new DateTime(2025, 1, 1, hour, 0, 0, DateTimeKind.Utc), Notes = notes,
        },
        methods, sites, totals ?? new RunTotals(100, 10, 1000, 5.5, 4096, 20));

    private static CallSite Site(int offset, long call, long inlined, long? pgo, InlineOutcome outcome, string reason,
        string tier, bool failAlways = false, SourceLocation? source = null) => new()
    {
        Caller = Caller, Callee = Callee, IlOffset = offset, CallSamples = call, StatementSamples = inlined, PgoCount = pgo,
        Source = source, Decision = new InlineDecision(outcome, reason, [tier], failAlways),
    };

    private static MethodProfile Method(MethodIdentity m, long excl, long incl, int token, params CodeVersion[] compiles) =>
        new() { Method = m, ExclusiveSamples = excl, InclusiveSamples = incl, Token = token, IlSize = 30, Compiles = compiles };

    [Fact]
    public void Sums_samples_per_method_site_and_totals()
    {
        var r1 = Run(1, 1, [Method(Caller, 5, 50, 0x100, new CodeVersion("QuickJitted", 10, 1)), Method(Callee, 40, 40, 0x101)],
            [Site(7, 30, 0, 3, InlineOutcome.NotInlined, "too many il bytes", "Tier0:failed"),
             Site(9, 1, 2, null, InlineOutcome.Unknown, "", "x")],
            new RunTotals(100, 10, 1000, 5.5, 4096, 20));
        var r2 = Run(2, 2, [Method(Callee, 60, 60, 0x201), Method(Caller, 7, 70, 0x200, new CodeVersion("OptimizedTier1", 20, 2))],
            [Site(7, 20, 5, null, InlineOutcome.NotInlined, "too many il bytes", "Tier1:failed")],
            new RunTotals(200, 20, 2000, 1.25, 8192, 30));

        var m = ProfileMerge.Merge([r2, r1]);

        var caller = m.Methods.Single(x => x.Method == Caller);
        Assert.Equal((12L, 120L), (caller.ExclusiveSamples, caller.InclusiveSamples));
        Assert.Equal(0x200, caller.Token);                                  // the newest build's token
        Assert.Equal(["QuickJitted", "OptimizedTier1"], caller.Compiles.Select(c => c.Tier));
        Assert.Equal(100L, m.Methods.Single(x => x.Method == Callee).InclusiveSamples);
        Assert.Equal(2, m.Methods.Count);

        Assert.Equal(2, m.Sites.Count);                                     // keyed by caller + callee + IL offset
        var at7 = m.Sites.Single(s => s.IlOffset == 7);
        Assert.Equal((50L, 5L, 55L), (at7.CallSamples, at7.StatementSamples, at7.TotalSamples));
        Assert.Equal(3L, at7.PgoCount);                                     // null in one run: only the present count
        Assert.Null(m.Sites.Single(s => s.IlOffset == 9).PgoCount);         // no run had PGO data

        Assert.Equal(new RunTotals(300, 30, 3000, 6.75, 12288, 50), m.Totals);
    }

    [Fact]
    public void Pgo_counts_sum_and_zero_is_not_null()
    {
        var r1 = Run(1, 1, [], [Site(7, 1, 0, 0, InlineOutcome.Inlined, "", "t")]);
        var r2 = Run(2, 2, [], [Site(7, 1, 0, null, InlineOutcome.Inlined, "", "t")]);
        var r3 = Run(3, 3, [], [Site(7, 1, 0, 40, InlineOutcome.Inlined, "", "t")]);
        Assert.Equal(0L, ProfileMerge.Merge([r1, r2]).Sites.Single().PgoCount);
        Assert.Equal(40L, ProfileMerge.Merge([r1, r2, r3]).Sites.Single().PgoCount);
    }

    [Fact]
    public void Inlined_and_refused_across_runs_is_mixed_with_reasons_kept()
    {
        var r1 = Run(1, 1, [], [Site(7, 0, 9, null, InlineOutcome.Inlined, "", "OptimizedTier1:inlined")]);
        var r2 = Run(2, 2, [], [Site(7, 9, 0, null, InlineOutcome.NotInlined, "too many il bytes", "OptimizedTier1:failed")]);
        var r3 = Run(3, 3, [], [Site(7, 9, 0, null, InlineOutcome.NotInlined, "unprofitable inline", "QuickJitted:failed")]);

        var d = ProfileMerge.Merge([r1, r2, r3]).Sites.Single().Decision;

        Assert.Equal(InlineOutcome.Mixed, d.Outcome);
        Assert.Equal("too many il bytes; unprofitable inline", d.Reason);
        Assert.Equal(["OptimizedTier1:inlined", "OptimizedTier1:failed", "QuickJitted:failed"], d.Tiers);
        Assert.False(d.FailAlways);
    }

    [Fact]
    public void Agreeing_decisions_stay_and_unknown_yields()
    {
        var refused = ProfileMerge.Merge([
            Run(1, 1, [], [Site(7, 1, 0, null, InlineOutcome.NotInlined, "noinline per IL/cached result", "a", failAlways: true)]),
            Run(2, 2, [], [Site(7, 1, 0, null, InlineOutcome.NotInlined, "noinline per IL/cached result", "a")]),
            Run(3, 3, [], [Site(7, 1, 0, null, InlineOutcome.Unknown, "", "b")]),
        ]).Sites.Single().Decision;
        Assert.Equal(new InlineDecision(InlineOutcome.NotInlined, "noinline per IL/cached result", refused.Tiers, true), refused);
        Assert.Equal(["a", "b"], refused.Tiers);

        var inlined = ProfileMerge.MergeDecision(new InlineDecision(InlineOutcome.Unknown, "", [], false),
            new InlineDecision(InlineOutcome.Inlined, "", ["t"], false));
        Assert.Equal(InlineOutcome.Inlined, inlined.Outcome);
    }

    [Fact]
    public void RunInfo_is_the_newest_runs_with_an_aggregate_note()
    {
        var newest = Run(5, 9, [], [], notes: "attach mode: no JIT decisions");
        var older = Run(8, 3, [], [], notes: "no PGO data");
        var oldest = Run(2, 1, [], []);

        var m = ProfileMerge.Merge([older, newest, oldest]);

        Assert.Equal(5, m.Run.Id);
        Assert.Equal(newest.Run.CommandLine, m.Run.CommandLine);
        Assert.Equal(["attach mode: no JIT decisions", "no PGO data", "aggregate of 3 runs: ids 2, 5, 8"], m.Run.Notes);
        Assert.Equal(["aggregate of 1 run: id 2"], ProfileMerge.Merge([oldest]).Run.Notes);
    }

    [Fact]
    public void Source_comes_from_the_newest_run_that_has_one()
    {
        var s1 = new SourceLocation("a.cs", 1, 1);
        var s2 = new SourceLocation("a.cs", 2, 5);
        var m = ProfileMerge.Merge([
            Run(1, 1, [], [Site(7, 1, 0, null, InlineOutcome.Unknown, "", "t", source: s1)]),
            Run(2, 2, [], [Site(7, 1, 0, null, InlineOutcome.Unknown, "", "t", source: s2)]),
            Run(3, 3, [], [Site(7, 1, 0, null, InlineOutcome.Unknown, "", "t", source: null)]),
        ]);
        Assert.Equal(s2, m.Sites.Single().Source);
    }

    [Fact]
    public void Refuses_nothing_and_different_programs()
    {
        Assert.Throws<ArgumentException>(() => ProfileMerge.Merge([]));
        var e = Assert.Throws<ArgumentException>(() => ProfileMerge.Merge([Run(1, 1, [], []), Run(2, 2, [], [], program: "Other")]));
        Assert.Contains("different programs", e.Message);
    }
}
