// What a collection asks for and what it produced: plain records the CLI renders.
using InlineAdvisor.Core;

namespace InlineAdvisor.Tracing;

public sealed record CollectRequest
{
    /// <summary>Launch this command (first element is the program). Exclusive with Pid.</summary>
    public IReadOnlyList<string>? Command { get; init; }
    public int? ProcessId { get; init; }
    /// <summary>Listen on this socket path for a program started with DOTNET_DiagnosticPorts set to it. Exclusive with the others.</summary>
    public string? ListenPort { get; init; }
    public TimeSpan? Duration { get; init; }
    /// <summary>Path of the first trace; further processes of the tree get ".&lt;pid&gt;" before the extension.</summary>
    public required string TracePath { get; init; }
    /// <summary>Only processes whose command line contains this text get a session (the rest run untraced).</summary>
    public string? ProcessFilter { get; init; }
    /// <summary>Ask the runtime to write its dynamic-PGO counts at exit (launch mode).</summary>
    public bool WritePgo { get; init; } = true;
    /// <summary>End each process's trace after this long and start the next one (a window each, stored as its own run);
    /// null: one trace per process.</summary>
    public TimeSpan? Rotate { get; init; }
    /// <summary>Duty-cycled samples: sample for On out of every Period (the JIT's events are recorded all the time); null: always.</summary>
    public SampleDuty? SampleDuty { get; init; }
    /// <summary>Called, on a pool thread, with each window as soon as its trace is complete while the next one records
    /// (the windows open at the end come back in the result instead).</summary>
    public Action<CollectedTrace>? WindowClosed { get; init; }
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
    /// <summary>Which window of a rotated collection this trace is (1, 2, …); 0 when the collection was not rotated.</summary>
    public int Window { get; init; }
    /// <summary>Duty-cycled collection: the sample bursts recorded beside <see cref="TracePath"/> (which then holds no samples).</summary>
    public IReadOnlyList<string> SamplePaths { get; init; } = [];
    /// <summary>The process's JIT decisions from its earlier windows, to analyze this window with (in window order).</summary>
    public JitHistory? History { get; init; }
}

public sealed record CollectResult(
    IReadOnlyList<CollectedTrace> Traces,
    int? ExitCode,
    bool StoppedEarly,
    IReadOnlyList<string> Untraced);

/// <summary>Sampling for <see cref="On"/> out of every <see cref="Period"/>: EventPipe's sampler has a fixed 1 ms interval on
/// .NET 10 and stops every thread at each tick, so the time it runs is the lever.</summary>
public sealed record SampleDuty(TimeSpan On, TimeSpan Period)
{
    public double Fraction => On / Period;
    public override string ToString() => $"{On.TotalSeconds:0.###} s of every {Period.TotalSeconds:0.###} s";
}

/// <summary>Live figures for a progress line: the open windows' events and bytes, the latest window, and the trace folder's size.</summary>
public sealed record CollectStatus(TimeSpan Elapsed, int Processes, long Events, long Bytes, int Window = 0, long DiskBytes = 0);

/// <summary>A failure the user can act on; its message is one sentence shown as is.</summary>
public sealed class CollectException(string message, Exception? inner = null) : Exception(message, inner);
