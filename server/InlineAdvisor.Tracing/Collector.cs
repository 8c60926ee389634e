// Starts EventPipe sessions on a launched process tree or an attached process and records their traces.
using System.Diagnostics;
using System.Runtime.InteropServices;
using InlineAdvisor.Core;
using Microsoft.Diagnostics.NETCore.Client;

namespace InlineAdvisor.Tracing;

/// <summary>
/// Launch mode: the command runs with DOTNET_DefaultDiagnosticPortSuspend=1, so EVERY .NET process of
/// its tree (the `dotnet test` host, its test host, build nodes…) pauses at startup on its default
/// diagnostic socket until we have started a session and resumed it: the JIT history is complete from
/// the first method. A marker variable tells our processes from anyone else's.
/// Attach mode: a session on a running process; methods already optimized produce no JIT events.
/// </summary>
public sealed class Collector
{
    internal const string MarkerVariable = "INLINEADVISOR_COLLECT";
    public const string AttachCaveat =
        "attached to a running process: methods compiled before the session started produce no JIT or inlining events, so decisions and code sizes cover only later compiles; launch the program under `advisor collect -- …` for the full picture";

    private sealed class Traced(int pid, string? pgoPath, CollectMode mode, TraceSession session)
    {
        public readonly int Pid = pid;
        public readonly string CommandLine = CommandLineOf(pid);
        public readonly string? PgoPath = pgoPath;
        public readonly CollectMode Mode = mode;
        public readonly IReadOnlyDictionary<string, string>? RuntimeEnvironment = RuntimeEnvironmentOf(pid);
        /// <summary>The open window's session and when it started; rotation replaces both.</summary>
        public TraceSession Session = session;
        public DateTime Started = DateTime.UtcNow;
        public int Window = 1;
        public readonly JitHistory History = new();
        /// <summary>The trace path before the window number goes in.</summary>
        public string BasePath = session.TracePath;
        /// <summary>What the run must say about how it was traced, beside the mode's own caveats.</summary>
        public string? Note;
        /// <summary>Duty-cycled sampling: the burst recording now, when the next starts, this window's burst files and their stops.</summary>
        public TraceSession? Burst;
        public DateTime NextBurst = DateTime.UtcNow;
        public List<string> BurstPaths = [];
        public List<Task> BurstStops = [];
        /// <summary>The last closed window's hand-over: each waits for the one before, so windows arrive in order.</summary>
        public Task Closing = Task.CompletedTask;
    }

    private readonly List<Traced> _traced = [];
    private readonly List<string> _untraced = [];
    private readonly List<Task> _closing = [];   // windows whose sessions are stopping (rundown) while the next records
    private bool _writePgo;   // launch mode: decided once, for every process of the tree
    private CollectRequest _request = null!;
    private (DateTime At, long Bytes) _disk;

    public async Task<CollectResult> RunAsync(CollectRequest request, IProgress<CollectStatus>? progress, CancellationToken cancel)
    {
        if ((request.Command is null ? 0 : 1) + (request.ProcessId is null ? 0 : 1) + (request.ListenPort is null ? 0 : 1) != 1)
            throw new CollectException("give one of: a command to launch, a process id to attach to, or a diagnostic port to listen on");
        if (request.Rotate is { } r && r < TimeSpan.FromSeconds(1))
            throw new CollectException("--rotate must be at least 1 s (each window ends with a rundown of every compiled method)");
        _request = request;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(request.TracePath))!);
        return request.Command is not null ? await LaunchAsync(request, request.Command, progress, cancel)
            : request.ListenPort is { } port ? await ListenAsync(request, port, progress, cancel)
            : await AttachAsync(request, request.ProcessId!.Value, progress, cancel);
    }

    public const string ListenNote =
        "the program connected to the advisor's diagnostic port at startup (collect --listen): the JIT history is complete from its first method, as when launched";

    /// <summary>
    /// A service someone else starts, with <c>DOTNET_DiagnosticPorts=&lt;port&gt;</c>: its runtime connects to the advisor's
    /// socket at startup and waits, suspended, until a session is on it (as dotnet-monitor's listen mode does), so its JIT
    /// history is as complete as a launched program's. Only the first runtime that connects is traced; it is never ended.
    /// </summary>
    private async Task<CollectResult> ListenAsync(CollectRequest request, string port, IProgress<CollectStatus>? progress, CancellationToken cancel)
    {
        var socket = Path.GetFullPath(port);
        if (File.Exists(socket) || Directory.Exists(socket))
            throw new CollectException($"'{socket}' already exists: give --listen a new socket path (another advisor may be listening there)");
        DiagnosticsClientConnector? connector;
        try
        {
            connector = await DiagnosticsClientConnector.FromDiagnosticPort(socket + ",listen", cancel);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            throw new CollectException($"cannot listen on '{socket}': {e.Message}", e);
        }
        if (connector is null)
            throw new CollectException($"no .NET program connected to '{socket}' before the collection was stopped; start it with DOTNET_DiagnosticPorts={socket}");
        await using (connector)
        {
            var client = connector.Instance;
            TraceSession session;
            int pid;
            // A program that connected waits, suspended, until resumed: every way out of here resumes it.
            try
            {
                pid = ConnectedTo(socket) ?? throw new CollectException($"a program connected to '{socket}', but no process names it in DOTNET_DiagnosticPorts");
                session = TraceSession.Start(client, pid, WindowProviders(), WindowPath(request.TracePath, 1), countEvents: CountLive);
            }
            finally
            {
                try { client.ResumeRuntime(); } catch (Exception e) when (TraceSession.IsClientFailure(e)) { }
            }
            var traced = Track(pid, null, CollectMode.Launch, session);
            traced.Note = ListenNote;
            return await WatchAsync(traced, request, progress, cancel);
        }
    }

    private async Task<CollectResult> AttachAsync(CollectRequest request, int pid, IProgress<CollectStatus>? progress, CancellationToken cancel)
    {
        if (!ProcessExists(pid)) throw new CollectException($"no process with id {pid}");
        if (!DiagnosticSocketExists(pid))
            throw new CollectException($"process {pid} ({CommandLineOf(pid)}) is not a .NET process, or it runs as another user or with diagnostics disabled");
        var traced = Track(pid, null, CollectMode.Attach, TraceSession.Start(new DiagnosticsClient(pid), pid, WindowProviders(), WindowPath(request.TracePath, 1), countEvents: CountLive));
        return await WatchAsync(traced, request, progress, cancel);
    }

    /// <summary>
    /// The process that connected to our listening socket: the client library keeps a reversed connection's process id to
    /// itself, so it is found by its environment, the newest live process whose DOTNET_DiagnosticPorts names the socket.
    /// </summary>
    private static int? ConnectedTo(string socket)
    {
        int? newest = null;
        long newestStart = -1;
        foreach (var pid in LiveProcesses(pid => RuntimeEnvironmentOf(pid)?.GetValueOrDefault("DOTNET_DiagnosticPorts") is { } ports
                     && ports.Split(';').Select(p => p.Split(',')[0]).Any(a => a == socket || Path.GetFileName(a) == Path.GetFileName(socket))))
            if (StartTicks(pid) is { } start && start > newestStart) (newest, newestStart) = (pid, start);
        return newest;
    }

    /// <summary>Records one process it did not start until it exits or the collection stops; the process is left running.</summary>
    private async Task<CollectResult> WatchAsync(Traced traced, CollectRequest request, IProgress<CollectStatus>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var timer = request.Duration is { } d ? new CancellationTokenSource(d) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token);
        while (!stop.IsCancellationRequested && ProcessExists(traced.Pid) && !traced.Session.Recording.IsCompleted)
        {
            RotateDue();
            SampleDue();
            progress?.Report(Status(clock.Elapsed));
            await Delay(200, stop.Token);
        }
        await StopAllAsync();
        return Result(exitCode: null, stoppedEarly: stop.IsCancellationRequested);
    }

    private async Task<CollectResult> LaunchAsync(CollectRequest request, IReadOnlyList<string> command, IProgress<CollectStatus>? progress, CancellationToken cancel)
    {
        var marker = Guid.NewGuid().ToString("N");
        var startInfo = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var arg in command.Skip(1)) startInfo.ArgumentList.Add(arg);
        foreach (var (name, value) in LaunchEnvironment(marker)) startInfo.Environment[name] = value;
        _writePgo = request.WritePgo && PgoOffReason() is null;
        if (_writePgo)
        {
            // Dynamic-PGO counts, written at exit; each process gets its own path once it connects.
            startInfo.Environment["DOTNET_WritePGOData"] = "1";
            startInfo.Environment["DOTNET_PGODataPath"] = PgoPathFor(request.TracePath, 0);
        }

        var sockets = new SocketScan();
        var known = new HashSet<int>(sockets.New());
        Process root;
        try
        {
            root = Process.Start(startInfo) ?? throw new CollectException($"could not start `{command[0]}`");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CollectException($"could not start `{command[0]}`: {e.Message}", e);
        }

        var clock = Stopwatch.StartNew();
        using var timer = request.Duration is { } d ? new CancellationTokenSource(d) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token);
        while (!root.HasExited && !stop.IsCancellationRequested)
        {
            foreach (var pid in sockets.New())
                if (known.Add(pid)) Adopt(pid, marker, request);
            RotateDue();
            SampleDue();
            progress?.Report(Status(clock.Elapsed));
            await Delay(20, stop.Token);
        }
        // Ctrl-C also reaches the program (same process group) and may end it first: still stopped early.
        var stoppedEarly = !root.HasExited || cancel.IsCancellationRequested;
        if (!root.HasExited)
        {
            // Stop the sessions while the processes still run, so each trace ends complete (with rundown)
            // instead of being cut mid-block when the process is killed.
            await StopAllAsync();
            await TerminateAsync(root, marker);
        }
        // A process that connected in the last moments is still paused on our marker: let it go.
        foreach (var pid in sockets.New())
            if (known.Add(pid) && IsOurs(pid, marker)) ResumeUntraced(pid, "started as the command ended");
        await StopAllAsync();
        var exitCode = root.HasExited ? root.ExitCode : (int?)null;
        if (_traced.Count == 0)
            throw new CollectException(
                $"`{string.Join(' ', command)}` exited (code {exitCode}) and no .NET process of it connected; is it a .NET program, and does it run on .NET 5 or later?"
                + (_untraced.Count > 0 ? $" ({_untraced.Count} process(es) did not match --process)" : ""));
        return Result(exitCode, stoppedEarly);
    }

    private void Adopt(int pid, string marker, CollectRequest request)
    {
        if (!IsOurs(pid, marker)) return;
        var commandLine = CommandLineOf(pid);
        if (request.ProcessFilter is { } filter && !commandLine.Contains(filter, StringComparison.OrdinalIgnoreCase))
        {
            ResumeUntraced(pid, "did not match --process");
            return;
        }
        var tracePath = WindowPath(_traced.Count == 0 ? request.TracePath : WithSuffix(request.TracePath, $".{pid}"), 1);
        var pgoPath = _writePgo ? PgoPathFor(request.TracePath, pid) : null;
        try
        {
            Track(pid, pgoPath, CollectMode.Launch,
                TraceSession.AttachAtStartupAsync(pid, WindowProviders(), tracePath, pgoPath, TimeSpan.FromSeconds(10), CancellationToken.None, CountLive).GetAwaiter().GetResult());
        }
        catch (CollectException e)
        {
            // The process exited while paused, or refused: nothing to record from it. One that still runs must not
            // stay paused on our account (its command would never end): let it go, untraced.
            _untraced.Add($"{pid} {commandLine}: {e.Message}");
            Resume(pid);
        }
    }

    private Traced Track(int pid, string? pgoPath, CollectMode mode, TraceSession session)
    {
        var traced = new Traced(pid, pgoPath, mode, session) { BasePath = _request.Rotate is null ? session.TracePath : BaseOf(session.TracePath) };
        _traced.Add(traced);
        return traced;
    }

    /// <summary>
    /// Rotation: every process whose window is old enough gets a new session first, then the old one is stopped, so
    /// the two overlap for the old one's rundown and no event falls between them (the overlap's samples are in both
    /// windows: a second or so of a 10 s window). The old window goes to <see cref="CollectRequest.WindowClosed"/>
    /// once its file is complete, while the new one records. A process that refuses the new session is ending: its
    /// open window ends with it.
    /// </summary>
    private void RotateDue()
    {
        if (_request.Rotate is not { } every) return;
        foreach (var t in _traced)
        {
            if (t.Session.Elapsed < every || t.Session.Recording.IsCompleted) continue;
            TraceSession next;
            try { next = TraceSession.Start(new DiagnosticsClient(t.Pid), t.Pid, WindowProviders(), WindowPath(t.BasePath, t.Window + 1), countEvents: CountLive); }
            catch (CollectException) { continue; }
            EndBurst(t);
            var closed = TraceOf(t, pgoPath: null);
            var session = t.Session;
            var bursts = t.BurstStops;
            t.Session = next;
            t.Started = DateTime.UtcNow;
            t.Window++;
            (t.BurstPaths, t.BurstStops) = ([], []);
            var before = t.Closing;
            t.Closing = Task.Run(async () =>
            {
                await session.StopAsync();
                await Task.WhenAll(bursts);
                await before;
                _request.WindowClosed?.Invoke(closed with { Seconds = session.Elapsed.TotalSeconds, Bytes = session.Bytes, Events = session.Events });
            });
            _closing.Add(t.Closing);
        }
    }

    /// <summary>A rotated collection runs for hours beside a busy service: the live event count (a second parse of the stream)
    /// is left out, and each window's events are reported from its analysis.</summary>
    private bool CountLive => _request.Rotate is null;

    /// <summary>Every window records the JIT's events; its samples too, unless they come in duty-cycled bursts.</summary>
    private IReadOnlyList<Microsoft.Diagnostics.NETCore.Client.EventPipeProvider> WindowProviders() => Providers.All(withSamples: _request.SampleDuty is null);

    /// <summary>
    /// Duty-cycled sampling: a session of samples alone (no rundown: the window's own session lists the code) for
    /// <see cref="SampleDuty.On"/> of every <see cref="SampleDuty.Period"/>, beside the window's session of JIT events.
    /// </summary>
    private void SampleDue()
    {
        if (_request.SampleDuty is not { } duty) return;
        foreach (var t in _traced)
        {
            if (t.Session.Recording.IsCompleted) { EndBurst(t); continue; }
            if (t.Burst is { } burst)
            {
                if (burst.Elapsed >= duty.On) EndBurst(t);
                continue;
            }
            if (DateTime.UtcNow < t.NextBurst) continue;
            t.NextBurst = DateTime.UtcNow + duty.Period;
            var path = WithSuffix(t.BasePath, (_request.Rotate is null ? "" : $".w{t.Window:000}") + $".b{t.BurstPaths.Count + 1:00}");
            try
            {
                t.Burst = TraceSession.Start(new DiagnosticsClient(t.Pid), t.Pid, Providers.SamplesOnly(), path, rundown: false, countEvents: false);
                t.BurstPaths.Add(path);
            }
            catch (CollectException) { }   // the process is ending
        }
    }

    private void EndBurst(Traced t)
    {
        if (t.Burst is not { } burst) return;
        t.Burst = null;
        var stop = burst.StopAsync();
        t.BurstStops.Add(stop);
        _closing.Add(stop);
    }

    private string WindowPath(string path, int window) => _request.Rotate is null ? path : WithSuffix(BaseOf(path), $".w{window:000}");

    /// <summary>A window's path without its window number.</summary>
    private static string BaseOf(string path) => System.Text.RegularExpressions.Regex.Replace(path, @"\.w[0-9]{3,}(?=\.[^/]*$|$)", "");

    private void ResumeUntraced(int pid, string why)
    {
        _untraced.Add($"{pid} {CommandLineOf(pid)} ({why})");
        Resume(pid);
    }

    /// <summary>Lets a process paused at startup run; one that is gone or refuses is left alone.</summary>
    internal static void Resume(int pid)
    {
        try { new DiagnosticsClient(pid).ResumeRuntime(); }
        catch (Exception e) when (TraceSession.IsClientFailure(e)) { }
    }

    /// <summary>
    /// What a launched tree runs with: every .NET process pauses at startup until a session is on it, and
    /// the marker tells our processes from anyone else's. Build servers and reused MSBuild nodes would
    /// outlive the command (and stay paused on the marker), so they are switched off.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> LaunchEnvironment(string marker) => new Dictionary<string, string>
    {
        ["DOTNET_DefaultDiagnosticPortSuspend"] = "1",
        [MarkerVariable] = marker,
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false",
    };

    /// <summary>Stops every open session and waits for the windows still closing.</summary>
    private Task StopAllAsync()
    {
        foreach (var t in _traced) EndBurst(t);
        return Task.WhenAll(_traced.Select(t => t.Session.StopAsync()).Concat(_closing));
    }

    /// <summary>
    /// Why no PGO file is asked for, or null. DOTNET_WritePGOData turns instrumentation on even where the
    /// user turned dynamic PGO off, and that changes the JIT's decisions (seen here: a refused 189-IL-byte
    /// callee became inlined under DOTNET_TieredPGO=0): the profile must show the user's configuration.
    /// </summary>
    public static string? PgoOffReason()
    {
        foreach (var name in new[] { "DOTNET_TieredPGO", "DOTNET_TieredCompilation", "COMPlus_TieredPGO", "COMPlus_TieredCompilation" })
            if (Environment.GetEnvironmentVariable(name) == "0")
                return $"no PGO data: dynamic PGO is off ({name}=0), and asking the runtime to write PGO counts would turn instrumentation back on and change the JIT's decisions";
        return null;
    }

    /// <summary>The open windows; the PGO file, written at exit, belongs to a process's last one.</summary>
    private CollectResult Result(int? exitCode, bool stoppedEarly) => new(
        _traced.Select(t => TraceOf(t, t.PgoPath)).ToList(), exitCode, stoppedEarly, _untraced.ToList());

    private CollectedTrace TraceOf(Traced t, string? pgoPath) => new(
        t.Pid, t.CommandLine, t.Session.TracePath, pgoPath is { } p && File.Exists(p) ? p : null, t.Mode, t.Started,
        t.Session.Elapsed.TotalSeconds, t.Session.Bytes, t.Session.Events,
        [.. t.Mode == CollectMode.Attach ? [AttachCaveat] : t.PgoPath is null && PgoOffReason() is { } off ? [off] : Array.Empty<string>(),
         .. t.Note is { } note ? [note] : Array.Empty<string>(),
         .. _request.SampleDuty is { } duty ? [$"CPU samples were taken in bursts, {duty} ({duty.Fraction:0.#%} of the time), to cut the sampler's cost (collect --sample-duty); shares are of the sampled time"] : Array.Empty<string>()])
    {
        SamplePaths = t.BurstPaths.ToList(),
        RuntimeEnvironment = t.RuntimeEnvironment,
        Window = _request.Rotate is null ? 0 : t.Window,
        History = t.History,
    };

    private CollectStatus Status(TimeSpan elapsed) =>
        new(elapsed, _traced.Count, _traced.Sum(t => t.Session.Events), _traced.Sum(t => t.Session.Bytes),
            _traced.Count == 0 ? 0 : _traced.Max(t => t.Window), DiskBytes());

    /// <summary>The size of the trace folder (what --max-disk bounds), read at most once a second.</summary>
    private long DiskBytes()
    {
        if (DateTime.UtcNow - _disk.At < TimeSpan.FromSeconds(1)) return _disk.Bytes;
        _disk = (DateTime.UtcNow, FolderBytes(Path.GetDirectoryName(Path.GetFullPath(_request.TracePath))!));
        return _disk.Bytes;
    }

    /// <summary>The bytes of the files directly in a folder (files that vanish meanwhile count nothing).</summary>
    public static long FolderBytes(string folder)
    {
        long total = 0;
        try
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles())
                try { total += file.Length; } catch (IOException) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return total;
    }

    private static async Task Delay(int ms, CancellationToken token)
    {
        try { await Task.Delay(ms, token); } catch (OperationCanceledException) { }
    }

    /// <summary>
    /// SIGTERM to the root and every process still carrying our marker (children of `dotnet test` and the
    /// like outlive a root that exits on SIGTERM), then SIGKILL what is left after 5 s. The runtime writes no
    /// PGO file on SIGTERM (measured on .NET 10), so an ended program has none.
    /// </summary>
    private static async Task TerminateAsync(Process root, string marker)
    {
        _ = kill(root.Id, 15);
        foreach (var pid in ProcessesWithMarker(marker)) _ = kill(pid, 15);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5) && (!root.HasExited || ProcessesWithMarker(marker).Any()))
            await Task.Delay(50);
        if (!root.HasExited) root.Kill(entireProcessTree: true);
        foreach (var pid in ProcessesWithMarker(marker)) _ = kill(pid, 9);
        await root.WaitForExitAsync();
    }

    /// <summary>Live processes (not zombies) started under this collection: the marker is in their environment.</summary>
    private static List<int> ProcessesWithMarker(string marker) => LiveProcesses(pid => IsOurs(pid, marker));

    /// <summary>The live processes (not zombies, not this one) that <paramref name="match"/> accepts, from /proc.</summary>
    private static List<int> LiveProcesses(Func<int, bool> match)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != Environment.ProcessId && match(pid) && !IsZombie(pid))
                found.Add(pid);
        return found;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.Length > stat.LastIndexOf(')') + 2 && stat[stat.LastIndexOf(')') + 2] is 'Z' or 'X';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; }
    }

    /// <summary>The DOTNET_/COMPlus_ settings of a process (they decide what the JIT does), or null when unreadable.</summary>
    private static IReadOnlyDictionary<string, string>? RuntimeEnvironmentOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0')
                .Where(e => e.StartsWith("DOTNET_", StringComparison.Ordinal) || e.StartsWith("COMPlus_", StringComparison.Ordinal))
                .Select(e => e.Split('=', 2)).Where(kv => kv.Length == 2)
                .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    internal static string PgoPathFor(string tracePath, int pid) =>
        WithSuffix(Path.ChangeExtension(Path.GetFullPath(tracePath), ".pgo.txt"), pid == 0 ? "" : $".{pid}");

    private static string WithSuffix(string path, string suffix)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        var dot = name.IndexOf('.', 1);
        return dot < 0 ? Path.Combine(dir, name + suffix) : Path.Combine(dir, name[..dot] + suffix + name[dot..]);
    }

    // The runtime publishes dotnet-diagnostic-<pid>-<key>-socket in its temp folder (ours, inherited).
    // DiagnosticsClient.GetPublishedProcesses also reads every process's environment and throws when one
    // vanishes mid-scan, so we list the folder ourselves.
    // The key is the process's start time in clock ticks since boot (/proc/<pid>/stat, field 22). A socket whose key
    // is not the live process's start time was left by an earlier process of the same number (pids are reused, and a
    // killed runtime leaves its socket): taken for the new process's, it made `experiment` connect before the runtime
    // had published, fail, and leave that runtime paused forever (seen here: a socket of pid 26821 from 09:53 beside
    // the new one from 14:38).
    internal static IEnumerable<int> ListDiagnosticSockets() => new SocketScan().New();

    /// <summary>
    /// The diagnostic sockets that appeared since the last look. A socket's name holds its process's id and start time, so
    /// it names one process for good: each is judged once. The launch loop looks every 20 ms, and a temp folder holds the
    /// stale sockets of every runtime that was killed (117 on this machine): reading /proc for each of them at every look
    /// took a third of the advisor's CPU while it collected from a service (measured with `advisor collect --pid` on
    /// the advisor itself).
    /// </summary>
    internal sealed class SocketScan
    {
        private readonly HashSet<string> _judged = new(StringComparer.Ordinal);

        public IEnumerable<int> New(string pattern = "dotnet-diagnostic-*-socket")
        {
            string[] files;
            try { files = Directory.GetFiles(Path.GetTempPath(), pattern); }
            catch (IOException) { yield break; }
            var seen = new HashSet<int>();
            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                if (!_judged.Add(name)) continue;
                var parts = name.Split('-');
                if (parts.Length >= 5 && int.TryParse(parts[2], out var pid) && long.TryParse(parts[3], out var key)
                    && ProcessExists(pid) && (StartTicks(pid) is not { } started || started == key) && seen.Add(pid))
                    yield return pid;
            }
        }
    }

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/&lt;pid&gt;/stat), or null when unreadable.</summary>
    internal static long? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which is in parentheses and may hold spaces: field 3 is the first.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], out var ticks) ? ticks : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    internal static bool DiagnosticSocketExists(int pid) => new SocketScan().New($"dotnet-diagnostic-{pid}-*-socket").Contains(pid);

    internal static bool IsOurs(int pid, string marker)
    {
        try { return File.ReadAllText($"/proc/{pid}/environ").Contains($"{MarkerVariable}={marker}\0"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// A live process with this id — not merely a /proc entry: /proc/&lt;tid&gt; also exists for every thread (unlisted, but
    /// readable, with its process's command line). A diagnostic socket left behind by a killed process whose number is now
    /// a thread of another process (even of this advisor) must not count as a process.
    /// </summary>
    internal static bool ProcessExists(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("Tgid:", StringComparison.Ordinal)) return int.TryParse(line.AsSpan(5).Trim(), out var tgid) && tgid == pid;
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    internal static string CommandLineOf(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' '); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"pid {pid}"; }
    }

    /// <summary>Running .NET processes whose command line contains the text, for --name.</summary>
    public static IReadOnlyList<(int Pid, string CommandLine)> FindByName(string name) =>
        ListDiagnosticSockets().Distinct().Where(p => p != Environment.ProcessId)
            .Select(p => (p, CommandLineOf(p)))
            .Where(x => x.Item2.Contains(name, StringComparison.OrdinalIgnoreCase)).ToList();
}
