// Small pure rules of collection: trace and PGO file naming, program names, durations.
using InlineAdvisor.Cli;
using InlineAdvisor.Cli.Commands;
using InlineAdvisor.Tracing;
using Xunit;

namespace InlineAdvisor.Tests.Tracing;

public sealed class CollectorNamingTests
{
    [Theory]
    [InlineData("dotnet /app/bin/MyService.dll --port 5000", "MyService")]
    [InlineData("/usr/share/dotnet/dotnet exec /x/testhost.dll --port 1", "testhost")]
    [InlineData("/opt/app/MyTool arg", "MyTool")]
    public void Runs_are_grouped_by_the_main_assembly_or_executable(string commandLine, string program) =>
        Assert.Equal(program, Analysis.ProgramOf(commandLine));

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    [InlineData("00:01:30", 90)]
    [InlineData("45", 45)]
    public void Durations_read_as_people_write_them(string text, double seconds) =>
        Assert.Equal(seconds, Common.ParseDuration(text)!.Value.TotalSeconds, 6);

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("0")]
    public void Bad_durations_are_refused(string text) => Assert.Null(Common.ParseDuration(text));

    [Theory]
    [InlineData("3MB", 3L << 20)]
    [InlineData("500k", 500L << 10)]
    [InlineData("2 GB", 2L << 30)]
    [InlineData("1.5m", 3L << 19)]
    [InlineData("4096", 4096L)]
    public void Sizes_read_as_people_write_them(string text, long bytes) => Assert.Equal(bytes, Common.ParseSize(text));

    [Theory]
    [InlineData("big")]
    [InlineData("-1MB")]
    [InlineData("3TB")]
    [InlineData("0")]
    public void Bad_sizes_are_refused(string text) => Assert.Null(Common.ParseSize(text));

    [Fact]
    public void Each_process_gets_its_own_pgo_file_beside_the_trace() =>
        Assert.Equal("/tmp/x/run.4242.pgo.txt", Collector.PgoPathFor("/tmp/x/run.nettrace", 4242));
}
