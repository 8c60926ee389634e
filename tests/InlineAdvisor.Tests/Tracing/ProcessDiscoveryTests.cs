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
}
