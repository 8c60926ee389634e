// Turns recorded traces into stored runs and tells the user what was kept (shared by collect and import).
using InlineAdvisor.Core;
using InlineAdvisor.Store;
using InlineAdvisor.Tracing;
using Spectre.Console;

namespace InlineAdvisor.Cli;

internal static class Analysis
{
    public static int AnalyzeAndStore(IReadOnlyList<CollectedTrace> traces, ProfileStore store, bool stoppedEarly, IReadOnlyList<string> untraced,
        IReadOnlyList<string>? assemblyDirs = null, int? workloadExitCode = null, IReadOnlyList<string>? extraNotes = null)
    {
        var stored = new List<(CollectedTrace Trace, RunProfile Profile)>();
        var failures = new List<string>();
        foreach (var trace in traces)
        {
            var notes = trace.Notes.ToList();
            if (stoppedEarly) notes.Add("collection was stopped before the program ended (--duration or Ctrl-C)");
            if (workloadExitCode is { } code and not 0) notes.Add($"the workload exited with code {code}: a failing run may not show the program's normal work");
            notes.AddRange(extraNotes ?? []);
            if (Analyze(trace, notes, assemblyDirs, out var failure) is { } profile) stored.Add((trace, profile));
            else failures.Add(failure!);
        }
        if (stored.Count == 0) return Common.Fail(failures.Count > 0 ? string.Join("; ", failures) : "no trace was recorded");
        // The busiest process is saved last, so `advisor report` (the latest run) shows it by default.
        var saved = new List<(RunProfile Profile, long Id)>();
        try
        {
            foreach (var (_, profile) in stored.OrderBy(s => s.Profile.Totals.Samples))
                saved.Add((profile, store.SaveRun(profile)));
        }
        catch (StoreException e)
        {
            return Common.Fail(e.Message + " (traces are kept: " + string.Join(", ", traces.Select(t => t.TracePath)) + "; `advisor import` them later)");
        }
        Render(saved, untraced, failures);
        if (workloadExitCode is { } exit and not 0)
            return Common.Fail($"the workload exited with code {exit}; its runs are stored with a note (exit code {(int)ExitCode.WorkloadFailed})", ExitCode.WorkloadFailed);
        return (int)ExitCode.Ok;
    }

    /// <summary>One trace into a profile (null, with the reason, when the file is not a readable trace).</summary>
    public static RunProfile? Analyze(CollectedTrace trace, IReadOnlyList<string> notes, IReadOnlyList<string>? assemblyDirs, out string? failure)
    {
        var run = new RunInfo
        {
            Program = ProgramOf(trace.CommandLine),
            CommandLine = trace.CommandLine,
            ProcessId = trace.ProcessId,
            Mode = trace.Mode,
            StartedUtc = trace.StartedUtc,
            DurationSeconds = Math.Round(trace.Seconds, 3),
            TracePath = Path.GetFullPath(trace.TracePath),
            PgoPath = trace.PgoPath,
            // The traced process's own settings (an attached process was started with its own environment);
            // an imported file does not say which settings it ran with.
            RuntimeConfig = trace.Mode == CollectMode.File ? "" : RuntimeSettings.Describe(trace.RuntimeEnvironment),
            Machine = Environment.MachineName,
            Notes = notes,
        };
        failure = null;
        try
        {
            return TraceAnalyzer.Analyze(run, assemblyDirs, trace.History, trace.SamplePaths);
        }
        catch (TraceFormatException e)
        {
            failure = trace.Mode == CollectMode.File ? e.Message : $"{trace.ProcessId} {trace.CommandLine}: {e.Message}";
            return null;
        }
    }

    private static void Render(IReadOnlyList<(RunProfile Profile, long Id)> saved, IReadOnlyList<string> untraced, IReadOnlyList<string> failures)
    {
        var table = new Table().Border(TableBorder.Simple).Title("stored runs");
        table.AddColumns("run", "pid", "program", "command line", "seconds", "CPU samples", "events", "JIT ms", "Tier1 bytes", "trace");
        foreach (var (p, id) in saved.OrderByDescending(s => s.Id))
            table.AddRow(id.ToString(), p.Run.ProcessId.ToString(), Common.Escape(p.Run.Program), Common.Escape(Shorten(p.Run.CommandLine, 50)),
                p.Run.DurationSeconds.ToString("0.0"), Common.Count(p.Totals.Samples), Common.Count(p.Totals.Events),
                p.Totals.JitMilliseconds.ToString("0"), Common.Count(p.Totals.Tier1CodeBytes), Common.Escape(Relative(p.Run.TracePath)));
        AnsiConsole.Write(table);
        foreach (var (p, id) in saved.OrderByDescending(s => s.Id))
            foreach (var note in p.Run.Notes)
                AnsiConsole.MarkupLine($"[yellow]run {id}: {Common.Escape(note)}[/]");
        foreach (var u in untraced) AnsiConsole.MarkupLine($"[grey]not traced: {Common.Escape(u)}[/]");
        foreach (var f in failures) AnsiConsole.MarkupLine($"[red]not analyzed: {Common.Escape(f)}[/]");
        if (saved.Count > 0)
            AnsiConsole.MarkupLine($"next: [bold]advisor report[/] (run {saved[^1].Id}){(saved.Count > 1 ? ", or advisor report --run <id> for another process" : "")}");
    }

    /// <summary>Runs of one program are grouped by this name: the main assembly for `dotnet x.dll`, else the executable.</summary>
    public static string ProgramOf(string commandLine)
    {
        var parts = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return "unknown";
        var dll = parts.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
        return Path.GetFileNameWithoutExtension(dll ?? parts[0]);
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : "…" + s[^(max - 1)..];

    private static string Relative(string path)
    {
        var rel = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : rel;
    }
}
