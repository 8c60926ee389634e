// The JIT's inline failure reasons: the classes they fall in, and the ONE rule for whether a MethodImpl flag can change
// a refusal (used by `advise`, `experiment`'s planner and the editor alike).
namespace InlineAdvisor.Core;

/// <summary>
/// The JIT's inline failure reasons (dotnet/runtime src/coreclr/jit/inline.def observation descriptions) in a few
/// classes: size/budget (forcing can help), EH, virtual/indirect target, recursion, noinline/explicit, profitability
/// (the JIT judged it not worth it), other. The classes are model features; <see cref="InlineReasons.FlagCanChange"/>
/// reads the reason itself, because a class mixes limits a flag lifts with limits it does not.
/// </summary>
public enum ReasonClass { None, SizeBudget, ExceptionHandling, Virtual, Recursion, NoInline, Profitability, Other }

public static class InlineReasons
{
    /// <summary>Said by InlineAdvisor itself when no JIT event gave a reason: only unoptimized code called the callee.</summary>
    public const string TierZeroOnly = "caller ran only unoptimized (Tier0 or minopts), where the JIT inlines nothing";

    // Refusals no MethodImpl flag lifts. In inline.def these are FATAL observations, or properties of the call or the
    // callee that AggressiveInlining does not override (an indirect target, EH, a hard argument/local limit).
    // Not here: "too many il bytes" and "unprofitable inline" (forcing lifts them), "does not return" (the JIT
    // refuses a no-return callee only when it is not force-inlined), "noinline per IL" (removing NoInlining lifts it).
    private static readonly string[] Unliftable =
    [
        "recursive", "target not direct", "has exception handling", "unmanaged calling convention", "is synchronized",
        "localloc", "too many arguments", "too many locals", "explicit tail prefix", "noinline per vm", "marked as skipped",
        InlineReasons.TierZeroOnly,
    ];

    /// <summary>
    /// Whether changing the callee's MethodImpl inlining flags can change a refusal with this reason. An empty reason
    /// (the JIT inlined it, or said nothing) can change: blocking is always possible.
    /// </summary>
    public static bool FlagCanChange(string? reason) => FlagCannotChangeBecause(reason) is null;

    /// <summary>The part of the reason no flag lifts ("target not direct", …), or null when a flag can change it.</summary>
    public static string? FlagCannotChangeBecause(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) return null;
        foreach (var u in Unliftable)
            if (reason.Contains(u, StringComparison.OrdinalIgnoreCase)) return u;
        return null;
    }

    /// <summary>
    /// Why no flag can change what the JIT does at a site: it never inlined there, for a reason no flag lifts (then
    /// forcing, blocking and removing an attribute all leave the code as it is). Null when a flag can change it.
    /// </summary>
    public static string? NoFlagChanges(InlineDecision decision) =>
        decision.Outcome == InlineOutcome.NotInlined ? FlagCannotChangeBecause(decision.Reason) : null;

    /// <summary>A refusal because the compile's inline budget ran out (.NET 10 says "inline exceeds budget"; older JITs "over budget").</summary>
    public static bool IsBudget(string? reason) => reason is not null && reason.Contains("budget", StringComparison.OrdinalIgnoreCase);

    public static ReasonClass Classify(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) return ReasonClass.None;
        var r = reason.ToLowerInvariant();
        if (r.Contains("noinline") || r.Contains("no inlining") || r.Contains("marked as skipped") || r.Contains("explicit tail")
            || r.Contains("synchronized") || r.Contains("security") || r.Contains("noinline per")) return ReasonClass.NoInline;
        if (r.Contains("too many") || r.Contains("budget") || r.Contains("too large") || r.Contains("too deep") || r.Contains("il bytes")
            || r.Contains("inline depth") || r.Contains("size")) return ReasonClass.SizeBudget;
        if (r.Contains("exception") || r.Contains("catch") || r.Contains("filter") || r.Contains("eh ")) return ReasonClass.ExceptionHandling;
        if (r.Contains("not direct") || r.Contains("virtual") || r.Contains("delegate") || r.Contains("indirect") || r.Contains("interface")
            || r.Contains("unmanaged calling")) return ReasonClass.Virtual;
        if (r.Contains("recursive") || r.Contains("recursion")) return ReasonClass.Recursion;
        if (r.Contains("unprofitable") || r.Contains("does not return") || r.Contains("profitab") || r.Contains("rarely") || r.Contains("cold"))
            return ReasonClass.Profitability;
        return ReasonClass.Other;
    }
}
