// What every feature handler shares: the connection, the client's settings and capabilities, the workspace root, the
// open documents and the store snapshot (loaded once per change, polled for other processes' collects).
using System.Diagnostics;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.LanguageServer.Protocol;
using InlineAdvisor.Store;

namespace InlineAdvisor.LanguageServer;

internal sealed class ServerContext(LspRpc rpc, TextWriter log, string? storeArgument, AdvisorLauncher launcher)
{
    public LspRpc Rpc { get; } = rpc;
    public TextWriter ErrorLog { get; } = log;
    public AdvisorLauncher Launcher { get; } = launcher;
    public Documents Documents { get; } = new();
    /// <summary>Cancelled when the connection ends: long jobs and the poll loop stop with it.</summary>
    public CancellationTokenSource Life { get; } = new();

    public volatile ServerSettings Settings = new();
    public volatile StoreSnapshot Store = new(storeArgument ?? "", false, null, "not initialized", null);
    public string? Root;
    public bool Initialized, ShutDown, ClientProgress, ClientRefresh;
    /// <summary>The first store load runs off the request thread from initialize on; requests that need the store wait for it.</summary>
    public Task Loaded = Task.CompletedTask;
    readonly object _reloadGate = new();

    /// <summary>--store, else the storePath setting, else INLINE_ADVISOR_STORE, else the CLI's default; a file path relative
    /// to the workspace root, a postgresql:// URI as it is.</summary>
    public string StorePath() => storeArgument ?? (Settings.StorePath ?? ProfileStore.DefaultLocation()) switch
    {
        var server when ProfileStore.IsServer(server) => server,
        var file => FromRoot(file),
    };

    /// <summary>The appDir setting, relative to the workspace root; null when unset.</summary>
    public string? AppDirPath(ServerSettings settings) => settings.AppDir is { } dir ? FromRoot(dir) : null;

    /// <summary>A path from a setting or a command argument: absolute as given, else relative to the workspace root.</summary>
    public string FromRoot(string path) => Path.GetFullPath(Path.Combine(Root ?? Environment.CurrentDirectory, path));

    /// <summary>An informational line for the client's log (window/logMessage, type Log: its output channel). stderr is
    /// kept for failures: clients show everything a server writes there as an error.</summary>
    public void Log(string message) => _ = Rpc.Notify(Methods.LogMessage, new LogMessageParams(MessageType.Log, "advisor lsp: " + message));

    /// <summary>Re-reads the store and re-indexes (once per change, never per request).</summary>
    public StoreSnapshot ReloadStore()
    {
        lock (_reloadGate)
        {
            var sw = Stopwatch.StartNew();
            // Sites under 0.1% of samples are not indexed (no lens shows them) unless the setting asks for lower.
            var settings = Settings;
            Store = StoreSnapshot.Load(StorePath(), Math.Min(0.001, settings.MinCpuPercent / 100),
                (profile, experimentsFor) => SitePredictions.Compute(profile, experimentsFor, AppDirPath(settings), settings.MinCpuPercent / 100));
            Log($"store {ProfileStore.Display(Store.Path)}: {(Store.Index is { } i ? $"run {i.Run.Id}, {i.SiteCount} sites, {i.ExperimentCount} experiments" : Store.Message)} ({sw.ElapsedMilliseconds} ms)" +
                (Store.Index?.PredictionNote is { } note ? $"; {note}" : ""));
            return Store;
        }
    }

    /// <summary>The first load, from initialize on. Never a faulted task: every later request awaits it.</summary>
    public void StartLoading() => Loaded = Task.Run(() =>
    {
        try { ReloadStore(); }
        catch (Exception e)
        {
            ErrorLog.WriteLine($"advisor lsp: loading the store failed: {e}");
            Store = new StoreSnapshot(StorePath(), ProfileStore.Exists(StorePath()), null, $"cannot read {ProfileStore.Display(StorePath())}: {e.Message.Split('\n')[0]}", null);
        }
    });

    /// <summary>Watches the store for another process's collect or experiment.</summary>
    public async Task PollStore(TimeSpan interval)
    {
        while (!Life.IsCancellationRequested)
        {
            await Task.Delay(interval, Life.Token);
            if (!Initialized) continue;
            await Loaded;
            var current = Store;
            var stamp = StoreSnapshot.ReadStamp(current.Path);
            bool exists = ProfileStore.Exists(current.Path);
            if (stamp == current.Stamp && exists == current.Exists && (stamp is not null || current.Index is null)) continue;
            await AnnounceStore(ReloadStore());
        }
    }

    /// <summary>Tells the client the store changed (status bar, heat) and asks it to fetch lenses again.</summary>
    public async Task AnnounceStore(StoreSnapshot snapshot)
    {
        await Rpc.Notify(InlineAdvisorMethods.StoreChanged, new StoreChanged(snapshot.Index?.Run.Id, snapshot.Index?.ExperimentCount ?? 0));
        await RefreshLenses();
    }

    public async Task RefreshLenses()
    {
        if (!ClientRefresh) return;
        try { await Rpc.RequestAsync(Methods.CodeLensRefresh, null, Life.Token); }
        catch (Exception e) when (e is RpcException or OperationCanceledException or StreamJsonRpc.ConnectionLostException or ObjectDisposedException) { }
    }

    /// <summary>The document (open, else read from disk) and its anchors against the current index.</summary>
    public (OpenDocument Doc, ProfileIndex? Index, DocumentAnchors Anchors) Anchored(TextDocumentIdentifier? id)
    {
        var doc = Documents.Get(id?.Uri ?? throw new RpcException(ErrorCodes.InvalidParams, "textDocument.uri is missing"));
        var (index, anchors) = doc.Anchors(Store.Index);
        return (doc, index, anchors);
    }

    /// <summary>The site on this line nearest the character, else the method whose name is on it.</summary>
    public static (AnchoredSite? Site, AnchoredMethod? Method) At(DocumentAnchors anchors, Microsoft.CodeAnalysis.Text.LinePosition pos)
    {
        var site = anchors.Sites.Where(s => s.Position.Line == pos.Line).MinBy(s => Math.Abs(s.Position.Character - pos.Character));
        var method = site is null ? anchors.Methods.FirstOrDefault(m => m.Declaration.NameStart.Line == pos.Line) : null;
        return (site, method);
    }
}
