// `advisor collect`: trace a launched process tree or an attached process, analyze, and store the runs.
using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using InlineAdvisor.Core;
using InlineAdvisor.Tracing;

namespace InlineAdvisor.Cli.Commands;

internal static class CollectCommand
{
    public static Command Create()
    {
        var command = new Argument<string[]>("command")
        {
            Description = "The program to launch, after `--`, e.g. `-- dotnet bin/Release/net10.0/App.dll --arg`.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var pid = new Option<int?>("--pid", "-p") { Description = "Attach to this running .NET process instead of launching one." };
        var name = new Option<string?>("--name", "-n") { Description = "Attach to the one running .NET process whose command line contains this text." };
        var duration = new Option<string?>("--duration")
        {
            Description = "Stop after this long (e.g. 30s, 2m, 00:01:30). Launch mode then ends the program (SIGTERM, then kill).",
            HelpName = "time",
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Where to write the .nettrace (further processes of the tree get .<pid> before the extension). Default: .inline-advisor/traces/<program>-<time>.nettrace",
            HelpName = "file",
        };
        var filter = new Option<string?>("--process")
        {
            Description = "Launch mode: trace only processes of the tree whose command line contains this text (e.g. testhost for `dotnet test`).",
            HelpName = "text",
        };
        var noPgo = new Option<bool>("--no-pgo") { Description = "Do not ask the runtime to write its dynamic-PGO counts (DOTNET_WritePGOData) at exit." };
        var store = Common.StoreOption();
        var cmd = new Command("collect", """
            Record CPU samples with stacks, the JIT's inlining decisions, method sizes and tiers, and dynamic-PGO
            counts from a .NET program, then store its call-edge profile.

              advisor collect -- dotnet bin/Release/net10.0/App.dll        launch (complete JIT history)
              advisor collect -- dotnet test tests/MyTests                 every .NET process of the tree, one run each
              advisor collect --pid 4242 --duration 30s                    attach (samples; decisions only for later compiles)

            Exit code 3: the workload itself failed (its runs are still stored, with a note).
            """)
        { command, pid, name, duration, output, filter, noPgo, store };

        cmd.SetAction(async (parse, cancel) =>
        {
            var args = parse.GetValue(command) ?? [];
            int? attachPid = parse.GetValue(pid);
            var attachName = parse.GetValue(name);
            int modes = (args.Length > 0 ? 1 : 0) + (attachPid is null ? 0 : 1) + (attachName is null ? 0 : 1);
            if (modes != 1)
                return Common.Fail("give exactly one of: a command after `--`, --pid N, or --name TEXT (see advisor collect --help)", ExitCode.Usage);
            TimeSpan? limit = null;
            if (parse.GetValue(duration) is { } d)
            {
                if (ParseDuration(d) is not { } parsed) return Common.Fail($"--duration: cannot read '{d}' (use e.g. 30s, 2m, 00:01:30)", ExitCode.Usage);
                limit = parsed;
            }
            if (attachName is not null)
            {
                var found = Collector.FindByName(attachName);
                if (found.Count != 1)
                    return Common.Fail(found.Count == 0
                        ? $"no running .NET process has '{attachName}' in its command line"
                        : $"{found.Count} .NET processes match '{attachName}': " + string.Join("; ", found.Select(f => $"{f.Pid} {f.CommandLine}")) + " (use --pid)");
                attachPid = found[0].Pid;
            }

            using var profileStore = Common.OpenStore(parse.GetValue(store)!, out var storeError);
            if (profileStore is null) return storeError;

            var program = args.Length > 0 ? Analysis.ProgramOf(string.Join(' ', args)) : $"pid{attachPid}";
            var tracePath = parse.GetValue(output) ?? Path.Combine(".inline-advisor", "traces",
                $"{program}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.nettrace");
            var request = new CollectRequest
            {
                Command = args.Length > 0 ? args : null,
                ProcessId = attachPid,
                Duration = limit,
                TracePath = tracePath,
                ProcessFilter = parse.GetValue(filter),
                WritePgo = !parse.GetValue(noPgo),
            };

            CollectResult result;
            var progress = new ProgressLine();
            // Ctrl-C while collecting: stop, then analyze and store what was recorded; the trace files stay on disk.
            // It stays registered through the analysis, so a Ctrl-C that lands late still lets the run be stored.
            using var interruption = new Interruption(cancel, "storing what was collected; the trace files are kept", progress.Done);
            try
            {
                result = await new Collector().RunAsync(request, progress, interruption.Token);
            }
            catch (CollectException e)
            {
                return Common.Fail(e.Message);
            }
            finally
            {
                progress.Done();
            }
            // The program gets the terminal's Ctrl-C too and may end first: the run still stopped early.
            bool stoppedEarly = result.StoppedEarly || interruption.Token.IsCancellationRequested;
            // A program we stopped exits non-zero by our hand: only its own failure is reported.
            return Analysis.AnalyzeAndStore(result.Traces, profileStore, stoppedEarly, result.Untraced,
                workloadExitCode: stoppedEarly ? null : result.ExitCode);
        });
        return cmd;
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':')) return span > TimeSpan.Zero ? span : null;
        double factor = text.EndsWith("ms") ? 0.001 : text.EndsWith('s') ? 1 : text.EndsWith('m') ? 60 : text.EndsWith('h') ? 3600 : 1;
        var number = text.TrimEnd('s', 'm', 'h');
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds(value * factor) : null;
    }
}

/// <summary>A single live line on stderr (elapsed, processes, events, MB), redrawn in place on a terminal.</summary>
internal sealed class ProgressLine : IProgress<CollectStatus>
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private DateTime _lastPrint = Console.IsErrorRedirected ? DateTime.UtcNow : DateTime.MinValue;
    private bool _drawn;

    public void Report(CollectStatus s)
    {
        var now = DateTime.UtcNow;
        // A terminal is redrawn 4 times a second; a log file gets a line every 5 seconds.
        if (now - _lastPrint < TimeSpan.FromMilliseconds(_interactive ? 250 : 5000)) return;
        _lastPrint = now;
        var text = string.Format(CultureInfo.InvariantCulture, "collecting: {0:0.0} s · {1} process(es) · {2:N0} events · {3:0.0} MB · Ctrl-C stops and keeps the data",
            s.Elapsed.TotalSeconds, s.Processes, s.Events, s.Bytes / 1048576.0);
        if (_interactive) { Console.Error.Write("\r" + text.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 110) : 110)); _drawn = true; }
        else Console.Error.WriteLine(text);
    }

    public void Done()
    {
        if (_drawn) Console.Error.WriteLine();
        _drawn = false;
    }
}
