// The one list of model features: names, version and a hash of the names, so a model trained on one schema is never applied to another.
using System.Security.Cryptography;
using System.Text;

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
        // raw sizes and the decision × size interactions code size follows (a linear model cannot form the product itself)
        "callee_il_bytes", "callee_native_tier1_bytes", "inlined_x_il_bytes", "not_inlined_x_il_bytes",
        // the method's whole effect (its flag acts on every call of it) and the inline budget of its callers
        "callee_profiled_sites_log", "callee_inlined_sites_log", "callee_summed_bound",
        "caller_budget_refusals_log", "callee_budget_refused_log", "callee_budget_spent_log",
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
