// Locates the repo's built parts for end-to-end tests and runs the real `advisor` binary as a process.
using System.Diagnostics;
using System.Reflection;

namespace InlineAdvisor.Tests.EndToEnd;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;
}

public static class Repo
{
    public static readonly string Root = FindRoot();
    public static readonly string Configuration = typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "Configuration").Value!;
    /// <summary>The advisor CLI, copied beside the tests by its project reference.</summary>
    public static readonly string Advisor = Path.Combine(AppContext.BaseDirectory, "advisor.dll");
    public static readonly string SamplesDir = Path.Combine(Root, "samples", "InlineSamples", "bin", Configuration, "net10.0");
    public static readonly string SamplesDll = Path.Combine(SamplesDir, "InlineSamples.dll");
    /// <summary>The load-test sample: `serve --urls …` and its bounded client `drive --url …`.</summary>
    public static readonly string LoadTestDll = Path.Combine(Root, "samples", "LoadTest", "bin", Configuration, "net10.0", "LoadTest.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "InlineAdvisor.sln"))) return dir.FullName;
        throw new InvalidOperationException("InlineAdvisor.sln not found above " + AppContext.BaseDirectory);
    }

    public static ProcessResult Run(string file, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? env = null, int timeoutSeconds = 180)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs `advisor args…` in <paramref name="workingDirectory"/>.</summary>
    public static ProcessResult RunAdvisor(string workingDirectory, IDictionary<string, string>? env, params string[] args) =>
        Run("dotnet", new[] { Advisor }.Concat(args), workingDirectory, env);
}

/// <summary>A temporary folder per test, removed afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("inline-advisor-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
