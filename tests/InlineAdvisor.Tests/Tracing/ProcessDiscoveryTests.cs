// Finding .NET processes by their diagnostic sockets: a socket left behind by a killed process must not turn a thread
// that now carries its number into a "process" (seen in CI: the advisor listed one of its own threads as a match).
using InlineAdvisor.Tracing;
using Xunit;

namespace InlineAdvisor.Tests.Tracing;

public sealed class ProcessDiscoveryTests
{
    [Fact]
    public void A_stale_socket_named_after_a_thread_of_a_live_process_is_not_a_process()
    {
        // Keep a second thread alive so this process certainly has a thread id other than its process id.
        using var hold = new ManualResetEventSlim();
        var thread = new Thread(() => hold.Wait()) { IsBackground = true };
        thread.Start();
        var tid = Directory.EnumerateDirectories($"/proc/{Environment.ProcessId}/task")
            .Select(d => int.Parse(Path.GetFileName(d))).First(t => t != Environment.ProcessId);
        var stale = Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{tid}-0-socket");
        File.WriteAllText(stale, "");
        try
        {
            Assert.True(Directory.Exists($"/proc/{tid}"), "precondition: /proc has an entry for the thread id");
            Assert.False(Collector.ProcessExists(tid));
            Assert.DoesNotContain(tid, Collector.ListDiagnosticSockets());
            Assert.True(Collector.ProcessExists(Environment.ProcessId));
        }
        finally
        {
            File.Delete(stale);
            hold.Set();
        }
    }

    [Fact]
    public void A_stale_socket_of_an_earlier_process_with_the_same_number_is_not_the_live_process()
    {
        // A live process that is not .NET (so it publishes no socket of its own), with a socket left by an "earlier"
        // process of its number: pids are reused, and a killed runtime leaves its socket behind.
        using var sleeper = System.Diagnostics.Process.Start("sleep", "30");
        var stale = Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{sleeper.Id}-1-socket");
        File.WriteAllText(stale, "");
        // This process's own socket carries its real start time: listed once, even beside a stale one of its number.
        var ownStale = Path.Combine(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-2-socket");
        File.WriteAllText(ownStale, "");
        try
        {
            Assert.NotNull(Collector.StartTicks(sleeper.Id));
            Assert.DoesNotContain(sleeper.Id, Collector.ListDiagnosticSockets());
            Assert.False(Collector.DiagnosticSocketExists(sleeper.Id));
            Assert.Single(Collector.ListDiagnosticSockets(), pid => pid == Environment.ProcessId);
            // The key of a real socket is the start time the runtime read from /proc.
            var own = Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket").Single(f => f != ownStale);
            Assert.Equal(Collector.StartTicks(Environment.ProcessId), long.Parse(Path.GetFileName(own).Split('-')[3]));
        }
        finally
        {
            File.Delete(stale);
            File.Delete(ownStale);
            sleeper.Kill();
        }
    }
}
