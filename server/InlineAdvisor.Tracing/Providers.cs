// The EventPipe providers InlineAdvisor asks for: one definition shared by collect, experiments and benchmarks.
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace InlineAdvisor.Tracing;

public static class Providers
{
    public const string SampleProfiler = "Microsoft-DotNETCore-SampleProfiler";
    public const string Runtime = "Microsoft-Windows-DotNETRuntime";

    // Loader 0x8 | Jit 0x10 | JitTracing 0x1000 (inlining decisions) | JittedMethodILToNativeMap 0x20000
    // | JitInstrumentationData 0x10000000000 (not in TraceEvent's Keywords enum; see FACTS.md).
    public const long RuntimeKeywords = 0x10000021018;

    // Rundown (requested on the session, not as a provider) lists every method and module range,
    // ReadyToRun code included, when the session stops: it resolves addresses of code never jitted.

    /// <summary>CPU samples alone: the bursts of a duty-cycled collection (`collect --sample-duty`).</summary>
    public static IReadOnlyList<EventPipeProvider> SamplesOnly() => [new(SampleProfiler, EventLevel.Informational)];

    public static IReadOnlyList<EventPipeProvider> All(bool withSamples = true)
    {
        var list = new List<EventPipeProvider>
        {
            new(Runtime, EventLevel.Verbose, RuntimeKeywords),
        };
        if (withSamples) list.Insert(0, new EventPipeProvider(SampleProfiler, EventLevel.Informational));
        return list;
    }

    /// <summary>
    /// What every measured experiment run records: compiles only (Jit keyword, MethodLoadVerbose for
    /// native size and tier), no samples and no inlining events, so its cost is small and the same in
    /// every arm.
    /// </summary>
    public static IReadOnlyList<EventPipeProvider> JitCost() => [new(Runtime, EventLevel.Verbose, JitKeyword)];

    public const long JitKeyword = 0x10;

    /// <summary>The same providers in dotnet-trace's --providers syntax, for comparing against it.</summary>
    public static string ForDotnetTrace() =>
        $"{SampleProfiler}:0:4,{Runtime}:0x{RuntimeKeywords:x}:5";
}
