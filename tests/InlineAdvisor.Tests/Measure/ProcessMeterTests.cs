// ProcessMeter on real child processes: CPU, sleep, memory, output, exit codes, failures, timeouts.
// Bands are generous: this 2-core machine is shared and noisy; nothing here asserts speed.
using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using InlineAdvisor.Experiments;
using Xunit;

namespace InlineAdvisor.Tests.Measure;

/// <summary>Measurement tests run alone, after the parallel tests: the CPU time is a process-wide getrusage delta, and
/// other tests' children would be counted in it (and would slow the workloads down).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasureCollection
{
    public const string Name = "Measure (serial)";
}

[Collection(MeasureCollection.Name)]
public sealed class ProcessMeterTests
{
    private static RunMeasurement Bash(string script, TimeSpan? timeout = null) =>
        ProcessMeter.Measure(new RunSpec { FileName = "bash", Arguments = ["-c", script], Timeout = timeout });

    [Fact]
    public void Cpu_bound_child_shows_consistent_task_clock_cpu_and_wall()
    {
        var m = Bash("i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; echo done");

        Assert.Equal(0, m.ExitCode);
        Assert.Equal("done\n", m.StandardOutput);
        var tc = m.Counters.TaskClock ?? throw new Xunit.Sdk.XunitException("task-clock missing: " + m.Counters.TaskClockNs.Unavailable);
        var cpu = m.Cpu!.Value;
        Assert.True(tc > TimeSpan.FromMilliseconds(50), $"task-clock {tc.TotalMilliseconds} ms: the loop did no work?");
        // The two clocks measure the same thing (the kernel scales utime+stime to the precise runtime).
        Assert.True((cpu - tc).Duration() <= TimeSpan.FromMilliseconds(30) + tc * 0.1,
            $"getrusage {cpu.TotalMilliseconds} ms vs task-clock {tc.TotalMilliseconds} ms");
        Assert.True(m.UserCpu > m.SystemCpu, $"user {m.UserCpu} sys {m.SystemCpu}");
        // One thread: CPU cannot exceed wall. The floor is loose: with three CPU hogs on this 2-core machine the loop got
        // 12% of the wall time.
        Assert.True(tc <= m.Wall * 1.05 + TimeSpan.FromMilliseconds(10), $"task-clock {tc} > wall {m.Wall}");
        Assert.True(tc >= m.Wall * 0.03, $"task-clock {tc} is a tiny part of wall {m.Wall}");
        Assert.DoesNotContain(m.Notes, n => n.Contains("disagree"));
    }

    [Fact]
    public void Cpu_of_a_multi_process_tree_is_summed()
    {
        var m = Bash("for k in 1 2; do ( i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done ) & done; wait");

        var tc = m.Counters.TaskClock!.Value;
        var cpu = m.Cpu!.Value;
        Assert.True(tc > TimeSpan.FromMilliseconds(40), $"task-clock {tc.TotalMilliseconds} ms");
        Assert.True((cpu - tc).Duration() <= TimeSpan.FromMilliseconds(30) + tc * 0.1, $"getrusage {cpu} vs task-clock {tc}");
        Assert.True(tc <= m.Wall * 2.1 + TimeSpan.FromMilliseconds(20), $"two processes on two cores: task-clock {tc} wall {m.Wall}");
    }

    [Fact]
    public void Sleeping_child_takes_wall_time_but_no_cpu()
    {
        var m = ProcessMeter.Measure(new RunSpec { FileName = "sleep", Arguments = ["0.5"] });

        Assert.Equal(0, m.ExitCode);
        Assert.InRange(m.Wall.TotalMilliseconds, 480, 5000);
        Assert.InRange(m.Counters.TaskClock!.Value.TotalMilliseconds, 0.01, 100);
        Assert.InRange(m.Cpu!.Value.TotalMilliseconds, 0, 100);
        Assert.NotNull(m.PeakRssBytes);   // sampled while it slept
        Assert.InRange(m.PeakRssBytes!.Value, 100_000, 50_000_000);
    }

    [Fact]
    public void Peak_rss_of_a_child_that_allocates_200_MB()
    {
        var m = ProcessMeter.Measure(new RunSpec
        {
            FileName = "python3", Arguments = ["-c", "import time\nb = bytearray(200 * 1024 * 1024)\ntime.sleep(0.3)\nprint(len(b))"],
        });

        Assert.Equal(0, m.ExitCode);
        Assert.Equal("209715200", m.StandardOutput.Trim());
        Assert.True(m.PeakRssBytes >= 150L << 20, $"peak RSS {m.PeakRssBytes} bytes");
        Assert.True(m.PeakRssBytes < 1L << 30, $"peak RSS {m.PeakRssBytes} bytes");
    }

    [Fact]
    public void Peak_rss_covers_grandchildren()
    {
        // tail holds the whole newline-free 200 MB "line"; it is bash's child, not ours.
        var m = Bash("head -c 200M /dev/zero | tail | wc -c");

        Assert.Equal("209715200", m.StandardOutput.Trim());
        Assert.True(m.PeakRssBytes >= 150L << 20, $"peak RSS {m.PeakRssBytes} bytes");
    }

    [Fact]
    public void Small_child_does_not_inherit_this_process_rss()
    {
        // ru_maxrss would report this test host's peak for every child (vfork + exec); VmHWM sampling does not.
        var m = ProcessMeter.Measure(new RunSpec { FileName = "sleep", Arguments = ["0.3"] });
        var ours = long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:"))[6..].Trim().TrimEnd('B', 'k')) * 1024;
        Assert.True(m.PeakRssBytes < ours / 2, $"sleep's peak {m.PeakRssBytes} vs test host {ours}");
    }

    [Fact]
    public void Hardware_counters_are_values_or_have_a_reason()
    {
        var m = Bash("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done");
        var c = m.Counters;

        Assert.True(c.TaskClockNs.IsAvailable, c.TaskClockNs.Unavailable);
        Assert.Null(c.TaskClockNs.Unavailable);
        foreach (var (name, r) in new[] { ("instructions", c.Instructions), ("cycles", c.Cycles), ("L1I", c.L1ICacheReadMisses), ("branch misses", c.BranchMisses) })
        {
            if (r.Value is { } v)
            {
                Assert.True(v > 0, $"{name} = {v}");
                Assert.Null(r.Unavailable);
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(r.Unavailable), name);
                Assert.False(string.IsNullOrWhiteSpace(c.HardwareUnavailable));
                Assert.StartsWith("hardware counters", c.HardwareUnavailable);
            }
        }
        if (new[] { c.Instructions, c.Cycles, c.L1ICacheReadMisses, c.BranchMisses }.All(r => r.IsAvailable)) Assert.Null(c.HardwareUnavailable);
        // Where a value exists the instructions outnumber the branch misses; on this kind of machine none exists (ENOENT).
        if (c.Instructions.Value is { } ins && c.BranchMisses.Value is { } bm) Assert.True(ins > bm);
    }

    [Fact]
    public void Exit_code_stdout_and_stderr_are_captured()
    {
        var m = Bash("echo 'warming up'; echo 'score: 42.5 ops/s'; echo oops >&2; exit 3");

        Assert.Equal(3, m.ExitCode);
        Assert.False(m.TimedOut);
        var score = Regex.Match(m.StandardOutput, @"score: ([\d.]+)");
        Assert.Equal("42.5", score.Groups[1].Value);
        Assert.Equal("oops\n", m.StandardError);
    }

    [Fact]
    public void Large_output_on_both_streams_does_not_deadlock()
    {
        var m = Bash("head -c 3000000 /dev/zero | tr '\\0' x; head -c 2000000 /dev/zero | tr '\\0' y >&2");

        Assert.Equal(3_000_000, m.StandardOutput.Length);
        Assert.Equal(2_000_000, m.StandardError.Length);
    }

    [Fact]
    public void Environment_and_working_directory_are_applied_and_stdin_is_empty()
    {
        var dir = Directory.CreateTempSubdirectory("meter-").FullName;
        try
        {
            var m = ProcessMeter.Measure(new RunSpec
            {
                FileName = "bash", Arguments = ["-c", "read -r line; echo \"$METER_TEST|${HOME-unset}|$PWD|${line-}|$?\""],
                WorkingDirectory = dir, Environment = new Dictionary<string, string?> { ["METER_TEST"] = "a b", ["HOME"] = null },
            });
            Assert.Equal($"a b|unset|{dir}||1\n", m.StandardOutput);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void OnStarted_gets_the_running_workload_pid_and_its_exception_kills_the_tree()
    {
        string? cmdline = null;
        var m = ProcessMeter.Measure(new RunSpec
        {
            FileName = "sleep", Arguments = ["0.3"], OnStarted = pid => cmdline = File.ReadAllText($"/proc/{pid}/cmdline"),
        });
        Assert.Equal(0, m.ExitCode);
        Assert.Equal("sleep\00.3\0", cmdline);   // already exec'd

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidOperationException>(() => ProcessMeter.Measure(new RunSpec
        {
            FileName = "sleep", Arguments = ["20"], OnStarted = _ => throw new InvalidOperationException("tracer failed"),
        }));
        Assert.Equal("tracer failed", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void Missing_command_gives_a_clear_error()
    {
        var e = Assert.Throws<WorkloadStartException>(() =>
            ProcessMeter.Measure(new RunSpec { FileName = "no-such-command-xyz", Arguments = ["--x"] }));
        Assert.Contains("'no-such-command-xyz' was not found", e.Message);
        Assert.Contains("PATH", e.Message);

        var text = Path.GetTempFileName();   // mode 0600: not executable, even for root
        try
        {
            var e2 = Assert.Throws<WorkloadStartException>(() => ProcessMeter.Measure(new RunSpec { FileName = text }));
            Assert.Contains("not executable", e2.Message);
            File.SetUnixFileMode(text, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.WriteAllText(text, "\x7f not a binary\n");
            var e3 = Assert.Throws<WorkloadStartException>(() => ProcessMeter.Measure(new RunSpec { FileName = text }));
            Assert.Contains("exec format error", e3.Message);
        }
        finally { File.Delete(text); }

        var e4 = Assert.Throws<WorkloadStartException>(() =>
            ProcessMeter.Measure(new RunSpec { FileName = "true", WorkingDirectory = "/no/such/dir" }));
        Assert.Contains("working directory '/no/such/dir' does not exist", e4.Message);

        // The meter still works afterwards (no thread or lock left behind).
        Assert.Equal(0, ProcessMeter.Measure(new RunSpec { FileName = "true" }).ExitCode);
    }

    [Fact]
    public void Timeout_kills_the_whole_tree()
    {
        var marker = $"{Random.Shared.Next(1000, 9999)}.25";   // a unique sleep argument to find leftovers by
        var clock = Stopwatch.StartNew();
        var m = Bash($"sleep {marker} & sleep {marker}; wait", timeout: TimeSpan.FromMilliseconds(500));

        Assert.True(m.TimedOut);
        Assert.NotEqual(0, m.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), clock.Elapsed.ToString());
        Assert.Contains(m.Notes, n => n.Contains("timed out"));
        Thread.Sleep(200);
        Assert.DoesNotContain(Directory.EnumerateDirectories("/proc").Select(d => TryRead(Path.Combine(d, "cmdline"))),
            c => c.Contains("sleep\0" + marker));
    }

    [Fact]
    public void Cancellation_kills_the_child_and_throws()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ProcessMeter.Measure(new RunSpec { FileName = "sleep", Arguments = ["30"] }, cts.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    public void Output_held_open_by_a_background_descendant_is_noted_not_waited_for()
    {
        var clock = Stopwatch.StartNew();
        var m = Bash("sleep 7 & echo started");

        Assert.Equal(0, m.ExitCode);
        Assert.Equal("started\n", m.StandardOutput);
        Assert.Contains(m.Notes, n => n.Contains("still open"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6.9), clock.Elapsed.ToString());
        Assert.True(m.Wall < TimeSpan.FromSeconds(3), m.Wall.ToString());
    }

    [Fact]
    public async Task Concurrent_calls_are_serialised()
    {
        var clock = Stopwatch.StartNew();
        var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            Task.Run(() => ProcessMeter.Measure(new RunSpec { FileName = "sleep", Arguments = ["0.3"] }))));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(580), clock.Elapsed.ToString());
        foreach (var r in runs)
        {
            Assert.InRange(r.Wall.TotalMilliseconds, 280, 5000);
            Assert.InRange(r.Cpu!.Value.TotalMilliseconds, 0, 100);
        }
    }

    private static string TryRead(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }
}
