// Linux perf_event_open counters for one measured process tree, and the few libc calls ProcessMeter needs.
//
// How the child, and not us, is counted: the counters are opened on a thread dedicated to one run (pid = 0: that
// thread; cpu = -1: any CPU) with inherit = 1, disabled = 1 and enable_on_exec = 1, and that thread then starts the
// workload (.NET's Process.Start vforks from the calling thread). Every task cloned from the thread inherits a copy
// of each counter in the state the parent counter is in, here "off"; a copy switches on when its task calls execve.
// So the workload is counted from its exec onwards, with every descendant it forks (they inherit the switched-on
// copies), while the measuring thread and anything else it clones without exec (the runtime's signal-handling thread
// the first Process.Start creates) count nothing. When a task exits, the kernel folds its counts into the parent
// counter before the exit is reported, so reading the parent after the workload has been reaped gives the tree total.
// This is what `perf stat <command>` does. Lost by construction: the exec call itself up to the point the new image
// is set up (tens of microseconds), identical in every run.
// Measured on the project's machine (kernel 6.18, no PMU: hardware counters fail with ENOENT): a bash loop child
// showed task-clock 1015.0 ms against getrusage 1015.2 ms; the opening thread's own CPU (20 ms on the first run, JIT
// of Process.Start; 0.5 ms later) and a thread it cloned that burned 300 ms were not counted (1.9 ms for `sleep 0.5`),
// whereas counters opened enabled counted both (294 ms). Opening per child pid after Process.Start instead would miss
// the start of the workload (the runtime's and loader's startup) and every descendant forked before the open.
// Unprivileged with perf_event_paranoid=2, opening with exclude_kernel=0 fails with EACCES; with exclude_kernel=1 it
// works, and task-clock still includes kernel time (112 ms of sys time showed up in it).
using System.Runtime.InteropServices;

namespace InlineAdvisor.Experiments;

/// <summary>One counter's outcome: a value, or the reason there is none. An unavailable counter is never a zero.</summary>
/// <param name="Value">The count (nanoseconds for task-clock), scaled up if the kernel multiplexed the counter.</param>
/// <param name="Unavailable">Why there is no value; null when there is one.</param>
/// <param name="RunningFraction">time_running / time_enabled: 1 unless the counter shared hardware with others.</param>
public readonly record struct CounterReading(long? Value, string? Unavailable, double RunningFraction = 1.0)
{
    public bool IsAvailable => Value is not null;

    public static CounterReading Missing(string reason) => new(null, reason, 0);
}

/// <summary>perf counters of one run's process tree, from the workload's exec to its exit.</summary>
public sealed record PerfReadings
{
    /// <summary>Software task-clock in nanoseconds: CPU time of every task in the tree, user and kernel.</summary>
    public required CounterReading TaskClockNs { get; init; }
    public required CounterReading Instructions { get; init; }
    public required CounterReading Cycles { get; init; }
    public required CounterReading L1ICacheReadMisses { get; init; }
    public required CounterReading BranchMisses { get; init; }

    /// <summary>"hardware counters unavailable: ENOENT (...)…" when any hardware counter has no value; else null.</summary>
    public string? HardwareUnavailable { get; init; }

    /// <summary>Caveats: user-mode-only counting, multiplexing.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public TimeSpan? TaskClock => TaskClockNs.Value is { } ns ? TimeSpan.FromTicks(ns / 100) : null;

    public static PerfReadings Unavailable(string reason) => new()
    {
        TaskClockNs = CounterReading.Missing(reason), Instructions = CounterReading.Missing(reason), Cycles = CounterReading.Missing(reason),
        L1ICacheReadMisses = CounterReading.Missing(reason), BranchMisses = CounterReading.Missing(reason), HardwareUnavailable = reason,
    };
}

/// <summary>
/// The counters of one run, open on the calling thread. Open, start the workload from the same thread, read after the
/// workload has exited and been reaped, dispose. Not thread-safe; one instance per run.
/// </summary>
internal sealed class PerfCounterSet : IDisposable
{
    // perf_event_attr.type and .config values (include/uapi/linux/perf_event.h).
    private const uint TypeHardware = 0, TypeSoftware = 1, TypeHwCache = 3;
    private const ulong HwCpuCycles = 0, HwInstructions = 1, HwBranchMisses = 5, SwTaskClock = 1;
    private const ulong HwCacheL1I = 1, HwCacheOpRead = 0, HwCacheResultMiss = 1;

    // perf_event_attr flag bits.
    private const ulong Disabled = 1UL << 0, Inherit = 1UL << 1, ExcludeKernel = 1UL << 5, ExcludeHv = 1UL << 6, EnableOnExec = 1UL << 12;
    private const ulong FormatTotalTimeEnabled = 1, FormatTotalTimeRunning = 2;
    private const ulong FlagFdCloexec = 1UL << 3;   // perf_event_open flags: the workload must not inherit our fds
    private const long SysPerfEventOpen = 298;     // x86-64

    private static readonly (string Name, uint Type, ulong Config)[] Hardware =
    [
        ("instructions", TypeHardware, HwInstructions),
        ("cycles", TypeHardware, HwCpuCycles),
        ("L1-icache read misses", TypeHwCache, HwCacheL1I | (HwCacheOpRead << 8) | (HwCacheResultMiss << 16)),
        ("branch misses", TypeHardware, HwBranchMisses),
    ];

    private readonly int _taskClock;
    private readonly int[] _hardware;          // -1 where not open
    private readonly string?[] _reasons;       // index 0 task-clock, 1.. hardware
    private readonly string? _hardwareReason;
    private readonly List<string> _notes = [];

    /// <param name="enableOnExec">
    /// True (the normal mode): count from the workload's exec. False: count from now, including the calling thread
    /// itself and whatever it clones; only for experiments that compare the two.
    /// </param>
    private PerfCounterSet(bool enableOnExec)
    {
        var reasons = new string?[1 + Hardware.Length];
        var enable = enableOnExec ? Disabled | EnableOnExec : 0;
        bool userOnly = false;
        _taskClock = OpenOne(TypeSoftware, SwTaskClock, enable, ref userOnly, out _, out reasons[0]);
        _hardware = new int[Hardware.Length];
        var errnos = new List<int>();
        for (int i = 0; i < Hardware.Length; i++)
        {
            _hardware[i] = OpenOne(Hardware[i].Type, Hardware[i].Config, enable, ref userOnly, out int errno, out reasons[1 + i]);
            if (_hardware[i] < 0) errnos.Add(errno);
        }
        if (errnos.Count == Hardware.Length && errnos.Distinct().Count() == 1)
        {
            _hardwareReason = "hardware counters unavailable: " + reasons[1];
            for (int i = 1; i < reasons.Length; i++) reasons[i] = _hardwareReason;
        }
        else if (errnos.Count > 0)
            _hardwareReason = "hardware counters partly unavailable: " + string.Join("; ",
                Enumerable.Range(0, Hardware.Length).Where(i => _hardware[i] < 0).Select(i => $"{Hardware[i].Name}: {reasons[1 + i]}"));
        _reasons = reasons;
        if (userOnly)
            _notes.Add($"hardware counters count user mode only: kernel.perf_event_paranoid={Paranoid()} refused kernel-mode counting " +
                "for this user (root or CAP_PERFMON lifts it); task-clock still includes kernel time");
    }

    /// <summary>Opens the counters on the calling thread; see the file comment. Never throws for unavailable counters.</summary>
    public static PerfCounterSet OpenOnCallingThread(bool enableOnExec = true) => new(enableOnExec);

    private static unsafe int OpenOne(uint type, ulong config, ulong enable, ref bool userOnly, out int errno, out string? reason)
    {
        var attr = new PerfEventAttr
        {
            Type = type, Size = (uint)sizeof(PerfEventAttr), Config = config,
            ReadFormat = FormatTotalTimeEnabled | FormatTotalTimeRunning,
            Flags = enable | Inherit,
        };
        long fd = Native.syscall(SysPerfEventOpen, &attr, 0, -1, -1, FlagFdCloexec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (fd < 0 && errno is Errno.EACCES or Errno.EPERM)
        {
            // perf_event_paranoid >= 2 without privilege: only user-mode counting of own tasks is allowed.
            attr.Flags |= ExcludeKernel | ExcludeHv;
            fd = Native.syscall(SysPerfEventOpen, &attr, 0, -1, -1, FlagFdCloexec);
            if (fd >= 0 && type != TypeSoftware) userOnly = true;
            else if (fd < 0) errno = Marshal.GetLastPInvokeError();
        }
        reason = fd < 0 ? Describe(errno) : null;
        return (int)fd;
    }

    /// <summary>Reads every open counter. Call after the workload has exited and been waited for.</summary>
    public PerfReadings Read()
    {
        var hw = new CounterReading[Hardware.Length];
        var notes = new List<string>(_notes);
        for (int i = 0; i < hw.Length; i++) hw[i] = ReadOne(_hardware[i], _reasons[1 + i], Hardware[i].Name, notes);
        return new PerfReadings
        {
            TaskClockNs = ReadOne(_taskClock, _reasons[0], "task-clock", notes),
            Instructions = hw[0], Cycles = hw[1], L1ICacheReadMisses = hw[2], BranchMisses = hw[3],
            HardwareUnavailable = hw.Any(h => !h.IsAvailable) ? _hardwareReason ?? "hardware counters unavailable: " + string.Join("; ",
                hw.Select((h, i) => (h, i)).Where(x => !x.h.IsAvailable).Select(x => $"{Hardware[x.i].Name}: {x.h.Unavailable}")) : null,
            Notes = notes,
        };
    }

    private static unsafe CounterReading ReadOne(int fd, string? openReason, string name, List<string> notes)
    {
        if (fd < 0) return CounterReading.Missing(openReason ?? "not opened");
        ulong* buf = stackalloc ulong[3];   // value, time_enabled, time_running
        nint n = Native.read(fd, buf, 3 * sizeof(ulong));
        if (n != 3 * sizeof(ulong))
            return CounterReading.Missing(n < 0 ? "read failed: " + Describe(Marshal.GetLastPInvokeError()) : $"short read ({n} bytes)");
        return FromRaw(buf[0], buf[1], buf[2], name, notes);
    }

    /// <summary>A counter's value from read(2): the count, time_enabled and time_running (both in nanoseconds).</summary>
    internal static CounterReading FromRaw(ulong value, ulong enabled, ulong running, string name, List<string> notes)
    {
        if (enabled == 0) return CounterReading.Missing("the counter never ran (the workload never reached exec)");
        if (running == 0) return CounterReading.Missing("the counter was never scheduled on the PMU (all its time multiplexed out)");
        if (running >= enabled) return new CounterReading((long)value, null);
        double fraction = (double)running / enabled;
        notes.Add($"{name} multiplexed: counted {fraction:P0} of the time, scaled up");
        return new CounterReading((long)(value / fraction), null, fraction);
    }

    public void Dispose()
    {
        if (_taskClock >= 0) Native.close(_taskClock);
        foreach (var fd in _hardware) if (fd >= 0) Native.close(fd);
    }

    /// <summary>"ENOENT (No such file or directory): …hint" for an errno from perf_event_open.</summary>
    internal static string Describe(int errno)
    {
        string name = Errno.Name(errno), text = Marshal.GetPInvokeErrorMessage(errno);
        string hint = errno switch
        {
            Errno.ENOENT or Errno.ENODEV or Errno.EOPNOTSUPP => "this CPU or virtual machine exposes no such PMU event",
            Errno.EACCES or Errno.EPERM => $"not permitted (kernel.perf_event_paranoid={Paranoid()}; root or CAP_PERFMON needed, " +
                "or a seccomp profile blocks perf_event_open)",
            Errno.ENOSYS => "perf_event_open is not available (kernel built without perf events, or blocked by seccomp)",
            Errno.EMFILE => "too many open files",
            _ => "",
        };
        return hint.Length == 0 ? $"{name} ({text})" : $"{name} ({text}): {hint}";
    }

    private static string Paranoid()
    {
        try { return File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim(); }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }

    /// <summary>struct perf_event_attr, the first 72 bytes (PERF_ATTR_SIZE_VER1) with x86-64 layout; newer fields are
    /// taken as zero by newer kernels.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PerfEventAttr
    {
        public uint Type;              // 0
        public uint Size;              // 4
        public ulong Config;           // 8
        public ulong SamplePeriod;     // 16 (union with sample_freq)
        public ulong SampleType;       // 24
        public ulong ReadFormat;       // 32
        public ulong Flags;            // 40: the bitfield disabled:1, inherit:1, pinned:1, … enable_on_exec (bit 12) …
        public uint WakeupEvents;      // 48 (union with wakeup_watermark)
        public uint BpType;            // 52
        public ulong Config1;          // 56 (union with bp_addr)
        public ulong Config2;          // 64 (union with bp_len)
    }
}

/// <summary>The few errno values the meter names (x86-64 Linux numbering).</summary>
internal static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ENOEXEC = 8, ECHILD = 10, EACCES = 13, EBUSY = 16, ENODEV = 19, EINVAL = 22, EMFILE = 24, ENOSYS = 38,
        EOPNOTSUPP = 95;

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ENOEXEC => "ENOEXEC", ECHILD => "ECHILD", EACCES => "EACCES", EBUSY => "EBUSY", ENODEV => "ENODEV",
        EINVAL => "EINVAL", EMFILE => "EMFILE", ENOSYS => "ENOSYS", EOPNOTSUPP => "EOPNOTSUPP", _ => $"errno {errno}",
    };
}

/// <summary>libc entry points: perf_event_open through syscall(2), read/close of its fds, getrusage.</summary>
internal static unsafe partial class Native
{
    [LibraryImport("libc", SetLastError = true)]
    internal static partial long syscall(long number, PerfCounterSet.PerfEventAttr* attr, int pid, int cpu, int groupFd, ulong flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial nint read(int fd, void* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int getrusage(int who, RUsage* usage);

    internal const int RUsageChildren = -1;

    /// <summary>struct rusage on x86-64: two timevals, then fourteen longs (ru_maxrss first, in KiB).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RUsage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
        public long MaxRssKb, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;

        public readonly TimeSpan User => TimeSpan.FromTicks(UtimeSec * TimeSpan.TicksPerSecond + UtimeUsec * 10);
        public readonly TimeSpan System => TimeSpan.FromTicks(StimeSec * TimeSpan.TicksPerSecond + StimeUsec * 10);
    }

    /// <summary>getrusage(RUSAGE_CHILDREN): totals of every child this process has waited for so far.</summary>
    internal static RUsage ChildrenUsage()
    {
        RUsage u;
        if (getrusage(RUsageChildren, &u) != 0) throw new InvalidOperationException("getrusage: " + Errno.Name(Marshal.GetLastPInvokeError()));
        return u;
    }
}
