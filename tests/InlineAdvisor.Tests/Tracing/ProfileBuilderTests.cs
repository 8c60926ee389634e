// Attribution rules of ProfileBuilder on hand-made raw traces: exact numbers for known stacks.
using InlineAdvisor.Core;
using InlineAdvisor.Tracing;
using Xunit;

namespace InlineAdvisor.Tests.Tracing;

public sealed class ProfileBuilderTests
{
    private const string Module = "/app/App.dll";
    private static readonly EventMethodName Caller = new("App.Loop", "Run", "void  ()");
    private static readonly EventMethodName Callee = new("App.Math", "Mix", "int32  (int32)");
    private static readonly EventMethodName Other = new("App.Math", "Other", "int32  (int32)");
    private static readonly EventMethodName Leaf = new("App.Math", "Leaf", "int32  (int32)");
    private static readonly EventMethodName PollGC = new("System.Threading.Thread", "<PollGC>g__PollGCWorker|67_0", "void  ()");

    /// <summary>Metadata for a caller with a call to Mix at IL 0x10 (statement 0x0c) and to Other at IL 0x20 (statement 0x1c).</summary>
    private sealed class FakeMetadata : ICodeMetadata
    {
        public (string Name, bool IsFramework) AssemblyOf(string modulePath) => ("App", false);
        public (int IlSize, MethodImplFlags Flags)? Describe(string modulePath, int token) => token switch
        {
            2 => (40, MethodImplFlags.AggressiveInlining),
            _ => (100, MethodImplFlags.None),
        };
        public (string ModulePath, int Token)? Find(IEnumerable<string> modulePaths, string type, string name, string signature) =>
            name == "Mix" ? (Module, 2) : name == "Other" ? (Module, 3) : name == "Leaf" ? (Module, 4) : null;
        public IReadOnlyList<(int IlOffset, string Type, string Name, string Signature)> CallSites(string modulePath, int token) => token switch
        {
            1 => [(0x10, Callee.Type, Callee.Name, Callee.Signature), (0x20, Other.Type, Other.Name, Other.Signature)],
            2 => [(0x06, Leaf.Type, Leaf.Name, Leaf.Signature)],   // Mix calls Leaf
            _ => [],
        };
        public IReadOnlyList<string> ImplementedSlots(string modulePath, int token) => [];
        public SourceLocation? Locate(string modulePath, int token, int ilOffset) => new("/src/Loop.cs", 10 + ilOffset, 5);
    }

    private static RawTrace Trace(bool inlined)
    {
        var raw = new RawTrace();
        raw.ModulePaths[7] = Module;
        // Caller's optimized body at 0x1000: native [0,0x10) ↔ IL 0, [0x10,0x40) ↔ IL 0x0c, [0x40,…) ↔ IL 0x1c.
        var caller = new CodeRange
        {
            Start = 0x1000, Size = 0x100, MethodId = 1, ModuleId = 7, Token = 1, Method = Caller, Tier = "OptimizedTier1",
            JitMilliseconds = 2.5, IlOffsets = [0, 0x0c, 0x1c], NativeOffsets = [0, 0x10, 0x40],
            Inlines = [new InlineEvent(Caller, Callee, inlined, inlined ? "" : "too many il bytes", false),
                       new InlineEvent(Caller, Other, false, "noinline per IL/cached result", false),
                       new InlineEvent(Caller, Other, false, "unprofitable inline", false)],
        };
        var mix = new CodeRange { Start = 0x2000, Size = 0x40, MethodId = 2, ModuleId = 7, Token = 2, Method = Callee, Tier = "OptimizedTier1" };
        raw.Code.AddRange([caller, mix]);
        raw.Stacks[[0x1020]] = 30;                 // caller leaf in Mix's statement
        raw.Stacks[[0x1050]] = 5;                  // caller leaf in Other's statement
        raw.Stacks[[0x2004, 0x1018]] = 12;         // Mix frame called from its statement
        raw.Stacks[[0x9999, 0x1004]] = 3;          // unresolved leaf (native) above the caller's first statement
        raw.ManagedSamples = 50;
        return raw;
    }

    private static RunProfile Build(bool inlined) =>
        new ProfileBuilder(Trace(inlined), new FakeMetadata(), pgo: null)
            .Build(new RunInfo { Program = "App", CommandLine = "app", Mode = CollectMode.File, TracePath = "t" });

    private static CallSite Site(RunProfile p, string callee) => p.Sites.Single(s => s.Callee.Name == callee && s.IlOffset >= 0);

    [Fact]
    public void Frames_below_the_caller_are_call_samples_and_the_callers_own_frame_at_the_statement_is_statement_samples()
    {
        var p = Build(inlined: false);
        var mix = Site(p, "Mix");
        Assert.Equal(0x10, mix.IlOffset);
        Assert.Equal(12, mix.CallSamples);
        Assert.Equal(30, mix.StatementSamples);
        Assert.Equal(InlineOutcome.NotInlined, mix.Decision.Outcome);
        Assert.Equal("too many il bytes", mix.Decision.Reason);
        Assert.Equal(new SourceLocation("/src/Loop.cs", 10 + 0x10, 5), mix.Source);
        Assert.Equal(42.0 / 50, p.AmdahlBound(mix), 6);
    }

    [Fact]
    public void A_call_made_by_an_inlined_callee_belongs_to_the_inlinees_site_not_the_roots_statement()
    {
        var raw = Trace(inlined: true);
        raw.Code.Add(new CodeRange { Start = 0x3000, Size = 0x20, MethodId = 4, ModuleId = 7, Token = 4, Method = Leaf, Tier = "OptimizedTier1" });
        raw.Stacks[[0x3004, 0x1018]] = 9;   // Leaf's frame under Run's frame at Mix's statement: Mix's body, inlined there, called Leaf
        var p = new ProfileBuilder(raw, new FakeMetadata(), pgo: null)
            .Build(new RunInfo { Program = "App", CommandLine = "app", Mode = CollectMode.File, TracePath = "t" });
        var inner = p.Sites.Single(x => x.Callee.Name == "Leaf");
        Assert.Equal(("Mix", 0x06, 9L), (inner.Caller.Name, inner.IlOffset, inner.CallSamples));
        // And the report says the inner site's share can miss time: Mix was inlined into Run.
        var row = ReportBuilder.Build(p, top: 100).Sites.Single(r => r.Site.Callee.Name == "Leaf");
        Assert.StartsWith("partial: Mix was inlined into App.Loop.Run", row.Partial);
        Assert.Null(ReportBuilder.Build(p, top: 100).Sites.Single(r => r.Site.Callee.Name == "Mix").Partial);
    }

    [Fact]
    public void A_GC_poll_frame_is_plumbing_never_a_site_and_the_frame_below_it_steps_back_into_its_call()
    {
        var raw = Trace(inlined: true);
        raw.Code.Add(new CodeRange { Start = 0x5000, Size = 0x20, MethodId = 9, ModuleId = 8, Token = 9, Method = PollGC, Tier = "OptimizedTier1" });
        raw.Stacks[[0x5004, 0x1010]] = 4;   // a poll called from Run: its return address 0x1010 follows a call at the end of IL 0's range
        var p = new ProfileBuilder(raw, new FakeMetadata(), pgo: null)
            .Build(new RunInfo { Program = "App", CommandLine = "app", Mode = CollectMode.File, TracePath = "t" });
        Assert.DoesNotContain(p.Sites, x => x.Callee.Name.Contains("PollGC"));
        // Stepped back, the sample is Run's own time in its first statement, which holds no call: Mix's statement keeps 30.
        Assert.Equal(30, Site(p, "Mix").StatementSamples);
        Assert.Equal(30 + 5 + 3 + 4, p.Methods.Single(m => m.Method.Name == "Run").ExclusiveSamples);
    }

    [Fact]
    public void Samples_the_map_places_at_no_statement_are_claimed_by_no_site_and_the_run_says_so()
    {
        var raw = Trace(inlined: true);
        raw.Code[0].IlOffsets = [0, 0x0c, 0x1c, -1];     // native 0xf0 onwards: NO_MAPPING (an out-of-line GC-poll block)
        raw.Code[0].NativeOffsets = [0, 0x10, 0x40, 0xf0];
        raw.Stacks[[0x10f4]] = 60;
        raw.ManagedSamples += 60;
        var p = new ProfileBuilder(raw, new FakeMetadata(), pgo: null)
            .Build(new RunInfo { Program = "App", CommandLine = "app", Mode = CollectMode.File, TracePath = "t" });
        Assert.Equal(30, Site(p, "Mix").StatementSamples);            // the 60 went to no site
        Assert.True(p.Run.Notes.Any(n => n.StartsWith("54.5% of CPU samples are in code the IL-to-native map places at no statement", StringComparison.Ordinal)
            && n.Contains("54.5% in App.Loop.Run")), string.Join(" | ", p.Run.Notes));
        Assert.DoesNotContain(Build(inlined: true).Run.Notes, n => n.Contains("places at no statement"));   // 3 of 50 (6%) but none unmapped
    }

    [Fact]
    public void A_site_twice_in_one_stack_counts_the_sample_once()
    {
        var raw = Trace(inlined: false);
        raw.Stacks[[0x2004, 0x1018, 0x2010, 0x1018]] = 7;   // recursion: Loop.Run → Mix → Loop.Run → Mix, both through the same site
        var p = new ProfileBuilder(raw, new FakeMetadata(), pgo: null)
            .Build(new RunInfo { Program = "App", CommandLine = "app", Mode = CollectMode.File, TracePath = "t" });
        var mix = Site(p, "Mix");
        Assert.Equal(12 + 7, mix.CallSamples);
        Assert.True(p.AmdahlBound(mix) <= 1, $"bound {p.AmdahlBound(mix):P1}");
    }

    [Fact]
    public void A_site_reached_through_two_bodies_of_its_caller_in_one_stack_counts_the_sample_once()
    {
        // An async chain or recursion through a caller that was rejitted: the stack holds its Tier0 body and its Tier1 body,
        // each at the call to Mix. Two code ranges, one site: the sample is counted once (this gave shares over 100% at
        // framework async sites, e.g. AsyncTaskMethodBuilder`1.Start).
        var raw = Trace(inlined: false);
        raw.Code.Add(new CodeRange
        {
            Start = 0x3000, Size = 0x100, MethodId = 1, ModuleId = 7, Token = 1, Method = Caller, Tier = "QuickJitted",
            IlOffsets = [0, 0x0c, 0x1c], NativeOffsets = [0, 0x10, 0x40],
        });
        raw.Stacks[[0x2004, 0x1018, 0x2010, 0x3018]] = 7;   // Mix ← Run (Tier1) ← Mix ← Run (Tier0)
        var p = new ProfileBuilder(raw, new FakeMetadata(), pgo: null)
            .Build(new RunInfo { Program = "App", CommandLine = "app", Mode = CollectMode.File, TracePath = "t" });
        var mix = Site(p, "Mix");
        Assert.Equal(12 + 7, mix.CallSamples);   // counted twice, it was 12 + 7 + 7
        Assert.True(p.AmdahlBound(mix) <= 1, $"bound {p.AmdahlBound(mix):P1}");
    }

    [Fact]
    public void An_inlined_site_gets_the_native_bytes_its_statement_has_in_each_optimized_body()
    {
        Assert.Equal(0x40 - 0x10, Site(Build(inlined: true), "Mix").InlinedCodeBytes);   // statement 0x0c: native [0x10, 0x40)
        Assert.Null(Site(Build(inlined: false), "Mix").InlinedCodeBytes);                  // refused: a call, no inlined code

        // A second optimized body (OSR) that inlined it too adds its bytes; a Tier0 body inlines nothing and adds none.
        var raw = Trace(inlined: true);
        raw.Code.Add(new CodeRange
        {
            Start = 0x5000, Size = 0x80, MethodId = 1, ModuleId = 7, Token = 1, Method = Caller, Tier = "OptimizedTier1OSR",
            IlOffsets = [0x0c, 0x1c], NativeOffsets = [0, 0x20], Inlines = [new InlineEvent(Caller, Callee, true, "", false)],
        });
        raw.Code.Add(new CodeRange
        {
            Start = 0x6000, Size = 0x80, MethodId = 1, ModuleId = 7, Token = 1, Method = Caller, Tier = "QuickJitted",
            IlOffsets = [0, 0x0c], NativeOffsets = [0, 0x30],
        });
        var p = new ProfileBuilder(raw, new FakeMetadata(), pgo: null)
            .Build(new RunInfo { Program = "App", CommandLine = "app", Mode = CollectMode.File, TracePath = "t" });
        Assert.Equal(0x30 + 0x20, Site(p, "Mix").InlinedCodeBytes);
        Assert.Equal(0x30 + 0x20, ReportBuilder.Methods(p).Single(m => m.Method.Name == "Mix").InlinedCodeBytes);
    }

    [Fact]
    public void The_cached_result_reason_gives_way_to_the_first_real_reason()
    {
        var other = Site(Build(inlined: false), "Other");
        Assert.Equal("unprofitable inline", other.Decision.Reason);
        Assert.Equal(5, other.StatementSamples);
        Assert.Equal(0, other.CallSamples);
    }

    [Fact]
    public void Methods_get_exclusive_and_inclusive_samples_sizes_and_compiles()
    {
        var p = Build(inlined: true);
        var run = p.Methods.Single(m => m.Method.Name == "Run");
        var mix = p.Methods.Single(m => m.Method.Name == "Mix");
        Assert.Equal(30 + 5 + 3, run.ExclusiveSamples);   // the unresolved native leaf counts for the managed caller
        Assert.Equal(50, run.InclusiveSamples);
        Assert.Equal(12, mix.ExclusiveSamples);
        Assert.Equal(MethodImplFlags.AggressiveInlining, mix.ImplFlags);
        Assert.Equal(40, mix.IlSize);
        Assert.Equal("App", mix.Method.Assembly);
        Assert.Equal(2.5, p.Totals.JitMilliseconds);
        Assert.Equal(0x100 + 0x40, p.Totals.Tier1CodeBytes);
        Assert.Equal(InlineOutcome.Inlined, Site(p, "Mix").Decision.Outcome);
    }

    [Fact]
    public void A_run_without_pgo_says_so()
    {
        var p = Build(inlined: true);
        Assert.Contains(p.Run.Notes, n => n.StartsWith("no PGO data"));
        Assert.All(p.Sites, s => Assert.Null(s.PgoCount));
    }
}
