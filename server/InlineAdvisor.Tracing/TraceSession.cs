// One EventPipe session recorded to a .nettrace file: started on a client, or on a process paused at startup.
using Microsoft.Diagnostics.NETCore.Client;

namespace InlineAdvisor.Tracing;

public sealed class TraceSession
{
    private readonly EventPipeSession _session;
    private readonly TraceRecorder _recorder;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private TimeSpan? _ended;

    private TraceSession(EventPipeSession session, string tracePath, bool countEvents)
    {
        _recorder = new TraceRecorder(countEvents);
        _session = session;
        TracePath = tracePath;
        Recording = Task.Run(async () =>
        {
            await _recorder.RecordAsync(session.EventStream, tracePath);
            _ended = _clock.Elapsed;
        });
    }

    /// <summary>How long the session has recorded (until its stream ended, once it has).</summary>
    public TimeSpan Elapsed => _ended ?? _clock.Elapsed;

    public string TracePath { get; }
    /// <summary>Ends when the process exits or the session is stopped; the trace file is then complete.</summary>
    public Task Recording { get; }
    public long Bytes => _recorder.Bytes;
    public long Events => _recorder.Events;

    /// <summary>Starts a session on a connected client (the runtime keeps running) and records it.</summary>
    /// <exception cref="CollectException">The process refused or vanished.</exception>
    /// <param name="rundown">List every compiled method when the session stops (what resolves sample addresses); a burst of
    /// samples beside a session that has it needs none.</param>
    /// <param name="countEvents">Count events live for the progress line: it parses a second copy of the stream, which on a busy
    /// service costs CPU the service shares (a long collection reports each window's events from its analysis instead).</param>
    public static TraceSession Start(DiagnosticsClient client, int pid, IReadOnlyList<EventPipeProvider> providers, string tracePath, bool rundown = true, bool countEvents = true)
    {
        try
        {
            return new TraceSession(client.StartEventPipeSession(providers, requestRundown: rundown, circularBufferMB: 256), tracePath, countEvents);
        }
        catch (Exception e) when (IsClientFailure(e))
        {
            throw new CollectException($"could not start a trace session in process {pid}: {e.Message}", e);
        }
    }

    /// <summary>
    /// For a process paused at startup (DOTNET_DefaultDiagnosticPortSuspend=1): waits for its diagnostic
    /// socket, points the PGO output at <paramref name="pgoPath"/> when given, starts the session and
    /// resumes the runtime, so the trace holds the JIT history from the first method.
    /// </summary>
    /// <exception cref="CollectException">The process never published a socket, exited, or refused the session.</exception>
    public static async Task<TraceSession> AttachAtStartupAsync(int pid, IReadOnlyList<EventPipeProvider> providers, string tracePath, string? pgoPath, TimeSpan timeout, CancellationToken cancel, bool countEvents = true)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Collector.DiagnosticSocketExists(pid))
        {
            if (!Collector.ProcessExists(pid)) throw new CollectException($"process {pid} exited before its runtime started: is it a .NET program?");
            if (DateTime.UtcNow > deadline) throw new CollectException($"process {pid} published no diagnostic socket within {timeout.TotalSeconds:0} s: is it a .NET program?");
            await Task.Delay(10, cancel);
        }
        var client = new DiagnosticsClient(pid);
        try
        {
            if (pgoPath is not null) client.SetEnvironmentVariable("DOTNET_PGODataPath", pgoPath);
        }
        catch (Exception e) when (IsClientFailure(e))
        {
            throw new CollectException($"could not configure process {pid}: {e.Message}", e);
        }
        var started = Start(client, pid, providers, tracePath, countEvents: countEvents);
        Collector.Resume(pid);
        return started;
    }

    /// <summary>Stops the session (its rundown still arrives) and waits for the file to be complete.</summary>
    public async Task StopAsync()
    {
        if (!Recording.IsCompleted)
        {
            try { await _session.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (Exception e) when (IsClientFailure(e) || e is ObjectDisposedException)
            {
                // The process already exited: its stream is complete.
            }
        }
        // Rundown can take a moment on a large process; a stream that never ends is cut after a wait.
        if (await Task.WhenAny(Recording, Task.Delay(TimeSpan.FromSeconds(30))) != Recording) _session.Dispose();
        try { await Recording.WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { }
    }

    internal static bool IsClientFailure(Exception e) =>
        e is ServerNotAvailableException or ServerErrorException or UnsupportedCommandException or TimeoutException or IOException;
}
