// Feature extraction on fixture methods compiled into this assembly: exact IL shapes and site features.
using InlineAdvisor.Core;
using InlineAdvisor.Model;
using Xunit;

namespace InlineAdvisor.Tests.Model;

public sealed class FeatureTests : IDisposable
{
    const string Asm = "InlineAdvisor.Tests", Type = "InlineAdvisor.Tests.Model.Fixtures.ModelFixtures";
    readonly ILFeatureReader _il = new(AppContext.BaseDirectory);

    static MethodIdentity M(string name, string sig, string type = Type) => new(Asm, type, name, sig);
    static readonly MethodIdentity Straight = M("Straight", "int32  (int32,int32)");
    static readonly MethodIdentity Caller = M("Caller", "int32  (int32[],class InlineAdvisor.Tests.Model.Fixtures.Speaker)");

    [Fact]
    public void Callee_shapes_are_exact()
    {
        var s = _il.Callee(Straight)!;
        Assert.Equal((6, 1, 0, 0, 0, false, false, false, 2, false), (s.IlSize, s.Blocks, s.Loops, s.EhClauses, s.Calls, s.Throws, s.Generic, s.Virtual, s.Parameters, s.HasThis));
        Assert.Equal(3, s.SitesInAssembly);   // two in Caller, one in Guarded

        var loop = _il.Callee(M("Loop", "int32  (int32[])"))!;
        Assert.Equal(1, loop.Loops);
        Assert.Equal(4, loop.Blocks);          // entry, loop body, condition, exit

        var guarded = _il.Callee(M("Guarded", "int32  (int32)"))!;
        Assert.Equal((1, 1), (guarded.EhClauses, guarded.Calls));
        Assert.Equal(0, guarded.Loops);

        var thrower = _il.Callee(M("Thrower", "void  (int32)"))!;
        Assert.True(thrower.Throws);
        Assert.Equal(MethodImplFlags.AggressiveInlining, thrower.Flags & MethodImplFlags.AggressiveInlining);
        Assert.Equal(1, thrower.Calls);        // the exception's constructor

        var (asm, _) = _il.Find(Straight)!.Value;
        var identity = asm.Methods.Single(m => m.Identity.Type == Type && m.Identity.Name == "Identity").Identity;
        Assert.True(_il.Callee(identity)!.Generic);
        var speak = _il.Callee(new MethodIdentity(Asm, "InlineAdvisor.Tests.Model.Fixtures.Speaker", "Speak", "instance int32  (int32)"))!;
        Assert.True(speak.Virtual);
        Assert.True(speak.HasThis);
    }

    [Fact]
    public void Site_shapes_count_constant_arguments_and_loops()
    {
        var sites = SitesOfCaller();
        var inLoop = sites.First(x => x.Callee == Straight);
        var outside = sites.Where(x => x.Callee == Straight).Skip(1).First();
        var a = _il.Site(Caller, Straight, inLoop.IlOffset)!;
        var b = _il.Site(Caller, Straight, outside.IlOffset)!;
        Assert.Equal((2, 1, true, false), (a.Arguments, a.ConstantArguments, a.InLoop, a.VirtualCall));
        Assert.Equal((2, 2, false, false), (b.Arguments, b.ConstantArguments, b.InLoop, b.VirtualCall));
        var speak = new MethodIdentity(Asm, "InlineAdvisor.Tests.Model.Fixtures.Speaker", "Speak", "instance int32  (int32)");
        var v = _il.Site(Caller, speak, -1)!;
        Assert.Equal((2, 0, false, true), (v.Arguments, v.ConstantArguments, v.InLoop, v.VirtualCall));
    }

    [Fact]
    public void Feature_vector_follows_the_schema()
    {
        var site = new CallSite { Caller = Caller, Callee = Straight, IlOffset = SitesOfCaller().First(x => x.Callee == Straight).IlOffset, StatementSamples = 50,
            Decision = new InlineDecision(InlineOutcome.NotInlined, "too many il bytes", [], false), PgoCount = 99 };
        var profile = new RunProfile(new RunInfo { Program = "p", CommandLine = "c", Mode = CollectMode.Launch, TracePath = "t" },
            [new MethodProfile { Method = Caller, IlSize = 60, InclusiveSamples = 100, Compiles = [new CodeVersion("OptimizedTier1", 199, 1)] }],
            [site], new RunTotals(200, 0, 0, 0, 0, 0));
        var f = FeatureBuilder.Build(profile, site, InlineAdvisor.Core.InlineAction.Force, _il.Callee(Straight), _il.Site(Caller, Straight, site.IlOffset));
        double F(string n) => f[FeatureSchema.IndexOf(n)];
        Assert.Equal(FeatureSchema.Names.Count, f.Length);
        Assert.Equal(Math.Log(7), F("callee_il_log"), 12);   // ldarg.0 ldarg.1 mul ldc.i4.1 add ret: 6 bytes
        Assert.Equal(0.25, F("site_bound"));
        Assert.Equal(0.5, F("site_share_of_caller"));
        Assert.Equal(Math.Log(100), F("pgo_count_log"), 12);
        Assert.Equal(1, F("reason_size_budget"));
        Assert.Equal(0, F("jit_inlined"));
        Assert.Equal(Math.Log(200), F("caller_native_log"), 12);
        Assert.Equal((1, 0, 0), (F("action_force"), F("action_block"), F("action_remove")));
        Assert.Equal(1, F("site_in_loop_il"));
        Assert.Equal(1, F("site_const_args"));
    }

    [Theory]
    [InlineData("too many il bytes", ReasonClass.SizeBudget)]
    [InlineData("inline exceeds budget", ReasonClass.SizeBudget)]
    [InlineData("has exception handling", ReasonClass.ExceptionHandling)]
    [InlineData("target not direct", ReasonClass.Virtual)]
    [InlineData("recursive", ReasonClass.Recursion)]
    [InlineData("noinline per IL/cached result", ReasonClass.NoInline)]
    [InlineData("unprofitable inline", ReasonClass.Profitability)]
    [InlineData("localloc size too large", ReasonClass.SizeBudget)]
    [InlineData("has unmanaged calling convention", ReasonClass.Virtual)]
    [InlineData("", ReasonClass.None)]
    public void Reasons_map_to_classes(string reason, ReasonClass expected) => Assert.Equal(expected, InlineReasons.Classify(reason));

    IReadOnlyList<InlineAdvisor.Metadata.ILCallSite> SitesOfCaller()
    {
        var (asm, m) = _il.Find(Caller)!.Value;
        return asm.GetCallSites(m.Token);
    }

    public void Dispose() => _il.Dispose();
}
