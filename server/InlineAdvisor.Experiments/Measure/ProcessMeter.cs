// One run of a user's workload command, measured for A/B comparisons: wall time, CPU time of the process tree,
// peak RSS, perf counters (see PerfCounters.cs for how the tree and not this process is counted), exit code, output.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace InlineAdvisor.Experiments;

/// <summary>What to run: a file (a path, or a name looked up on PATH), its arguments, where, with what environment.</summary>
public sealed record RunSpec
{
    public required string FileName { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Null: this process's current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (or overriding) this process's environment; a null value removes the variable.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Kill the whole tree after this long; the measurement then has <see cref="RunMeasurement.TimedOut"/> set.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Called with the workload's pid as soon as it has started (exec done), on the thread that called
    /// <see cref="ProcessMeter.Measure"/>, while output is already being read: e.g. to attach a tracer. Keep it short;
    /// anything it starts runs outside the counted tree. If it throws, the tree is killed and the exception propagates.
    /// Whatever the workload waits for (a runtime suspended at startup until a tracer resumes it) is in the wall time;
    /// CPU time and task-clock do not include it.
    /// </summary>
    public Action<int>? OnStarted { get; init; }

    public override string ToString() => string.Join(' ', new[] { FileName }.Concat(Arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)));
}

/// <summary>One measured run. Nullable values are unavailable on this machine or platform; the reason is in the notes
/// (or the counter reading), never a zero.</summary>
public sealed record RunMeasurement
{
    public required int ExitCode { get; init; }

    /// <summary>The run exceeded <see cref="RunSpec.Timeout"/> and was killed; its numbers cover the run up to then.</summary>
    public bool TimedOut { get; init; }

    /// <summary>From just before Process.Start (vfork + exec: ~0.3 ms) to the parent having reaped the exit (under 1 ms
    /// later): `true` measures 0.8–1.1 ms here. See the note on the first run in a process.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary>User CPU time of the workload and every descendant it waited for: getrusage(RUSAGE_CHILDREN) before and
    /// after the run. Descendants left running, or reaped by someone else, are missing; see <see cref="ProcessMeter"/>.</summary>
    public TimeSpan? UserCpu { get; init; }

    public TimeSpan? SystemCpu { get; init; }

    public TimeSpan? Cpu => UserCpu + SystemCpu;

    /// <summary>
    /// The largest VmHWM (peak resident set) of any single process in the tree, from /proc/&lt;pid&gt;/status sampled
    /// every <see cref="ProcessMeter.RssPollInterval"/> until exit. VmHWM is a high-water mark, so only growth after a
    /// process's last sample is missed; still, this is a lower bound, and processes living shorter than one interval
    /// may be missed entirely. Null if no sample succeeded (the run was too short, or no /proc).
    /// </summary>
    public long? PeakRssBytes { get; init; }

    public required PerfReadings Counters { get; init; }

    /// <summary>Everything the workload wrote to stdout (for a metric it prints), decoded as UTF-8.</summary>
    public required string StandardOutput { get; init; }

    public required string StandardError { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>The workload could not be started at all (no such command, not executable, no such working directory).</summary>
public sealed class WorkloadStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Runs a workload command to completion and measures it (<see cref="Measure"/>). Runs are serialised within this
/// process (concurrent calls wait their turn): the CPU time is a getrusage(RUSAGE_CHILDREN) delta, which would also take in any other child of this
/// process reaped during the run, so other code here should not reap children while measuring (the perf task-clock,
/// which counts only the workload's tree, is immune; otherwise the two agreed within 1%, at most 10 ms on 1 s runs, here).
/// Why not ru_maxrss for peak memory: .NET starts children with vfork, and exec records the replaced address space's
/// high-water mark in the child's maxrss, so every child reports at least this (large) process's peak RSS.
/// </summary>
public static class ProcessMeter
{
    /// <summary>A sample of a 7-thread process costs ~0.13 ms of CPU here (on another core than the workload, if any).</summary>
    public static readonly TimeSpan RssPollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How long to wait for stdout/stderr to reach end-of-file after the workload has exited (a background
    /// descendant may hold them open).</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(5);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool s_started;   // under Gate

    private static bool IsLinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>
    /// Runs <paramref name="spec"/> to completion (or its timeout) with stdin at end-of-file and stdout/stderr captured.
    /// Throws <see cref="WorkloadStartException"/> if it cannot start, and <see cref="OperationCanceledException"/> after
    /// killing the tree if <paramref name="cancellationToken"/> fires.
    /// </summary>
    public static RunMeasurement Measure(RunSpec spec, CancellationToken cancellationToken = default)
    {
        var psi = StartInfo(spec);
        Gate.Wait(cancellationToken);
        try { return MeasureLocked(spec, psi, cancellationToken); }
        finally { Gate.Release(); }
    }

    private static RunMeasurement MeasureLocked(RunSpec spec, ProcessStartInfo psi, CancellationToken ct)
    {
        var run = new MeteredRun(psi);
        // Counters open on a thread that exists only to start the workload and wait for it: see PerfCounters.cs.
        var thread = new Thread(run.Main) { IsBackground = true, Name = "ProcessMeter run" };
        thread.Start();
        run.Started.Wait();
        if (run.StartError is { } error)
        {
            thread.Join();
            throw StartFailure(spec, error);
        }

        using var process = run.Process!;
        bool first = !s_started;
        s_started = true;
        try
        {
            var m = Observe(spec, run, process, thread, ct);
            // Measured here: the first Process.Start took 10 ms, later ones 0.25 ms.
            return first ? m with { Notes = [.. m.Notes, "first run in this process: wall time includes ~10 ms of one-time " +
                "Process.Start initialisation (counters and CPU time do not); discard it, as any warm-up run"] } : m;
        }
        catch
        {
            KillTree(process);   // leave nothing running behind an exception
            thread.Join();
            throw;
        }
    }

    private static RunMeasurement Observe(RunSpec spec, MeteredRun run, Process process, Thread thread, CancellationToken ct)
    {
        var notes = new List<string>();
        // Readers and sampler run on threads that are not descendants of the run thread (and would not be counted anyway:
        // they never exec). Stdin at end-of-file: the workload must not read this process's stdin (an LSP stream).
        process.StandardInput.Close();
        var stdout = new Drain(process.StandardOutput, "stdout");
        var stderr = new Drain(process.StandardError, "stderr");
        var rss = new RssSampler(process.Id);
        spec.OnStarted?.Invoke(process.Id);
        long deadline = spec.Timeout is { } t ? Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        bool timedOut = false, canceled = false;
        while (!run.Exited.Wait(RssPollInterval))
        {
            rss.Sample();
            if (timedOut || canceled) continue;
            if (ct.IsCancellationRequested) canceled = true;
            else if (Stopwatch.GetTimestamp() > deadline) timedOut = true;
            else continue;
            KillTree(process);
        }
        thread.Join();
        if (canceled) throw new OperationCanceledException("the measured run was canceled; its process tree was killed", ct);
        if (timedOut) notes.Add($"timed out after {spec.Timeout!.Value.TotalSeconds:0.###} s: the process tree was killed");
        long graceEnd = Stopwatch.GetTimestamp() + (long)(OutputGrace.TotalSeconds * Stopwatch.Frequency);
        foreach (var d in new[] { stdout, stderr })
            if (!d.Join(TimeSpan.FromTicks(Math.Max(0, (graceEnd - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency))))
                notes.Add($"{d.Name} was still open {OutputGrace.TotalSeconds:0} s after the workload exited (a background descendant " +
                    "holds it); what was read by then is kept");

        TimeSpan? user = null, sys = null;
        if (run.UsageBefore is { } before && run.UsageAfter is { } after)
        {
            user = after.User - before.User;
            sys = after.System - before.System;
        }
        else notes.Add(IsLinuxX64 ? $"CPU time unavailable: {run.CountersError}" : "CPU time unavailable: getrusage is used on Linux only");
        var counters = run.Counters ?? PerfReadings.Unavailable(run.CountersError ?? "perf counters need Linux on x86-64");
        if (counters.TaskClock is { } tc && user is { } u && sys is { } s && (u + s - tc).Duration() > TimeSpan.FromMilliseconds(20) + tc * 0.05)
            notes.Add($"CPU time (getrusage, {(u + s).TotalMilliseconds:0} ms) and task-clock ({tc.TotalMilliseconds:0} ms) disagree: " +
                "getrusage also counts other children this process reaped meanwhile, and misses descendants not waited for");
        notes.AddRange(counters.Notes);
        return new RunMeasurement
        {
            ExitCode = process.ExitCode, TimedOut = timedOut, Wall = run.Wall, UserCpu = user, SystemCpu = sys,
            PeakRssBytes = rss.PeakBytes, Counters = counters, StandardOutput = stdout.Text, StandardError = stderr.Text, Notes = notes,
        };
    }

    private static void KillTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }   // already exited
        catch (System.ComponentModel.Win32Exception) { }
    }

    private static ProcessStartInfo StartInfo(RunSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.FileName)) throw new WorkloadStartException("no workload command given");
        if (spec.WorkingDirectory is { } wd && !Directory.Exists(wd))
            throw new WorkloadStartException($"cannot start '{spec}': working directory '{wd}' does not exist");
        var psi = new ProcessStartInfo(spec.FileName)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = spec.WorkingDirectory ?? "",
        };
        foreach (var a in spec.Arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in spec.Environment)
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        return psi;
    }

    private static WorkloadStartException StartFailure(RunSpec spec, Exception e)
    {
        var where = spec.WorkingDirectory ?? System.Environment.CurrentDirectory;
        var why = e is System.ComponentModel.Win32Exception w ? w.NativeErrorCode switch
        {
            Errno.ENOENT => $"'{spec.FileName}' was not found (neither an existing file nor a command on PATH)",
            Errno.EACCES => $"'{spec.FileName}' is not executable (permission denied)",
            Errno.ENOEXEC => $"'{spec.FileName}' is not a program the kernel can run (exec format error: neither a binary nor a #! script)",
            _ => w.Message,
        } : e.Message;
        return new WorkloadStartException($"cannot start '{spec}' in {where}: {why}", e);
    }

    /// <summary>The state of one run, shared between the caller and the run thread.</summary>
    private sealed class MeteredRun(ProcessStartInfo psi)
    {
        public readonly ManualResetEventSlim Started = new(), Exited = new();
        public Process? Process;
        public Exception? StartError;
        public TimeSpan Wall;
        public Native.RUsage? UsageBefore, UsageAfter;
        public PerfReadings? Counters;
        public string? CountersError;

        /// <summary>The run thread: open counters, start, wait, read, close. Nothing else runs here, so nothing else
        /// clones from here; it blocks in WaitForExit (no CPU) while the workload runs.</summary>
        public void Main()
        {
            PerfCounterSet? counters = null;
            try
            {
                Stopwatch clock;
                try
                {
                    if (IsLinuxX64)
                    {
                        try { counters = PerfCounterSet.OpenOnCallingThread(); }
                        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { CountersError = "perf counters: " + e.Message; }
                        UsageBefore = Native.ChildrenUsage();
                    }
                    clock = Stopwatch.StartNew();
                    Process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned no process");
                }
                catch (Exception e)
                {
                    StartError = e;   // an unhandled exception on this thread would end the whole process
                    return;
                }
                finally { Started.Set(); }
                Process.WaitForExit();   // returns once .NET has reaped the child: RUSAGE_CHILDREN includes it now
                Wall = clock.Elapsed;
                if (IsLinuxX64) UsageAfter = Native.ChildrenUsage();
                Counters = counters?.Read();
            }
            catch (Exception e) { CountersError = "measurement failed after the start: " + e.Message; }
            finally
            {
                counters?.Dispose();
                Exited.Set();
            }
        }
    }

    /// <summary>Reads one redirected stream to end-of-file on its own thread, keeping what was read if it never ends.</summary>
    private sealed class Drain
    {
        private readonly StringBuilder _text = new();
        private readonly Thread _thread;

        public Drain(StreamReader reader, string name)
        {
            Name = name;
            _thread = new Thread(() =>
            {
                var buffer = new char[16384];
                try
                {
                    int n;
                    while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
                        lock (_text) _text.Append(buffer, 0, n);
                }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
            }) { IsBackground = true, Name = "ProcessMeter " + name };
            _thread.Start();
        }

        public string Name { get; }

        public bool Join(TimeSpan timeout) => _thread.Join(timeout);

        public string Text { get { lock (_text) return _text.ToString(); } }
    }

    /// <summary>Samples VmHWM of the workload and its descendants (found through /proc/&lt;pid&gt;/task/*/children).</summary>
    private sealed class RssSampler(int root)
    {
        private readonly Dictionary<int, long> _hwmKb = [];

        public long? PeakBytes => _hwmKb.Count == 0 ? null : _hwmKb.Values.Max() * 1024;

        public void Sample()
        {
            var pending = new Stack<int>();
            pending.Push(root);
            while (pending.Count > 0 && _hwmKb.Count < 10_000)
            {
                int pid = pending.Pop();
                if (ReadHwmKb(pid) is { } kb) _hwmKb[pid] = Math.Max(kb, _hwmKb.GetValueOrDefault(pid));
                try
                {
                    foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                        foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                            if (int.TryParse(child, out int c)) pending.Push(c);
                }
                catch (IOException) { }                 // the process or thread went away
                catch (UnauthorizedAccessException) { }
            }
        }

        private static long? ReadHwmKb(int pid)
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return null;   // gone, a zombie (no address space left), or a kernel thread
        }
    }
}
