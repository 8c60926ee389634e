// Helpers for end-to-end tests that start long-running processes: targets to attach to, an advisor in its own
// process group (for Ctrl-C), and the check that no process of a collection is left behind.
using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace InlineAdvisor.Tests.EndToEnd;

/// <summary>
/// Tests that start processes other tests could see (`--name` counts every matching .NET process) or whose
/// timing a busy 2-core machine would distort: they run one at a time, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveProcessCollection
{
    public const string Name = "Live processes";
}

/// <summary>A process started by a test; killed (whole tree) when disposed.</summary>
public sealed class LiveProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private LiveProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public static LiveProcess Start(string file, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        LiveProcesses.CleanEnvironment(psi.Environment);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return new LiveProcess(Process.Start(psi)!);
    }

    /// <summary>`dotnet InlineSamples.dll case --scale X`, returned once its runtime accepts diagnostic connections.</summary>
    public static LiveProcess StartSample(string sampleCase, string scale, string workingDirectory, IDictionary<string, string>? env = null)
    {
        var p = Start("dotnet", [Repo.SamplesDll, sampleCase, "--scale", scale], workingDirectory, env);
        var clock = Stopwatch.StartNew();
        while (!LiveProcesses.HasDiagnosticSocket(p.Id))
        {
            if (p.HasExited) throw new InvalidOperationException($"the sample exited early: {p.WaitForExit(1)}");
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the sample published no diagnostic socket in 30 s");
            Thread.Sleep(50);
        }
        Thread.Sleep(300);   // past startup, into the case's loop
        return p;
    }

    public ProcessResult WaitForExit(int timeoutSeconds)
    {
        if (!_process.WaitForExit(timeoutSeconds * 1000))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"process {Id} did not finish in {timeoutSeconds} s");
        }
        _process.WaitForExit();
        return new ProcessResult(_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

public static class LiveProcesses
{
    /// <summary>Set on the advisor by a test; every process it starts inherits it, so a test finds its own leftovers.</summary>
    public const string TagVariable = "INLINEADVISOR_TEST_TAG";
    /// <summary>The collector marks each process it launches with this variable (see Collector).</summary>
    public const string CollectMarker = "INLINEADVISOR_COLLECT";

    public static Dictionary<string, string> Tagged(string tag, IDictionary<string, string>? more = null)
    {
        var env = new Dictionary<string, string> { [TagVariable] = tag };
        if (more is not null) foreach (var (k, v) in more) env[k] = v;
        return env;
    }

    /// <summary>
    /// What the test host's own `dotnet test` put in the environment (MSBuild and VSTest settings) must not
    /// steer a nested `dotnet test`/`dotnet build`.
    /// </summary>
    public static void CleanEnvironment(IDictionary<string, string?> env)
    {
        foreach (var key in env.Keys.ToList())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) || key == "DOTNET_HOST_PATH"
                || key.StartsWith("DOTNET_CLI_TELEMETRY_SESSIONID", StringComparison.OrdinalIgnoreCase))
                env.Remove(key);
        env["MSBUILDDISABLENODEREUSE"] = "1";
    }

    /// <summary>Runs a process to its end with a cleaned environment (see <see cref="CleanEnvironment"/>).</summary>
    public static ProcessResult Run(string file, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? env = null, int timeoutSeconds = 180)
    {
        using var p = LiveProcess.Start(file, args, workingDirectory, env);
        return p.WaitForExit(timeoutSeconds);
    }

    public static ProcessResult RunAdvisor(string workingDirectory, IDictionary<string, string>? env, params string[] args) =>
        Run("dotnet", new[] { Repo.Advisor }.Concat(args), workingDirectory, env);

    public static bool HasDiagnosticSocket(int pid) =>
        Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*-socket").Length > 0;

    /// <summary>Alive and not a zombie.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[stat.LastIndexOf(')') + 2];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException) { return false; }
    }

    public static string CommandLineOf(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' '); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"pid {pid}"; }
    }

    /// <summary>Running processes whose environment has the collector's marker and this test's tag.</summary>
    public static List<(int Pid, string CommandLine)> LeftBehind(string tag)
    {
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string environ;
            try { environ = File.ReadAllText(Path.Combine(dir, "environ")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (environ.Contains($"\0{CollectMarker}=") || environ.StartsWith($"{CollectMarker}=", StringComparison.Ordinal))
                if (environ.Contains($"{TagVariable}={tag}\0") && IsRunning(pid)) found.Add((pid, CommandLineOf(pid)));
        }
        return found;
    }

    /// <summary>
    /// Fails if a process of this test's collection is still running a few seconds after the advisor ended (a
    /// process paused at startup would wait forever), and kills what it finds so the machine stays clean.
    /// </summary>
    public static void AssertNoneLeftBehind(string tag)
    {
        var clock = Stopwatch.StartNew();
        var left = LeftBehind(tag);
        while (left.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(200);
            left = LeftBehind(tag);
        }
        foreach (var (pid, _) in left) _ = kill(pid, 9);
        Assert.True(left.Count == 0, "left behind: " + string.Join("; ", left.Select(l => $"{l.Pid} {l.CommandLine}")));
    }

    public static void Signal(int pidOrNegativeGroup, int signal)
    {
        if (kill(pidOrNegativeGroup, signal) != 0)
            throw new InvalidOperationException($"kill({pidOrNegativeGroup}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The process group of a process, from /proc/&lt;pid&gt;/stat (field 5).</summary>
    public static int ProcessGroupOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[2]);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
