// The call-edge profile of one run: what analysis produces, the store keeps and reports render.
namespace InlineAdvisor.Core;

/// <summary>How the process was observed. Attach misses the JIT history before the session began.</summary>
public enum CollectMode { Launch, Attach, File }

/// <summary>One observed process: immutable once stored.</summary>
public sealed record RunInfo
{
    public long Id { get; init; }                    // assigned by the store; 0 before
    public required string Program { get; init; }    // the main assembly or executable name
    public required string CommandLine { get; init; }
    public int ProcessId { get; init; }
    public required CollectMode Mode { get; init; }
    public DateTime StartedUtc { get; init; }
    public double DurationSeconds { get; init; }
    public required string TracePath { get; init; }
    public string? PgoPath { get; init; }            // the DOTNET_WritePGOData text file, when there is one
    public string RuntimeConfig { get; init; } = "";  // DOTNET_* settings that change JIT decisions, "k=v;k=v"
    public string Machine { get; init; } = "";
    /// <summary>Caveats a reader must see beside the numbers (attach mode, no PGO data, …).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>Native code of one compile of a method.</summary>
public sealed record CodeVersion(string Tier, int NativeSize, double JitMilliseconds);

public sealed record MethodProfile
{
    public required MethodIdentity Method { get; init; }
    public int Token { get; init; }                  // in this build only; never used as identity
    public int IlSize { get; init; } = -1;            // -1: not known (no metadata)
    public MethodImplFlags ImplFlags { get; init; }
    public long ExclusiveSamples { get; init; }
    public long InclusiveSamples { get; init; }
    public IReadOnlyList<CodeVersion> Compiles { get; init; } = [];
}

public enum InlineOutcome { Unknown, Inlined, NotInlined, Mixed }

/// <summary>The JIT's inlining decisions for one caller→callee pair, de-duplicated over recompiles.</summary>
public sealed record InlineDecision(
    InlineOutcome Outcome,
    string Reason,                      // the JIT's words for the last failure, or "" when it succeeded
    IReadOnlyList<string> Tiers,        // which compiles decided (e.g. "QuickJitted:inlined", "OptimizedTier1:failed")
    bool FailAlways);

public sealed record SourceLocation(string File, int Line, int Column);

/// <summary>A caller→callee call site: the unit every recommendation is about.</summary>
public sealed record CallSite
{
    /// <summary>The site's number within its stored run (1-based, as `advisor report` shows it); 0 before storing or in an aggregate.</summary>
    public int Id { get; init; }
    public required MethodIdentity Caller { get; init; }
    public required MethodIdentity Callee { get; init; }
    public int IlOffset { get; init; } = -1;          // of the call instruction in the caller; -1 unknown
    public SourceLocation? Source { get; init; }
    /// <summary>Samples with the callee's own frame below this caller at this site (a real call).</summary>
    public long CallSamples { get; init; }
    /// <summary>
    /// Samples taken in the caller's own frame at this site's statement (IP → IL map): the body of a
    /// callee inlined there, or a call whose callee the sampler could not stop inside. EventPipe stops a
    /// thread only at a GC safe point, so a small leaf callee without loops is caught at its return,
    /// in the caller, at the call.
    /// </summary>
    public long StatementSamples { get; init; }
    /// <summary>True when another site shares the statement, so statement samples are an upper bound.</summary>
    public bool SharesStatement { get; init; }
    public InlineDecision Decision { get; init; } = new(InlineOutcome.Unknown, "", [], false);
    public long? PgoCount { get; init; }               // executions of the site from dynamic-PGO block counts
    /// <summary>
    /// Native bytes of the site's statement in the caller's optimized bodies that inlined the callee there, summed over
    /// those bodies (IL-to-native maps): an estimate of the code the inline adds, which includes what the callee inlined in
    /// turn (the maps place it at the outer call), the rest of the statement (arguments, the use of the result) and, when <see cref="SharesStatement"/>, the other calls in it. Null when no
    /// optimized body inlined it at a mapped statement (a refused call, or a call inside another inlinee, whose code the
    /// release runtime's maps place at the outer call).
    /// </summary>
    public long? InlinedCodeBytes { get; init; }
    public long TotalSamples => CallSamples + StatementSamples;
}

/// <summary>One inlining decision inside one compile. Inliner: the method whose IL holds the call (the compiled method or one of its inlinees).</summary>
public sealed record CompileInline(MethodIdentity Inliner, MethodIdentity Inlinee, bool Succeeded, string Reason);

/// <summary>
/// One compile in which the JIT refused an inline for its budget: its decisions in the JIT's order, up to the last
/// budget refusal (what came after cannot have used the budget those refusals lacked).
/// </summary>
public sealed record BudgetCompile(MethodIdentity Compiled, string Tier, IReadOnlyList<CompileInline> Inlines)
{
    /// <summary>The inlines refused for budget.</summary>
    public IEnumerable<CompileInline> Refusals => Inlines.Where(IsRefusal);

    /// <summary>The inlines that succeeded before the first budget refusal: they spent the budget the refused ones lacked.</summary>
    public IEnumerable<CompileInline> SpentBefore
    {
        get
        {
            int first = 0;
            while (first < Inlines.Count && !IsRefusal(Inlines[first])) first++;
            return first == Inlines.Count ? [] : Inlines.Take(first).Where(i => i.Succeeded);
        }
    }

    static bool IsRefusal(CompileInline i) => !i.Succeeded && InlineReasons.IsBudget(i.Reason);
}

public sealed record RunTotals(
    long Samples,            // CPU samples of managed code in this process
    long ExternalSamples,    // thread samples outside managed code (native, waiting)
    long Events,
    double JitMilliseconds,
    long Tier1CodeBytes,
    int MethodsJitted);

public sealed record RunProfile(
    RunInfo Run,
    IReadOnlyList<MethodProfile> Methods,
    IReadOnlyList<CallSite> Sites,
    RunTotals Totals)
{
    /// <summary>The compiles that ran out of inline budget (empty for runs stored before budget accounting).</summary>
    public IReadOnlyList<BudgetCompile> BudgetCompiles { get; init; } = [];

    /// <summary>The most any change at a site can gain: its share of all samples (Amdahl).</summary>
    public double AmdahlBound(CallSite site) => Totals.Samples == 0 ? 0 : (double)site.TotalSamples / Totals.Samples;
}
