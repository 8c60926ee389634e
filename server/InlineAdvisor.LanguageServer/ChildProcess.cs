// Long jobs (collect, experiment, export, report) run as `advisor <verb>` child processes: the server never hosts
// tracing or experiments itself, and a cancelled job is stopped the way a user would stop it (SIGINT first).
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace InlineAdvisor.LanguageServer;

/// <summary>How to start the `advisor` executable: the running one by default (apphost, or `dotnet advisor.dll`).</summary>
public sealed record AdvisorLauncher(string FileName, IReadOnlyList<string> PrefixArguments)
{
    public static AdvisorLauncher Current()
    {
        var process = Environment.ProcessPath ?? "advisor";
        if (Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            && System.Reflection.Assembly.GetEntryAssembly()?.Location is { Length: > 0 } dll)
            return new AdvisorLauncher(process, [dll]);
        return new AdvisorLauncher(process, []);
    }
}

public sealed record ChildResult(int ExitCode, string Stdout, string Stderr);

public static class ChildProcess
{
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    const int SigInt = 2;

    /// <summary>Runs the advisor with <paramref name="args"/>; each output line goes to <paramref name="progress"/>.
    /// On cancellation: SIGINT (collect and experiment store what they have), then after <paramref name="grace"/> the
    /// whole tree is killed; throws OperationCanceledException.</summary>
    public static async Task<ChildResult> RunAsync(AdvisorLauncher launcher, IReadOnlyList<string> args, string? cwd, Action<string> progress, CancellationToken ct, TimeSpan? grace = null)
    {
        var psi = new ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = cwd ?? Environment.CurrentDirectory,
        };
        foreach (var a in launcher.PrefixArguments) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {launcher.FileName}");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var outTask = Pump(process.StandardOutput, stdout, progress);
        var errTask = Pump(process.StandardError, stderr, progress);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            if (!OperatingSystem.IsWindows()) Kill(process.Id, SigInt);
            using var timeout = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(20));
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
            throw;
        }
        await Task.WhenAll(outTask, errTask);
        return new ChildResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    static async Task Pump(StreamReader reader, StringBuilder sink, Action<string> progress)
    {
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            lock (sink) sink.AppendLine(line);
            var trimmed = line.Trim();
            if (trimmed.Length > 0 && !trimmed.All(c => c is '─' or '-' or ' ')) progress(trimmed.Length > 200 ? trimmed[..200] : trimmed);
        }
    }

    /// <summary>Splits a shell-like command line: whitespace separates, '…' and "…" group, \ escapes outside single quotes.</summary>
    public static List<string> SplitCommandLine(string commandLine)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool inArg = false;
        char quote = '\0';
        for (int i = 0; i < commandLine.Length; i++)
        {
            char c = commandLine[i];
            if (quote == '\'') { if (c == '\'') quote = '\0'; else current.Append(c); continue; }
            if (c == '\\' && i + 1 < commandLine.Length && quote != '\'') { current.Append(commandLine[++i]); inArg = true; continue; }
            if (quote == '"') { if (c == '"') quote = '\0'; else current.Append(c); continue; }
            if (c is '\'' or '"') { quote = c; inArg = true; continue; }
            if (char.IsWhiteSpace(c))
            {
                if (inArg) { args.Add(current.ToString()); current.Clear(); inArg = false; }
                continue;
            }
            current.Append(c);
            inArg = true;
        }
        if (inArg) args.Add(current.ToString());
        return args;
    }
}
