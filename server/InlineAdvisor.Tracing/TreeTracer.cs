// Traces the root process of a launched tree from its first instruction, for measured experiment runs.
using Microsoft.Diagnostics.NETCore.Client;

namespace InlineAdvisor.Tracing;

/// <summary>
/// For a process started by someone else (the experiment's meter): give its start info
/// <see cref="Environment"/>, call <see cref="OnStarted"/> with its pid, and <see cref="FinishAsync"/> once it
/// exited. Every .NET process of the tree pauses at startup (as under `advisor collect`): the root gets a
/// session with the given providers, the others are resumed untraced, so nothing is left waiting.
/// </summary>
public sealed class TreeTracer(string tracePath, IReadOnlyList<EventPipeProvider> providers, string? pgoPath = null)
{
    private readonly string _marker = Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stop = new();
    private Task<TraceSession?>? _root;
    private Task? _others;

    public IReadOnlyDictionary<string, string> Environment => Collector.LaunchEnvironment(_marker);

    public void OnStarted(int rootPid)
    {
        var sockets = new Collector.SocketScan();
        var known = new HashSet<int>(sockets.New()) { rootPid };
        _root = Task.Run(async () =>
        {
            try { return await TraceSession.AttachAtStartupAsync(rootPid, providers, tracePath, pgoPath, TimeSpan.FromSeconds(30), _stop.Token); }
            catch (Exception e) when (e is CollectException or OperationCanceledException) { return null; }
        });
        _others = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                ResumeOthers(sockets, known);
                try { await Task.Delay(20, _stop.Token); } catch (OperationCanceledException) { }
            }
            ResumeOthers(sockets, known);
        });
    }

    /// <summary>The complete trace of the root process, or null when it never connected (not .NET, or it died first).</summary>
    public async Task<string?> FinishAsync()
    {
        if (_root is null) return null;
        var session = await _root;
        _stop.Cancel();
        await _others!;
        if (session is null) return null;
        await session.StopAsync();
        return session.TracePath;
    }

    private void ResumeOthers(Collector.SocketScan sockets, HashSet<int> known)
    {
        foreach (var pid in sockets.New())
            if (known.Add(pid) && Collector.IsOurs(pid, _marker)) Collector.Resume(pid);
    }
}
