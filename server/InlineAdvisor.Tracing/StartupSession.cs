// One EventPipe session on a process paused at startup (DOTNET_DefaultDiagnosticPortSuspend=1): start, resume, record.
using Microsoft.Diagnostics.NETCore.Client;

namespace InlineAdvisor.Tracing;

public sealed class StartupSession
{
    private readonly EventPipeSession _session;
    private readonly TraceRecorder _recorder = new();

    private StartupSession(EventPipeSession session, string tracePath)
    {
        _session = session;
        TracePath = tracePath;
        Recording = Task.Run(() => _recorder.RecordAsync(session.EventStream, tracePath));
    }

    public string TracePath { get; }
    /// <summary>Ends when the process exits or the session is stopped; the trace file is then complete.</summary>
    public Task Recording { get; }
    public long Bytes => _recorder.Bytes;
    public long Events => _recorder.Events;

    /// <summary>
    /// Waits for <paramref name="pid"/>'s diagnostic socket, starts a session with the providers, points
    /// the PGO output at <paramref name="pgoPath"/> when given, and resumes the runtime.
    /// </summary>
    /// <exception cref="CollectException">The process never published a socket, exited, or refused the session.</exception>
    public static async Task<StartupSession> AttachAsync(int pid, IReadOnlyList<EventPipeProvider> providers, string tracePath, string? pgoPath, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Collector.DiagnosticSocketExists(pid))
        {
            if (!Collector.ProcessExists(pid)) throw new CollectException($"process {pid} exited before its runtime started: is it a .NET program?");
            if (DateTime.UtcNow > deadline) throw new CollectException($"process {pid} published no diagnostic socket within {timeout.TotalSeconds:0} s: is it a .NET program?");
            await Task.Delay(10, cancel);
        }
        try
        {
            var client = new DiagnosticsClient(pid);
            if (pgoPath is not null) client.SetEnvironmentVariable("DOTNET_PGODataPath", pgoPath);
            var session = await client.StartEventPipeSessionAsync(providers, requestRundown: true, circularBufferMB: 256, cancel);
            var started = new StartupSession(session, tracePath);
            client.ResumeRuntime();
            return started;
        }
        catch (Exception e) when (e is ServerNotAvailableException or ServerErrorException or UnsupportedCommandException or TimeoutException or IOException)
        {
            throw new CollectException($"could not start a trace session in process {pid}: {e.Message}", e);
        }
    }

    /// <summary>Stops the session (its rundown still arrives) and waits for the file to be complete.</summary>
    public async Task StopAsync()
    {
        if (!Recording.IsCompleted)
        {
            try { await _session.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (Exception e) when (e is ServerNotAvailableException or ServerErrorException or TimeoutException or IOException or ObjectDisposedException)
            {
                // The process already exited: its stream is complete.
            }
        }
        if (await Task.WhenAny(Recording, Task.Delay(TimeSpan.FromSeconds(30))) != Recording) _session.Dispose();
        try { await Recording.WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { }
    }
}
