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
            name == "Mix" ? (Module, 2) : name == "Other" ? (Module, 3) : null;
        public IReadOnlyList<(int IlOffset, string Type, string Name, string Signature)> CallSites(string modulePath, int token) =>
            token == 1 ? [(0x10, Callee.Type, Callee.Name, Callee.Signature), (0x20, Other.Type, Other.Name, Other.Signature)] : [];
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
