// workspace/executeCommand: collect, experiment, export and report run as `advisor <verb>` children (ChildProcess),
// with work-done progress ($/progress, server-created when the client gave no token) and cancellation from either
// side ($/cancelRequest or window/workDoneProgress/cancel).
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.LanguageServer.Protocol;
using InlineAdvisor.Report;
using InlineAdvisor.Store;

namespace InlineAdvisor.LanguageServer.Handlers;

internal sealed class CommandHandler(ServerContext server)
{
    // Running jobs by progress token (its raw JSON: a token is a string or a number).
    readonly ConcurrentDictionary<string, CancellationTokenSource> _progress = new();

    public void Register(LspRpc rpc)
    {
        rpc.OnRequest<ExecuteCommandParams, object>(Methods.ExecuteCommand, async (p, ct) => { await server.Loaded.WaitAsync(ct); return await Execute(p, ct); });
        rpc.OnNotification<WorkDoneProgressCancelParams>(Methods.WorkDoneProgressCancel, p =>
        {
            if (p?.Token is { } t && _progress.TryGetValue(t.GetRawText(), out var cts)) cts.Cancel();
        });
    }

    /// <summary>Stops every running job (the connection ended).</summary>
    public void CancelAll()
    {
        foreach (var p in _progress.Values) p.Cancel();
    }

    async Task<object> Execute(ExecuteCommandParams? p, CancellationToken ct)
    {
        if (p is null) throw new RpcException(ErrorCodes.InvalidParams, "workspace/executeCommand needs a command");
        var arg = p.Arguments is [var first, ..] ? first : default;
        return p.Command switch
        {
            ServerCommands.Collect => await WithProgress("Collecting a profile", p.WorkDoneToken, ct, (report, c) => Collect(Argument<CollectArguments>(arg), report, c)),
            ServerCommands.Experiment => await WithProgress("Running an experiment", p.WorkDoneToken, ct, (report, c) => Experiment(Argument<ExperimentArguments>(arg), report, c)),
            ServerCommands.Export => await WithProgress("Exporting recommendations", p.WorkDoneToken, ct, (report, c) => Export(Argument<ExportArguments>(arg), report, c)),
            ServerCommands.Report => await Report(ct),
            ServerCommands.ReportHtml => ReportHtml(),
            null => throw new RpcException(ErrorCodes.InvalidParams, "workspace/executeCommand needs a command"),
            _ => throw new RpcException(ErrorCodes.InvalidParams, $"unknown command {p.Command}"),
        };
    }

    /// <summary>arguments[0] as the command's argument record; absent → all fields unset.</summary>
    static T Argument<T>(JsonElement arg) where T : class
    {
        if (arg.ValueKind != JsonValueKind.Object) return JsonSerializer.Deserialize<T>("{}", LspRpc.Json)!;
        try { return arg.Deserialize<T>(LspRpc.Json)!; }
        catch (JsonException e) { throw new RpcException(ErrorCodes.InvalidParams, $"bad command argument: {e.Message.Split('\n')[0]}"); }
    }

    /// <summary>Runs a job with work-done progress when the client supports it; cancellable from either side.</summary>
    async Task<T> WithProgress<T>(string title, JsonElement? clientToken, CancellationToken ct, Func<Action<string>, CancellationToken, Task<T>> job)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, server.Life.Token);
        JsonElement? token = clientToken is { ValueKind: JsonValueKind.String or JsonValueKind.Number } given ? given : null;
        if (token is null && server.ClientProgress)
        {
            token = JsonSerializer.SerializeToElement($"inline-advisor-{Guid.NewGuid():N}");
            try { await server.Rpc.RequestAsync(Methods.WorkDoneProgressCreate, new WorkDoneProgressCreateParams(token.Value), cts.Token); }
            catch (RpcException) { token = null; }
        }
        if (token is { } begun)
        {
            _progress[begun.GetRawText()] = cts;
            await server.Rpc.Notify(Methods.Progress, new ProgressParams<WorkDoneProgressBegin>(begun, new(title, Cancellable: true)));
        }
        var last = Stopwatch.StartNew();
        void Report(string line)
        {
            server.Log(line);
            if (token is not { } t || last.ElapsedMilliseconds < 200) return;   // a progress line per 200 ms is plenty for a status bar
            last.Restart();
            _ = server.Rpc.Notify(Methods.Progress, new ProgressParams<WorkDoneProgressReport>(t, new(line)));
        }
        try
        {
            return await job(Report, cts.Token);
        }
        finally
        {
            if (token is { } ended)
            {
                _progress.TryRemove(ended.GetRawText(), out _);
                await server.Rpc.Notify(Methods.Progress, new ProgressParams<WorkDoneProgressEnd>(ended, new()));
            }
        }
    }

    List<string> Workload(string? command)
    {
        var line = command ?? server.Settings.WorkloadCommand
            ?? throw new RpcException(ErrorCodes.RequestFailed, "no workload command: set inlineAdvisor.workload.command (the command line that runs your program)");
        var args = ChildProcess.SplitCommandLine(line);
        if (args.Count == 0) throw new RpcException(ErrorCodes.RequestFailed, "the workload command is empty");
        return args;
    }

    async Task<ChildResult> Advisor(IEnumerable<string> args, string? cwd, Action<string> report, CancellationToken ct)
    {
        var result = await ChildProcess.RunAsync(server.Launcher, args.ToList(), cwd ?? server.Root, report, ct);
        if (result.ExitCode != 0)
        {
            // The advisor's own one-line error (stderr), else whatever it printed last.
            var why = LastLine(result.Stderr) ?? LastLine(result.Stdout) ?? $"exit code {result.ExitCode}";
            throw new RpcException(ErrorCodes.RequestFailed, why);
        }
        return result;
    }

    static string Last(ChildResult r) => LastLine(r.Stderr + "\n" + r.Stdout) ?? "";

    static string? LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    async Task<CollectResult> Collect(CollectArguments arg, Action<string> report, CancellationToken ct)
    {
        var store = server.StorePath();
        var before = StoreSnapshot.ReadStamp(store)?.LatestRunId ?? 0;
        var result = await Advisor(["collect", "--store", store, "--", .. Workload(arg.Command)], arg.Cwd, report, ct);
        var snapshot = server.ReloadStore();
        var runIds = new List<long>();
        if (ProfileStore.Exists(store))
        {
            using var s = ProfileStore.Open(store, TimeSpan.FromSeconds(2));
            runIds = s.ListRuns().Where(r => r.Id > before).Select(r => r.Id).Order().ToList();
        }
        await server.AnnounceStore(snapshot);
        return new CollectResult(runIds, runIds.Count == 0 ? "no run was stored: " + Last(result) : $"stored run{(runIds.Count == 1 ? "" : "s")} {string.Join(", ", runIds)}");
    }

    async Task<ExperimentResult> Experiment(ExperimentArguments arg, Action<string> report, CancellationToken ct)
    {
        var appDir = server.AppDirPath(server.Settings) ?? throw new RpcException(ErrorCodes.RequestFailed, "no application folder: set inlineAdvisor.workload.appDir (the folder of the built assemblies)");
        if (arg is not { Uri: { } uri, Line: { } line, Character: { } character })
            throw new RpcException(ErrorCodes.InvalidParams, "experiment needs { uri, line, character }");
        var (_, index, anchors) = server.Anchored(new TextDocumentIdentifier(uri));
        if (index is null) throw new RpcException(ErrorCodes.RequestFailed, server.Store.Message ?? "no profile");
        var site = ServerContext.At(anchors, new(line, character)).Site ?? throw new RpcException(ErrorCodes.RequestFailed, "no profiled call site at this position");
        if (site.Entry.Site.Id <= 0) throw new RpcException(ErrorCodes.RequestFailed, "this site has no number in the stored run");
        var storePath = server.StorePath();
        var args = new List<string> { "experiment", "--store", storePath, "--run", index.Run.Id.ToString(), "--site", site.Entry.Site.Id.ToString(), "--app", appDir };
        if (arg.Action is { } action) args.AddRange(["--action", action]);
        var beforeExperiments = StoreSnapshot.ReadStamp(storePath)?.LatestExperimentId ?? 0;
        var result = await Advisor([.. args, "--", .. Workload(null)], null, report, ct);
        var snapshot = server.ReloadStore();
        long? id = snapshot.Stamp?.LatestExperimentId is { } latest && latest > beforeExperiments ? latest : null;
        await server.AnnounceStore(snapshot);
        // The verdict in the report's words, not whatever line the child printed last.
        var summary = Last(result);
        if (id is { } stored)
        {
            using var s = ProfileStore.Open(storePath, TimeSpan.FromSeconds(2));
            if (s.LoadExperiment(stored) is { } x) summary = ReportBuilder.DescribeEvidence(x);
        }
        return new ExperimentResult(id, summary);
    }

    async Task<ExportResult> Export(ExportArguments arg, Action<string> report, CancellationToken ct)
    {
        var output = server.FromRoot(arg.Output ?? "inline-advice.json");
        await Advisor(["export", "--store", server.StorePath(), "--output", output], null, report, ct);
        int count = 0;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(output));
            if (json.RootElement.TryGetProperty("recommendations", out var r) && r.ValueKind == JsonValueKind.Array) count = r.GetArrayLength();
        }
        catch (Exception e) when (e is IOException or JsonException) { }
        return new ExportResult(output, count);
    }

    /// <summary>The HTML page of the store snapshot the lenses show (its run, experiments and screens), drawn by the same
    /// renderer as `advisor report --html`; advice and calibration when the app folder setting is there.</summary>
    ReportHtmlResult ReportHtml()
    {
        var index = server.Store.Index ?? throw new RpcException(ErrorCodes.RequestFailed, server.Store.Message ?? "no profile in the store yet");
        var input = HtmlReport.Input(index.Profile, index.Experiments, index.Screens, server.AppDirPath(server.Settings), null,
            "set inlineAdvisor.workload.appDir to the folder of the built assemblies") with
        {
            Notes = ["the editor's snapshot: only sites with a source line and at least the lenses' floor of samples are loaded; `advisor report --html` has every site"],
        };
        return new ReportHtmlResult(HtmlReport.Render(input));
    }

    async Task<ReportResult> Report(CancellationToken ct)
    {
        var result = await Advisor(["report", "--store", server.StorePath()], null, _ => { }, ct);
        return new ReportResult(result.Stdout);
    }
}
