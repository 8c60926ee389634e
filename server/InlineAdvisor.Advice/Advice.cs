// The advice file's model: recommendations with their evidence, versioned, as `advisor export` writes them.
using InlineAdvisor.Core;

namespace InlineAdvisor.Advice;

/// <summary>
/// Why a recommendation is made. Kind "measured": an experiment (effect, interval, n, control interval,
/// experiment and run ids). Kind "predicted": a model's estimate (model version, interval), never shown as
/// a measurement.
/// </summary>
public sealed record AdviceEvidence
{
    public required string Kind { get; init; }                  // "measured" | "predicted"
    public string? Metric { get; init; }                         // the deciding metric, e.g. "wall time"
    public double? Effect { get; init; }                         // relative change of that metric with the action applied
    public double? Low { get; init; }
    public double? High { get; init; }
    public double? ControlLow { get; init; }
    public double? ControlHigh { get; init; }
    public int? N { get; init; }
    public double? Tier1CodeChange { get; init; }                // relative, when measured
    public IReadOnlyList<long> ExperimentIds { get; init; } = [];
    public IReadOnlyList<long> RunIds { get; init; } = [];
    public string? ModelVersion { get; init; }
}

public sealed record Recommendation
{
    /// <summary>The method whose MethodImpl flags change (assembly, type, name, signature as the runtime prints them).</summary>
    public required MethodIdentity Method { get; init; }
    /// <summary>force, block or remove (never leave: a file lists only changes).</summary>
    public required InlineAction Action { get; init; }
    /// <summary>One sentence for a person: why.</summary>
    public required string Reason { get; init; }
    public required AdviceEvidence Evidence { get; init; }
    /// <summary>Share of all CPU samples through the site(s) the advice is about: the most a change there can gain.</summary>
    public double AmdahlBound { get; init; }
    /// <summary>The method's declaration (first line), when the PDB knew it; relative paths are relative to the source root.</summary>
    public SourceLocation? Source { get; init; }
}

public sealed record AdviceFile
{
    public const int CurrentSchemaVersion = 1;
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string ToolVersion { get; init; }
    public DateTime GeneratedUtc { get; init; }
    public IReadOnlyList<Recommendation> Recommendations { get; init; } = [];
}

/// <summary>Bad advice input (wrong version, unknown action, path outside the tree, duplicates, too large…): one sentence for the user.</summary>
public sealed class AdviceException(string message, Exception? inner = null) : Exception(message, inner);
