// perf_event_open plumbing: the attr layout, value scaling, and the inheritance scheme that counts the workload's tree
// and not the thread that starts it.
using System.Diagnostics;
using System.Runtime.InteropServices;
using InlineAdvisor.Experiments;
using Xunit;

namespace InlineAdvisor.Tests.Measure;

[Collection(MeasureCollection.Name)]
public sealed class PerfCountersTests
{
    [Fact]
    public void Attr_layout_matches_the_x86_64_abi()
    {
        Assert.Equal(72, Marshal.SizeOf<PerfCounterSet.PerfEventAttr>());   // PERF_ATTR_SIZE_VER1
        Assert.Equal(8, (int)Marshal.OffsetOf<PerfCounterSet.PerfEventAttr>(nameof(PerfCounterSet.PerfEventAttr.Config)));
        Assert.Equal(32, (int)Marshal.OffsetOf<PerfCounterSet.PerfEventAttr>(nameof(PerfCounterSet.PerfEventAttr.ReadFormat)));
        Assert.Equal(40, (int)Marshal.OffsetOf<PerfCounterSet.PerfEventAttr>(nameof(PerfCounterSet.PerfEventAttr.Flags)));
        Assert.Equal(56, (int)Marshal.OffsetOf<PerfCounterSet.PerfEventAttr>(nameof(PerfCounterSet.PerfEventAttr.Config1)));
        Assert.Equal(144, Marshal.SizeOf<Native.RUsage>());
    }

    [Fact]
    public void Raw_values_are_scaled_when_multiplexed_and_never_zero_when_not_counted()
    {
        var notes = new List<string>();
        Assert.Equal(new CounterReading(1000, null), PerfCounterSet.FromRaw(1000, 50, 50, "x", notes));
        Assert.Empty(notes);

        var scaled = PerfCounterSet.FromRaw(1000, 100, 25, "cycles", notes);
        Assert.Equal(4000, scaled.Value);
        Assert.Equal(0.25, scaled.RunningFraction);
        Assert.Contains("cycles multiplexed", Assert.Single(notes));

        var never = PerfCounterSet.FromRaw(0, 0, 0, "x", notes);
        Assert.Null(never.Value);
        Assert.False(string.IsNullOrEmpty(never.Unavailable));
        Assert.Null(PerfCounterSet.FromRaw(0, 10, 0, "x", notes).Value);
    }

    [Fact]
    public void Errno_descriptions_name_the_error_and_say_what_it_means()
    {
        Assert.StartsWith("ENOENT (No such file or directory): ", PerfCounterSet.Describe(2));
        Assert.Contains("perf_event_paranoid", PerfCounterSet.Describe(13));
        Assert.StartsWith("errno 4242", PerfCounterSet.Describe(4242));
    }

    /// <summary>
    /// The mechanism itself: counters opened on a thread with inherit + enable_on_exec count the exec'd child, not
    /// the opening thread's own CPU, nor a thread it clones. Opened enabled, they would count both.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Counts_the_execed_child_and_not_the_thread_that_started_it(bool enableOnExec)
    {
        double taskClockMs = 0, childCpuMs = 0;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var set = PerfCounterSet.OpenOnCallingThread(enableOnExec);
                Burn(TimeSpan.FromMilliseconds(150));                       // the thread's own CPU
                var clone = new Thread(() => Burn(TimeSpan.FromMilliseconds(150)));   // a clone that never execs
                clone.Start();
                var before = Native.ChildrenUsage();
                using var p = Process.Start(new ProcessStartInfo("bash", ["-c", "i=0; while [ $i -lt 40000 ]; do i=$((i+1)); done"]))!;
                p.WaitForExit();
                var after = Native.ChildrenUsage();
                clone.Join();
                childCpuMs = (after.User + after.System - before.User - before.System).TotalMilliseconds;
                taskClockMs = set.Read().TaskClockNs.Value!.Value / 1e6;
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);

        Assert.True(childCpuMs > 10, $"child CPU {childCpuMs} ms");
        if (enableOnExec)
            Assert.True(Math.Abs(taskClockMs - childCpuMs) <= 15 + childCpuMs * 0.1, $"task-clock {taskClockMs} ms vs child CPU {childCpuMs} ms");
        else
            Assert.True(taskClockMs >= childCpuMs + 250, $"enabled at open: task-clock {taskClockMs} ms should include 300 ms of our own threads' CPU (child {childCpuMs} ms)");
    }

    /// <summary>Spins until the calling thread has used <paramref name="cpu"/> of CPU (or 10 s have passed).</summary>
    private static void Burn(TimeSpan cpu)
    {
        var clock = Stopwatch.StartNew();
        var start = ThreadCpu();
        long x = 0;
        while (ThreadCpu() - start < cpu && clock.Elapsed < TimeSpan.FromSeconds(10)) x++;
        GC.KeepAlive(x);
    }

    private static TimeSpan ThreadCpu()
    {
        // CLOCK_THREAD_CPUTIME_ID = 3
        Span<long> ts = stackalloc long[2];
        unsafe { fixed (long* p = ts) ClockGetTime(3, p); }
        return TimeSpan.FromTicks(ts[0] * TimeSpan.TicksPerSecond + ts[1] / 100);
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern unsafe int ClockGetTime(int clock, long* ts);
}
