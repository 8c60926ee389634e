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
        var listen = new Option<string?>("--listen")
        {
            Description = "Wait on this socket path for a .NET program started elsewhere with DOTNET_DiagnosticPorts=<path> (a service, a container): it connects at startup and waits until traced, so its JIT history is complete, as when launched.",
            HelpName = "socket",
        };
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
        var rotate = new Option<string?>("--rotate")
        {
            Description = "End the trace after this long and start the next without a gap (e.g. 10s, 5m): each window is a run, stored while the next records. For load tests; `report --aggregate` combines the windows.",
            HelpName = "time",
        };
        var maxDisk = new Option<string?>("--max-disk")
        {
            Description = "Keep the trace folder within this size (e.g. 500MB, 2GB): with --rotate, the oldest stored windows' traces are deleted (their runs stay in the store). A trace not yet stored is never deleted, so allow at least three windows.",
            HelpName = "size",
        };
        var duty = new Option<string?>("--sample-duty")
        {
            Description = "Take CPU samples only ON of every PERIOD (e.g. 1s/10s) while the JIT's events are recorded all the time: the long-run mode for load tests, where the sampler (every thread stopped each millisecond) is most of the cost.",
            HelpName = "on/period",
        };
        var noPgo = new Option<bool>("--no-pgo") { Description = "Do not ask the runtime to write its dynamic-PGO counts (DOTNET_WritePGOData) at exit." };
        var store = Common.StoreOption();
        var cmd = new Command("collect", """
            Record CPU samples with stacks, the JIT's inlining decisions, method sizes and tiers, and dynamic-PGO
            counts from a .NET program, then store its call-edge profile.

              advisor collect -- dotnet bin/Release/net10.0/App.dll        launch (complete JIT history)
              advisor collect -- dotnet test tests/MyTests                 every .NET process of the tree, one run each
              advisor collect --pid 4242 --duration 30s                    attach (samples; decisions only for later compiles)
              advisor collect --name MyService --rotate 5m --max-disk 2GB  through a load test: a run per 5 minutes
              advisor collect --listen /tmp/advisor.sock --rotate 5m       a service started with DOTNET_DiagnosticPorts=/tmp/advisor.sock
              advisor collect --name MyService --rotate 5m --sample-duty 1s/10s   long-run mode: samples 10% of the time

            Exit code 3: the workload itself failed (its runs are still stored, with a note).
            """)
        { command, pid, name, listen, duration, rotate, maxDisk, duty, output, filter, noPgo, store };

        cmd.SetAction(async (parse, cancel) =>
        {
            var args = parse.GetValue(command) ?? [];
            int? attachPid = parse.GetValue(pid);
            var attachName = parse.GetValue(name);
            var listenPort = parse.GetValue(listen);
            int modes = (args.Length > 0 ? 1 : 0) + (attachPid is null ? 0 : 1) + (attachName is null ? 0 : 1) + (listenPort is null ? 0 : 1);
            if (modes != 1)
                return Common.Fail("give exactly one of: a command after `--`, --pid N, --name TEXT, or --listen SOCKET (see advisor collect --help)", ExitCode.Usage);
            TimeSpan? limit = null;
            if (parse.GetValue(duration) is { } d)
            {
                if (Common.ParseDuration(d) is not { } parsed) return Common.Fail($"--duration: cannot read '{d}' (use e.g. 30s, 2m, 00:01:30)", ExitCode.Usage);
                limit = parsed;
            }
            TimeSpan? every = null;
            if (parse.GetValue(rotate) is { } rt)
            {
                if (Common.ParseDuration(rt) is not { } parsed || parsed < TimeSpan.FromSeconds(1))
                    return Common.Fail($"--rotate: cannot read '{rt}' as a time of at least 1 s (use e.g. 10s, 5m)", ExitCode.Usage);
                every = parsed;
            }
            long? bound = null;
            if (parse.GetValue(maxDisk) is { } md)
            {
                if (Common.ParseSize(md) is not { } parsed) return Common.Fail($"--max-disk: cannot read '{md}' as a size (use e.g. 500MB, 2GB)", ExitCode.Usage);
                if (every is null) return Common.Fail("--max-disk needs --rotate: only whole windows whose runs are stored can be deleted", ExitCode.Usage);
                bound = parsed;
            }
            SampleDuty? sampleDuty = null;
            if (parse.GetValue(duty) is { } dt)
            {
                var parts = dt.Split('/');
                if (parts.Length != 2 || Common.ParseDuration(parts[0]) is not { } on || Common.ParseDuration(parts[1]) is not { } period || on >= period || on < TimeSpan.FromMilliseconds(200))
                    return Common.Fail($"--sample-duty: cannot read '{dt}' as ON/PERIOD with 200ms <= ON < PERIOD (use e.g. 1s/10s)", ExitCode.Usage);
                sampleDuty = new SampleDuty(on, period);
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

            var program = args.Length > 0 ? Analysis.ProgramOf(string.Join(' ', args)) : listenPort is not null ? "listen" : $"pid{attachPid}";
            var tracePath = parse.GetValue(output) ?? Path.Combine(".inline-advisor", "traces",
                $"{program}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.nettrace");
            var progress = new ProgressLine();
            var windows = every is null ? null : new WindowStore(profileStore, Path.GetDirectoryName(Path.GetFullPath(tracePath))!, bound, line =>
            {
                progress.Done();
                Console.Error.WriteLine(line);
            });
            var request = new CollectRequest
            {
                Rotate = every,
                SampleDuty = sampleDuty,
                WindowClosed = windows is null ? null : windows.Closed,
                Command = args.Length > 0 ? args : null,
                ProcessId = attachPid,
                ListenPort = listenPort,
                Duration = limit,
                TracePath = tracePath,
                ProcessFilter = parse.GetValue(filter),
                WritePgo = !parse.GetValue(noPgo),
            };

            CollectResult result;
            // Ctrl-C while collecting: stop, then analyze and store what was recorded; the trace files stay on disk.
            // It stays registered through the analysis, so a Ctrl-C that lands late still lets the run be stored.
            using var interruption = new Interruption(cancel, "storing what was collected; the trace files are kept", progress.Done);
            try
            {
                IProgress<CollectStatus> report = windows is null ? progress : new Progress(s =>
                {
                    windows.KeepWithinBound(throttled: true);
                    progress.Report(s);
                });
                result = await new Collector().RunAsync(request, report, interruption.Token);
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
            if (windows is null)
                // A program we stopped exits non-zero by our hand: only its own failure is reported.
                return Analysis.AnalyzeAndStore(result.Traces, profileStore, stoppedEarly, result.Untraced,
                    workloadExitCode: stoppedEarly ? null : result.ExitCode);
            // The windows closed so far are stored first: the last ones' JIT history needs theirs.
            await windows.Drain();
            var finalWindows = result.Traces.Where(t => t.Events > 0 || t.Bytes > 0).ToList();
            var exit = finalWindows.Count == 0 && windows.Stored > 0 ? (int)ExitCode.Ok
                : Analysis.AnalyzeAndStore(finalWindows, profileStore, stoppedEarly, result.Untraced,
                    workloadExitCode: stoppedEarly ? null : result.ExitCode, extraNotes: finalWindows.Count > 0 ? windows.NotesFor(finalWindows[0]) : null);
            if (exit == (int)ExitCode.Ok || exit == (int)ExitCode.WorkloadFailed)
                foreach (var t in finalWindows) windows.Kept(t);
            foreach (var f in windows.Failures) Console.Error.WriteLine($"advisor: not stored: {f}");
            Console.Error.WriteLine($"advisor: {windows.Stored + finalWindows.Count} window(s) stored as runs; `advisor report --aggregate` combines them" +
                (bound is { } b ? $"; trace folder {WindowStore.Format(Collector.FolderBytes(Path.GetDirectoryName(Path.GetFullPath(tracePath))!))} (--max-disk {WindowStore.Format(b)})" : ""));
            return windows.Failures.Count > 0 && exit == (int)ExitCode.Ok ? (int)ExitCode.Failed : exit;
        });
        return cmd;
    }
}

/// <summary>A single live line on stderr (elapsed, processes, events, MB), redrawn in place on a terminal.</summary>
/// <summary>A progress sink that runs on the reporting thread (System.Progress would post to the pool).</summary>
file sealed class Progress(Action<CollectStatus> report) : IProgress<CollectStatus>
{
    public void Report(CollectStatus value) => report(value);
}

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
        var text = s.Window == 0
            ? string.Format(CultureInfo.InvariantCulture, "collecting: {0:0.0} s · {1} process(es) · {2:N0} events · {3:0.0} MB · Ctrl-C stops and keeps the data",
                s.Elapsed.TotalSeconds, s.Processes, s.Events, s.Bytes / 1048576.0)
            : string.Format(CultureInfo.InvariantCulture, "collecting: {0:0.0} s · {1} process(es) · window {2}: {3:0.0} MB · disk {4:0.0} MB · Ctrl-C stops and keeps the data",
                s.Elapsed.TotalSeconds, s.Processes, s.Window, s.Bytes / 1048576.0, s.DiskBytes / 1048576.0);
        if (_interactive) { Console.Error.Write("\r" + text.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 110) : 110)); _drawn = true; }
        else Console.Error.WriteLine(text);
    }

    public void Done()
    {
        if (_drawn) Console.Error.WriteLine();
        _drawn = false;
    }
}
