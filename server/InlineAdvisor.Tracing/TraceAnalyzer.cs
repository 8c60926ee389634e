// The analysis entry point: one recorded trace (plus its PGO file) in, one call-edge profile out.
using InlineAdvisor.Core;

namespace InlineAdvisor.Tracing;

public static class TraceAnalyzer
{
    /// <summary>Reads <see cref="RunInfo.TracePath"/> once, streaming, and joins it with the program's assemblies and PDBs.</summary>
    /// <param name="assemblyDirs">Where the program's modules are now (a trace recorded on another machine,
    /// or before the build moved): a module found there by file name is read from there.</param>
    /// <param name="history">The same process's earlier windows (`collect --rotate`): their decisions are carried to the bodies
    /// this trace sees only in its rundown, and this trace's compiles are added for the next window.</param>
    /// <exception cref="TraceFormatException">The file is missing or not an EventPipe trace.</exception>
    /// <param name="samplePaths">The sample bursts of a duty-cycled collection, recorded beside the trace.</param>
    public static RunProfile Analyze(RunInfo run, IReadOnlyList<string>? assemblyDirs = null, JitHistory? history = null, IReadOnlyList<string>? samplePaths = null)
    {
        var raw = TraceReader.Read(run.TracePath, samplePaths);
        if (history is not null && history.CarryInto(raw) is var carried and > 0)
            run = run with { Notes = [.. run.Notes, $"the JIT's decisions for {carried} bodies compiled in earlier windows of this collection are carried from those windows' traces"] };
        var pgo = run.PgoPath is { } p && File.Exists(p) ? PgoText.Parse(p) : null;
        // Given folders win over the recorded path: a different build may sit there now.
        foreach (var (id, path) in raw.ModulePaths.ToList())
            if (assemblyDirs?.Select(d => Path.Combine(d, Path.GetFileName(path))).FirstOrDefault(File.Exists) is { } found)
                raw.ModulePaths[id] = found;
        using var metadata = new AssemblyMetadata();
        var timed = run with
        {
            DurationSeconds = run.DurationSeconds > 0 ? run.DurationSeconds : Math.Round(raw.DurationSeconds, 3),
            StartedUtc = run.StartedUtc != default ? run.StartedUtc : raw.StartUtc,
        };
        return new ProfileBuilder(raw, metadata, pgo).Build(timed);
    }
}
