// `collect --rotate`: stores each closed window as its own run while the next records, and keeps --max-disk.
using InlineAdvisor.Store;
using InlineAdvisor.Tracing;

namespace InlineAdvisor.Cli;

/// <summary>
/// Windows arrive from the collector's pool threads, in order per process; they are analyzed and stored one at a time
/// on one chain (the store is one connection, and a process's JIT history must grow in window order). After each stored
/// window, and as the open window grows, the oldest traces whose runs are stored are deleted until the folder has room for
/// one more window of the largest size seen (a window's tail, its rundown, arrives at once when it closes): so the folder
/// stays within --max-disk as long as the windows not yet stored fit. A trace not yet stored is never deleted.
/// </summary>
internal sealed class WindowStore(ProfileStore store, string traceFolder, long? maxDiskBytes, Action<string> say)
{
    private readonly object _gate = new();
    private Task _chain = Task.CompletedTask;
    private readonly Queue<string> _deletable = new();   // stored traces (and PGO files), oldest first
    private readonly List<string> _failures = [];
    private long _largestWindow;
    private DateTime _lastCheck;

    public int Stored { get; private set; }
    public IReadOnlyList<string> Failures => _failures;

    /// <summary>The notes every window's run carries, beside the trace's own.</summary>
    public IReadOnlyList<string> NotesFor(CollectedTrace window) =>
    [
        $"window {window.Window} of a collection rotated into windows (collect --rotate): the program ran on before and after it; `advisor report --aggregate` combines the windows",
        .. maxDiskBytes is { } bound
            ? [$"--max-disk {Format(bound)}: the oldest window traces are deleted to stay within it; this profile stays in the store"]
            : Array.Empty<string>(),
    ];

    public void Closed(CollectedTrace window)
    {
        lock (_gate) _chain = _chain.ContinueWith(_ => Store(window), TaskScheduler.Default);
    }

    /// <summary>Waits until every window handed over so far is stored.</summary>
    public Task Drain()
    {
        lock (_gate) return _chain;
    }

    private void Store(CollectedTrace window)
    {
        try
        {
            if (Analysis.Analyze(window, [.. window.Notes, .. NotesFor(window)], null, out var failure) is not { } profile)
            {
                _failures.Add($"window {window.Window}: {failure}");
                return;
            }
            var id = store.SaveRun(profile);
            Stored++;
            say($"window {window.Window} of {window.ProcessId}: {window.Seconds:0.0} s · {profile.Totals.Events:N0} events · {Format(window.Bytes)} → run {id}");
            Kept(window);
        }
        catch (StoreException e)
        {
            _failures.Add($"window {window.Window}: {e.Message} (its trace is kept: {window.TracePath})");
        }
    }

    /// <summary>A stored window's files may now go when the folder needs room.</summary>
    public void Kept(CollectedTrace window)
    {
        lock (_deletable)
        {
            _largestWindow = Math.Max(_largestWindow, window.Bytes);
            _deletable.Enqueue(Path.GetFullPath(window.TracePath));
            foreach (var burst in window.SamplePaths) _deletable.Enqueue(burst);
            if (window.PgoPath is { } pgo) _deletable.Enqueue(pgo);
        }
        KeepWithinBound();
    }

    /// <summary>Deletes the oldest stored traces while the folder lacks room for one more window; called after each stored
    /// window and from the progress loop (at most every 100 ms), as the open window grows.</summary>
    public void KeepWithinBound(bool throttled = false)
    {
        if (maxDiskBytes is not { } bound) return;
        lock (_deletable)
        {
            if (throttled && DateTime.UtcNow - _lastCheck < TimeSpan.FromMilliseconds(100)) return;
            _lastCheck = DateTime.UtcNow;
            while (Collector.FolderBytes(traceFolder) > Math.Max(0, bound - _largestWindow) && _deletable.TryDequeue(out var oldest))
            {
                try { File.Delete(oldest); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { say($"could not delete {oldest} for --max-disk: {e.Message}"); }
            }
        }
    }

    public static string Format(long bytes) => bytes >= 1 << 30 ? $"{bytes / (double)(1 << 30):0.0} GB" : $"{bytes / 1048576.0:0.0} MB";
}
