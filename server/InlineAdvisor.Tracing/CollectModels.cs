// What a collection asks for and what it produced: plain records the CLI renders.
using InlineAdvisor.Core;

namespace InlineAdvisor.Tracing;

public sealed record CollectRequest
{
    /// <summary>Launch this command (first element is the program). Exclusive with Pid.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    public int? ProcessId { get; init; }
    public TimeSpan? Duration { get; init; }
    /// <summary>Path of the first trace; further processes of the tree get ".&lt;pid&gt;" before the extension.</summary>
    public required string TracePath { get; init; }
    /// <summary>Only processes whose command line contains this text get a session (the rest run untraced).</summary>
    public string? ProcessFilter { get; init; }
    /// <summary>Ask the runtime to write its dynamic-PGO counts at exit (launch mode).</summary>
    public bool WritePgo { get; init; } = true;
}

/// <summary>One traced process. Attach and launch runs differ in what they can know; Notes says so.</summary>
public sealed record CollectedTrace(
    int ProcessId,
    string CommandLine,
    string TracePath,
    string? PgoPath,
    CollectMode Mode,
    DateTime StartedUtc,
    double Seconds,
    long Bytes,
    long Events,
    IReadOnlyList<string> Notes)
{
    /// <summary>The process's DOTNET_/COMPlus_ variables when its session started; null when not known (imports).</summary>
    public IReadOnlyDictionary<string, string>? RuntimeEnvironment { get; init; }
}

public sealed record CollectResult(
    IReadOnlyList<CollectedTrace> Traces,
    int? ExitCode,
    bool StoppedEarly,
    IReadOnlyList<string> Untraced);

/// <summary>Live figures for a progress line.</summary>
public sealed record CollectStatus(TimeSpan Elapsed, int Processes, long Events, long Bytes);

/// <summary>A failure the user can act on; its message is one sentence shown as is.</summary>
public sealed class CollectException(string message, Exception? inner = null) : Exception(message, inner);
