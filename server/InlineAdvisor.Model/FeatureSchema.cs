// The one list of model features: names, version and a hash of the names, so a model trained on one schema is never applied to another.
using System.Security.Cryptography;
using System.Text;
using InlineAdvisor.Experiments;

namespace InlineAdvisor.Model;

public static class FeatureSchema
{
    /// <summary>Bump when a feature's meaning changes without its name changing.</summary>
    public const int Version = 1;

    /// <summary>
    /// Per call site and action. IL features describe the callee and the site as built; runtime features the
    /// profile of the state the action starts from (for "remove", the run with the attribute). Sizes and counts
    /// that span orders of magnitude enter as ln(1 + x); unknown values as 0 with a *_known flag where it matters.
    /// </summary>
    public static readonly IReadOnlyList<string> Names =
    [
        // IL and metadata
        "callee_il_log", "callee_blocks", "callee_loops", "callee_eh_clauses", "callee_calls", "callee_throws",
        "callee_generic", "callee_virtual", "site_args", "site_const_args", "site_in_loop_il",
        "attr_aggressive", "attr_noinline", "callee_sites_in_assembly_log",
        // runtime profile
        "callee_native_tier0_log", "callee_native_tier1_log", "site_bound", "site_share_of_caller",
        "pgo_count_log", "pgo_known", "jit_inlined", "decision_known",
        "reason_size_budget", "reason_eh", "reason_virtual", "reason_recursion", "reason_noinline", "reason_profitability", "reason_other",
        "caller_il_log", "caller_native_log",
        // action one-hot
        "action_force", "action_block", "action_remove",
    ];

    /// <summary>First 16 hex digits of SHA-256 over version and names, one per line.</summary>
    public static string Hash { get; } = HashOf(Version, Names);

    public static string HashOf(int version, IEnumerable<string> names) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"v{version}\n" + string.Join("\n", names))))[..16].ToLowerInvariant();

    public static int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++) if (Names[i] == name) return i;
        throw new ArgumentException($"no feature {name}");
    }
}

public static class InlineActions
{
    public static string Text(InlineAction a) => a switch { InlineAction.Force => "force", InlineAction.Block => "block", _ => "remove" };
    public static InlineAction Parse(string s) => s switch
    {
        "force" => InlineAction.Force, "block" => InlineAction.Block, "remove" => InlineAction.Remove,
        _ => throw new FormatException($"unknown action '{s}' (force, block, remove)"),
    };
}

/// <summary>
/// The JIT's inline failure reasons (dotnet/runtime src/coreclr/jit/inline.def observation descriptions) in a few
/// classes a flag can or cannot change: size/budget (forcing can help), EH, virtual/indirect target, recursion
/// (flags cannot change those), noinline/explicit, profitability (the JIT judged it not worth it), other.
/// </summary>
public enum ReasonClass { None, SizeBudget, ExceptionHandling, Virtual, Recursion, NoInline, Profitability, Other }

public static class ReasonClasses
{
    public static ReasonClass Classify(string reason)
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

    /// <summary>Whether a MethodImpl flag can change a refusal of this class.</summary>
    public static bool FlagCanChange(ReasonClass c) => c is ReasonClass.SizeBudget or ReasonClass.Profitability or ReasonClass.Other or ReasonClass.None;
}
