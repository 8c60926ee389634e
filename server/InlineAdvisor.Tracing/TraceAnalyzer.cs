// The analysis entry point: one recorded trace (plus its PGO file) in, one call-edge profile out.
using InlineAdvisor.Core;

namespace InlineAdvisor.Tracing;

public static class TraceAnalyzer
{
    /// <summary>Reads <see cref="RunInfo.TracePath"/> once, streaming, and joins it with the program's assemblies and PDBs.</summary>
    /// <exception cref="TraceFormatException">The file is missing or not an EventPipe trace.</exception>
    public static RunProfile Analyze(RunInfo run)
    {
        var raw = TraceReader.Read(run.TracePath);
        var pgo = run.PgoPath is { } p && File.Exists(p) ? PgoText.Parse(p) : null;
        using var metadata = new AssemblyMetadata();
        var timed = run with
        {
            DurationSeconds = run.DurationSeconds > 0 ? run.DurationSeconds : Math.Round(raw.DurationSeconds, 3),
            StartedUtc = run.StartedUtc != default ? run.StartedUtc : raw.StartUtc,
        };
        return new ProfileBuilder(raw, metadata, pgo).Build(timed);
    }
}
