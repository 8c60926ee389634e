// The runtime settings that change JIT decisions: the one definition runs and experiments record, so a model
// can tell whether an experiment ran under the settings of the profile it is compared with.
namespace InlineAdvisor.Core;

public static class RuntimeSettings
{
    // An allow-list, not every DOTNET_ variable: DOTNET_ROOT, DOTNET_NOLOGO, diagnostic ports and the like differ
    // between machines and shells without changing what the JIT does, and would split runs that belong together.
    private static readonly string[] Names =
    [
        "TieredPGO", "TieredCompilation", "TC_QuickJit", "TC_QuickJitForLoops", "TC_CallCountThreshold", "TC_CallCountingDelayMs",
        "OSR_HitLimit", "ReadyToRun", "JitInlineBudget", "JitEnableGuardedDevirtualization", "gcServer",
    ];

    /// <summary>"DOTNET_X=v;…" in a fixed order; the legacy COMPlus_ prefix counts as DOTNET_ (DOTNET_ wins, as in the runtime).</summary>
    /// <param name="environment">The process's variables; null: this process's own (a launched child inherits them).</param>
    public static string Describe(IReadOnlyDictionary<string, string>? environment = null)
    {
        string? Get(string name) => environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);
        return string.Join(";", Names
            .Select(n => (n, v: Get("DOTNET_" + n) ?? Get("COMPlus_" + n)))
            .Where(x => x.v is not null)
            .Select(x => $"DOTNET_{x.n}={x.v}"));
    }
}
