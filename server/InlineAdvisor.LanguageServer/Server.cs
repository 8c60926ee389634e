// The language server: LSP lifecycle, documents, lenses, hover, code actions, commands and store watching, over one
// Connection. The protocol stops here: everything below speaks the report's own records.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.Store;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.LanguageServer;

/// <summary>Settings from initializationOptions and workspace/didChangeConfiguration (settings.inlineAdvisor).</summary>
public sealed record ServerSettings(string? StorePath = null, double MinCpuPercent = 1.0, bool LensesEnabled = true, string? WorkloadCommand = null, string? AppDir = null)
{
    public ServerSettings With(JsonElement e)
    {
        var s = this;
        if (e.ValueKind != JsonValueKind.Object) return s;
        if (e.TryGetProperty("storePath", out var p) && p.ValueKind == JsonValueKind.String) s = s with { StorePath = p.GetString() is { Length: > 0 } v ? v : null };
        if (e.TryGetProperty("minCpuPercent", out var m) && m.TryGetDouble(out var d)) s = s with { MinCpuPercent = d };
        if (e.TryGetProperty("lensesEnabled", out var l) && l.ValueKind is JsonValueKind.True or JsonValueKind.False) s = s with { LensesEnabled = l.GetBoolean() };
        if (e.TryGetProperty("workloadCommand", out var w) && w.ValueKind == JsonValueKind.String) s = s with { WorkloadCommand = w.GetString() is { Length: > 0 } v ? v : null };
        if (e.TryGetProperty("appDir", out var a) && a.ValueKind == JsonValueKind.String) s = s with { AppDir = a.GetString() is { Length: > 0 } v ? v : null };
        return s;
    }
}

public sealed class Server
{
    public const string CollectCommand = "inlineAdvisor.server.collect";
    public const string ExperimentCommand = "inlineAdvisor.server.experiment";
    public const string ExportCommand = "inlineAdvisor.server.export";
    public const string ReportCommand = "inlineAdvisor.server.report";

    sealed class OpenDocument
    {
        public string Uri { get; }
        public string Path { get; }
        public string Text { get; }
        public int Version { get; }
        // Anchors of this text against one index; recomputed when either changes.
        public (ProfileIndex? Index, DocumentAnchors Anchors)? Cached;
        // The lens set for (index, settings), its response encoded once: a repeated codeLens request is a lookup.
        public LensSet? Lenses;
        // The Roslyn parse, once per text (version); from the last parsed text by an incremental re-parse of the
        // changed span (full sync sends the whole text, the diff is found by common prefix and suffix).
        readonly Lazy<(SyntaxTree Tree, IReadOnlyList<DeclaredMethod> Declarations)> _parsed;

        public OpenDocument(string uri, string path, string text, int version, OpenDocument? before = null)
        {
            Uri = uri; Path = path; Text = text; Version = version;
            // Only a tree already built is kept as the base (never a chain of unparsed texts while the user types).
            var baseTree = before is null ? null : before._parsed.IsValueCreated ? before._parsed.Value.Tree : before._baseTree;
            _baseTree = baseTree;
            _parsed = new(() =>
            {
                var tree = baseTree is null ? SourceAnchors.ParseText(text, path) : SourceAnchors.Reparse(baseTree, text);
                return (tree, SourceAnchors.Declarations(tree));
            });
        }

        readonly SyntaxTree? _baseTree;
        public IReadOnlyList<DeclaredMethod> Declarations => _parsed.Value.Declarations;
        public bool Parsed => _parsed.IsValueCreated;
    }

    /// <summary>One computed set of lenses (document text × index × settings). codeLens answers with ranges and a data
    /// key [set id, item]; codeLens/resolve renders the title of only the lenses the editor shows.</summary>
    sealed class LensSet(long id, string uri, ProfileIndex index, ServerSettings settings, List<LensItem> items)
    {
        public long Id { get; } = id;
        public string Uri { get; } = uri;
        public ProfileIndex Index { get; } = index;
        public ServerSettings Settings { get; } = settings;
        public List<LensItem> Items { get; } = items;
        public RawJson? Encoded;
    }

    sealed record LensItem(LinePosition At, AnchoredMethod? Method, int MethodSites, AnchoredSite? Site)
    {
        public string Title => Method is not null ? LensText.Method(Method, MethodSites) : LensText.Site(Site!.Entry);
    }

    readonly Connection _rpc;
    readonly TextWriter _log;
    readonly string? _storeArgument;
    readonly AdvisorLauncher _launcher;
    readonly ConcurrentDictionary<string, OpenDocument> _docs = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, CancellationTokenSource> _progress = new();
    // Lens sets a resolve may still ask about: per document the current and the previous one.
    readonly Dictionary<long, LensSet> _lensSets = [];
    readonly Dictionary<string, (LensSet Current, LensSet? Previous)> _lensByUri = new(StringComparer.Ordinal);
    readonly object _lensGate = new();
    long _lensSetIds;
    // The first store load runs off the request thread from initialize on; requests that need the store wait for it.
    Task _loaded = Task.CompletedTask;
    readonly CancellationTokenSource _life = new();
    volatile StoreSnapshot _store;
    volatile ServerSettings _settings = new();
    readonly object _reloadGate = new();
    string? _root;
    bool _initialized, _shutdown, _clientProgress, _clientRefresh;

    /// <summary>How often the store is checked for another process's collect or experiment.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(1500);

    public Server(Stream input, Stream output, TextWriter log, string? storePath = null, AdvisorLauncher? launcher = null)
    {
        _rpc = new Connection(input, output, log);
        _log = log;
        _storeArgument = storePath is null ? null : System.IO.Path.GetFullPath(storePath);
        _launcher = launcher ?? AdvisorLauncher.Current();
        _store = new StoreSnapshot(_storeArgument ?? "", false, null, "not initialized", null);
        _rpc.Gate = method => method switch
        {
            "initialize" when _initialized => new RpcException(ErrorCodes.InvalidRequest, "initialize was already received"),
            "initialize" => null,
            _ when _shutdown => new RpcException(ErrorCodes.InvalidRequest, "the server is shutting down"),
            _ when !_initialized => new RpcException(ErrorCodes.ServerNotInitialized, "the server is not initialized yet"),
            _ => null,
        };
        Register();
    }

    /// <summary>Serves until `exit` or the end of input. 0 after shutdown + exit, 1 otherwise (LSP spec).</summary>
    public async Task<int> RunAsync()
    {
        var poll = Task.Run(PollLoop);
        await _rpc.RunAsync();
        _life.Cancel();
        foreach (var p in _progress.Values) p.Cancel();
        try { await poll; } catch (OperationCanceledException) { }
        return _shutdown ? 0 : 1;
    }

    void Register()
    {
        _rpc.OnRequest("initialize", (p, ct) => Task.FromResult<object?>(Initialize(p)));
        _rpc.OnNotification("initialized", _ => { });
        _rpc.OnRequest("shutdown", (p, ct) => { _shutdown = true; return Task.FromResult<object?>(null); });
        _rpc.OnNotification("exit", _ => _rpc.Stop());
        _rpc.OnNotification("textDocument/didOpen", p => Open(p));
        _rpc.OnNotification("textDocument/didChange", p => Change(p));
        _rpc.OnNotification("textDocument/didClose", p => { if (Uri(p) is { } u) { _docs.TryRemove(u, out _); Forget(u); } });
        _rpc.OnNotification("textDocument/didSave", _ => { });
        _rpc.OnNotification("workspace/didChangeConfiguration", p => Configure(p));
        _rpc.OnNotification("window/workDoneProgress/cancel", p =>
        {
            if (p is { } e && e.TryGetProperty("token", out var t) && _progress.TryGetValue(t.ToString(), out var cts)) cts.Cancel();
        });
        _rpc.OnRequest("textDocument/codeLens", async (p, ct) => { await _loaded.WaitAsync(ct); return CodeLenses(p); });
        _rpc.OnRequest("codeLens/resolve", (p, ct) => Task.FromResult<object?>(ResolveLens(p)));
        _rpc.OnRequest("textDocument/hover", async (p, ct) => { await _loaded.WaitAsync(ct); return Hover(p); });
        _rpc.OnRequest("textDocument/codeAction", async (p, ct) => { await _loaded.WaitAsync(ct); return CodeActions(p, ct); });
        _rpc.OnRequest("workspace/executeCommand", async (p, ct) => { await _loaded.WaitAsync(ct); return await ExecuteCommand(p, ct); });
        _rpc.OnRequest("inlineAdvisor/status", async (p, ct) => { await _loaded.WaitAsync(ct); return Status(); });
        _rpc.OnRequest("inlineAdvisor/heat", async (p, ct) => { await _loaded.WaitAsync(ct); return Heat(p); });
    }

    // ---- lifecycle -------------------------------------------------------------------------------------------------

    object Initialize(JsonElement? p)
    {
        var e = p ?? default;
        if (e.ValueKind == JsonValueKind.Object)
        {
            if (e.TryGetProperty("rootUri", out var ru) && ru.ValueKind == JsonValueKind.String) _root = PathOf(ru.GetString()!);
            else if (e.TryGetProperty("rootPath", out var rp) && rp.ValueKind == JsonValueKind.String) _root = rp.GetString();
            if (_root is null && e.TryGetProperty("workspaceFolders", out var wf) && wf.ValueKind == JsonValueKind.Array && wf.GetArrayLength() > 0
                && wf[0].TryGetProperty("uri", out var fu)) _root = PathOf(fu.GetString()!);
            if (e.TryGetProperty("initializationOptions", out var io)) _settings = _settings.With(io);
            if (e.TryGetProperty("capabilities", out var caps))
            {
                _clientProgress = caps.TryGetProperty("window", out var w) && w.TryGetProperty("workDoneProgress", out var wd) && wd.ValueKind == JsonValueKind.True;
                _clientRefresh = caps.TryGetProperty("workspace", out var ws) && ws.TryGetProperty("codeLens", out var cl)
                    && cl.TryGetProperty("refreshSupport", out var rs) && rs.ValueKind == JsonValueKind.True;
            }
        }
        _initialized = true;
        // The answer to initialize does not wait for the store: the client opens its documents (parsed meanwhile, on
        // the other core) while the index loads; the first codeLens waits for both.
        _loaded = Task.Run(() =>
        {
            // Never a faulted task: every later request awaits it. An unexpected failure is a status message instead.
            try { ReloadStore(); }
            catch (Exception e)
            {
                _log.WriteLine($"advisor lsp: loading the store failed: {e}");
                _store = new StoreSnapshot(StorePath(), File.Exists(StorePath()), null, $"cannot read {StorePath()}: {e.Message.Split('\n')[0]}", null);
            }
        });
        return new
        {
            capabilities = new
            {
                textDocumentSync = new { openClose = true, change = 1 },
                codeLensProvider = new { resolveProvider = true },
                hoverProvider = true,
                codeActionProvider = new { codeActionKinds = new[] { "quickfix", "refactor.rewrite" } },
                executeCommandProvider = new { commands = new[] { CollectCommand, ExperimentCommand, ExportCommand, ReportCommand } },
            },
            serverInfo = new { name = "inline-advisor", version = typeof(Server).Assembly.GetName().Version?.ToString() ?? "0" },
        };
    }

    void Configure(JsonElement? p)
    {
        if (p is not { ValueKind: JsonValueKind.Object } e || !e.TryGetProperty("settings", out var s)) return;
        if (s.ValueKind == JsonValueKind.Object && s.TryGetProperty("inlineAdvisor", out var ia)) s = ia;
        var before = (StorePath(), _settings.AppDir, _settings.MinCpuPercent);
        _settings = _settings.With(s);
        // The index holds the predictions, which depend on the app folder and the bound threshold.
        if ((StorePath(), _settings.AppDir, _settings.MinCpuPercent) != before) ReloadStore();
        _ = RefreshLenses();
    }

    /// <summary>--store, else the storePath setting (relative to the workspace root), else the CLI's default under the root.</summary>
    public string StorePath() => _storeArgument ?? FromRoot(_settings.StorePath ?? ProfileStore.DefaultPath);

    /// <summary>The appDir setting, relative to the workspace root; null when unset.</summary>
    string? AppDirPath(ServerSettings settings) => settings.AppDir is { } dir ? FromRoot(dir) : null;

    /// <summary>A path from a setting or a command argument: absolute as given, else relative to the workspace root.</summary>
    string FromRoot(string path) => System.IO.Path.GetFullPath(System.IO.Path.Combine(_root ?? Environment.CurrentDirectory, path));

    /// <summary>Tells the client the store changed (status bar, heat) and asks it to fetch lenses again.</summary>
    async Task AnnounceStore(StoreSnapshot snapshot)
    {
        await _rpc.NotifyAsync("inlineAdvisor/storeChanged", new { runId = snapshot.Index?.Run.Id, experiments = snapshot.Index?.ExperimentCount ?? 0 });
        await RefreshLenses();
    }

    /// <summary>An informational line for the client's log (window/logMessage, type Log: its output channel). stderr is
    /// kept for failures: clients show everything a server writes there as an error.</summary>
    void Log(string message) => _ = _rpc.NotifyAsync("window/logMessage", new { type = 4, message = "advisor lsp: " + message });

    // ---- store -----------------------------------------------------------------------------------------------------

    /// <summary>Re-reads the store and re-indexes (once per change, never per request).</summary>
    StoreSnapshot ReloadStore()
    {
        lock (_reloadGate)
        {
            var sw = Stopwatch.StartNew();
            // Sites under 0.1% of samples are not indexed (no lens shows them) unless the setting asks for lower.
            var settings = _settings;
            _store = StoreSnapshot.Load(StorePath(), Math.Min(0.001, settings.MinCpuPercent / 100),
                (profile, experimentsFor) => SitePredictions.Compute(profile, experimentsFor, AppDirPath(settings), settings.MinCpuPercent / 100));
            Log($"store {_store.Path}: {(_store.Index is { } i ? $"run {i.Run.Id}, {i.SiteCount} sites, {i.ExperimentCount} experiments" : _store.Message)} ({sw.ElapsedMilliseconds} ms)" +
                (_store.Index?.PredictionNote is { } note ? $"; {note}" : ""));
            return _store;
        }
    }

    async Task PollLoop()
    {
        while (!_life.IsCancellationRequested)
        {
            await Task.Delay(PollInterval, _life.Token);
            if (!_initialized) continue;
            await _loaded;
            var current = _store;
            var stamp = StoreSnapshot.ReadStamp(current.Path);
            bool exists = File.Exists(current.Path);
            if (stamp == current.Stamp && exists == current.Exists && (stamp is not null || current.Index is null)) continue;
            await AnnounceStore(ReloadStore());
        }
    }

    async Task RefreshLenses()
    {
        if (!_clientRefresh) return;
        try { await _rpc.RequestAsync("workspace/codeLens/refresh", null, _life.Token); }
        catch (Exception e) when (e is RpcException or OperationCanceledException) { }
    }

    object Status()
    {
        var s = _store;
        return new
        {
            storePath = s.Path,
            storeExists = s.Exists,
            runId = s.Index?.Run.Id,
            program = s.Index?.Run.Program,
            collectedUtc = s.Index is { } i ? i.Run.StartedUtc.ToUniversalTime().ToString("o") : null,
            experiments = s.Index?.ExperimentCount ?? 0,
            message = s.Message,
        };
    }

    // ---- documents -------------------------------------------------------------------------------------------------

    static string? Uri(JsonElement? p) =>
        p is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("textDocument", out var td) && td.TryGetProperty("uri", out var u) ? u.GetString() : null;

    static string PathOf(string uri) =>
        System.Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.IsFile ? u.LocalPath : uri;

    void Open(JsonElement? p)
    {
        if (p is not { } e || !e.TryGetProperty("textDocument", out var td)) return;
        var uri = td.GetProperty("uri").GetString()!;
        var doc = new OpenDocument(uri, PathOf(uri), td.GetProperty("text").GetString() ?? "", td.TryGetProperty("version", out var v) && v.TryGetInt32(out var vi) ? vi : 0);
        _docs[uri] = doc;
        // Parse now, off the reader thread: the first codeLens follows right away and would otherwise wait for it.
        _ = Task.Run(() =>
        {
            var sw = Stopwatch.StartNew();
            Log($"parsed {doc.Path}: {doc.Declarations.Count} methods ({sw.ElapsedMilliseconds} ms)");
        });
    }

    void Change(JsonElement? p)
    {
        if (p is not { } e || Uri(p) is not { } uri || !e.TryGetProperty("contentChanges", out var changes) || changes.GetArrayLength() == 0) return;
        var td = e.GetProperty("textDocument");
        // Full sync: the last change holds the whole text.
        var text = changes[changes.GetArrayLength() - 1].GetProperty("text").GetString() ?? "";
        int version = td.TryGetProperty("version", out var v) && v.TryGetInt32(out var vi) ? vi : 0;
        _docs.TryGetValue(uri, out var before);
        // Same version and text (a client re-sending): keep the parse, anchors and lenses.
        if (before is not null && before.Version == version && before.Text == text) return;
        _docs[uri] = new OpenDocument(uri, PathOf(uri), text, version, before);
    }

    OpenDocument Document(JsonElement? p) => Document(Uri(p) ?? throw new RpcException(ErrorCodes.InvalidParams, "textDocument.uri is missing"));

    OpenDocument Document(string uri)
    {
        if (_docs.TryGetValue(uri, out var doc)) return doc;
        // Not open: read it from disk (a client may ask about files it has not opened).
        var path = PathOf(uri);
        try { return new OpenDocument(uri, path, File.ReadAllText(path), -1); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new RpcException(ErrorCodes.InvalidParams, $"document {uri} is neither open nor readable");
        }
    }

    /// <summary>The document's anchors against the current index, computed once per (text, index).</summary>
    (ProfileIndex? Index, DocumentAnchors Anchors) Anchors(OpenDocument doc)
    {
        var index = _store.Index;
        var cached = doc.Cached;
        if (cached is { } c && ReferenceEquals(c.Index, index)) return c;
        DocumentAnchors anchors;
        if (index is null) anchors = new DocumentAnchors([], [], []);
        else
        {
            var sites = index.SitesFor(doc.Path);
            var declarations = doc.Declarations;
            anchors = SourceAnchors.Anchor(declarations, sites, index);
        }
        var result = (index, anchors);
        doc.Cached = result;
        return result;
    }

    bool Shown(double share) => share * 100 >= _settings.MinCpuPercent;

    // ---- lenses, hover, heat ----------------------------------------------------------------------------------------

    object CodeLenses(JsonElement? p)
    {
        var doc = Document(p);
        var settings = _settings;
        if (!settings.LensesEnabled) return Array.Empty<object>();
        var (index, anchors) = Anchors(doc);
        if (index is null) return Array.Empty<object>();
        if (doc.Lenses is { Encoded: { } cached } same && ReferenceEquals(same.Index, index) && same.Settings == settings) return cached;
        var set = new LensSet(Interlocked.Increment(ref _lensSetIds), doc.Uri, index, settings, ComputeLenses(anchors));
        set.Encoded = Encode(set);
        Remember(set);
        doc.Lenses = set;
        return set.Encoded;
    }

    List<LensItem> ComputeLenses(DocumentAnchors anchors)
    {
        var items = new List<LensItem>();
        var sitesPerCaller = anchors.Sites.GroupBy(s => s.Entry.Site.Caller).ToDictionary(g => g.Key, g => g.Count());
        foreach (var m in anchors.Methods)
        {
            if (!Shown(m.Entry.InclusiveShare)) continue;
            items.Add(new LensItem(m.Declaration.NameStart, m, sitesPerCaller.GetValueOrDefault(m.Entry.Profile.Method), null));
        }
        foreach (var s in anchors.Sites)
            if (Shown(s.Entry.Row.Bound)) items.Add(new LensItem(s.Position, null, 0, s));
        return items;
    }

    /// <summary>The codeLens answer, unresolved: a zero-width range and data [set id, item] per lens (no titles).</summary>
    static RawJson Encode(LensSet set)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(set.Items.Count * 96 + 16);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            for (int i = 0; i < set.Items.Count; i++)
            {
                var at = set.Items[i].At;
                w.WriteStartObject();
                w.WriteStartObject("range");
                w.WriteStartObject("start"); w.WriteNumber("line", at.Line); w.WriteNumber("character", at.Character); w.WriteEndObject();
                w.WriteStartObject("end"); w.WriteNumber("line", at.Line); w.WriteNumber("character", at.Character); w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartArray("data"); w.WriteNumberValue(set.Id); w.WriteNumberValue(i); w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return new RawJson(buffer.WrittenSpan.ToArray());
    }

    void Remember(LensSet set)
    {
        lock (_lensGate)
        {
            LensSet? previous = null;
            if (_lensByUri.TryGetValue(set.Uri, out var pair))
            {
                if (pair.Previous is { } old) _lensSets.Remove(old.Id);
                previous = pair.Current;
            }
            _lensByUri[set.Uri] = (set, previous);
            _lensSets[set.Id] = set;
        }
    }

    void Forget(string uri)
    {
        lock (_lensGate)
        {
            if (!_lensByUri.Remove(uri, out var pair)) return;
            _lensSets.Remove(pair.Current.Id);
            if (pair.Previous is { } old) _lensSets.Remove(old.Id);
        }
    }

    static object Range(LinePosition a, LinePosition b) => new { start = new { line = a.Line, character = a.Character }, end = new { line = b.Line, character = b.Character } };

    /// <summary>Renders one lens's title (the editor resolves only the lenses in view). A lens of a set that was replaced
    /// twice since (the text or the profile changed) answers ContentModified: the editor asks for lenses again.</summary>
    object ResolveLens(JsonElement? p)
    {
        if (p is not { ValueKind: JsonValueKind.Object } lens || !lens.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array
            || data.GetArrayLength() != 2 || !data[0].TryGetInt64(out var setId) || !data[1].TryGetInt32(out var i))
            throw new RpcException(ErrorCodes.InvalidParams, "codeLens/resolve needs a lens this server made (with data [set, item])");
        LensSet? set;
        lock (_lensGate) _lensSets.TryGetValue(setId, out set);
        if (set is null || i < 0 || i >= set.Items.Count)
            throw new RpcException(ErrorCodes.ContentModified, "the document or the profile changed since these lenses were computed");
        var item = set.Items[i];
        return new
        {
            range = Range(item.At, item.At),
            data,
            command = new
            {
                title = item.Title,
                command = "inlineAdvisor.showEvidence",
                arguments = new object[] { set.Uri, new { line = item.At.Line, character = item.At.Character } },
            },
        };
    }

    static LinePosition Position(JsonElement? p)
    {
        if (p is not { ValueKind: JsonValueKind.Object } e || !e.TryGetProperty("position", out var pos))
            throw new RpcException(ErrorCodes.InvalidParams, "position is missing");
        return new LinePosition(pos.GetProperty("line").GetInt32(), pos.GetProperty("character").GetInt32());
    }

    /// <summary>The site on this line nearest the character, else the method whose name is on it.</summary>
    (AnchoredSite? Site, AnchoredMethod? Method) At(DocumentAnchors anchors, LinePosition pos)
    {
        var site = anchors.Sites.Where(s => s.Position.Line == pos.Line).MinBy(s => Math.Abs(s.Position.Character - pos.Character));
        var method = site is null ? anchors.Methods.FirstOrDefault(m => m.Declaration.NameStart.Line == pos.Line) : null;
        return (site, method);
    }

    object? Hover(JsonElement? p)
    {
        var doc = Document(p);
        var pos = Position(p);
        var (index, anchors) = Anchors(doc);
        if (index is null) return null;
        var (site, method) = At(anchors, pos);
        string? markdown = site is not null ? LensText.SiteHover(site.Entry, index.Run, site.Shift, index.PredictionNote)
            : method is not null ? LensText.MethodHover(method, anchors.Sites.Where(s => s.Entry.Site.Caller == method.Entry.Profile.Method).Select(s => s.Entry).ToList(), index.Run)
            : null;
        return markdown is null ? null : new { contents = new { kind = "markdown", value = markdown } };
    }

    object Heat(JsonElement? p)
    {
        var doc = Document(p);
        var (index, anchors) = Anchors(doc);
        if (index is null) return new { lines = Array.Empty<object>() };
        var lines = anchors.Sites.GroupBy(s => s.Position.Line)
            .Select(g => new { line = g.Key, share = Math.Min(1, g.Sum(s => s.Entry.Row.Bound)), samples = g.Sum(s => s.Entry.Site.TotalSamples) })
            .OrderBy(l => l.line).ToList();
        return new { lines };
    }

    // ---- code actions ----------------------------------------------------------------------------------------------

    object CodeActions(JsonElement? p, CancellationToken ct)
    {
        var doc = Document(p);
        var e = p!.Value;
        var start = e.GetProperty("range").GetProperty("start");
        var pos = new LinePosition(start.GetProperty("line").GetInt32(), start.GetProperty("character").GetInt32());
        var (index, anchors) = Anchors(doc);
        if (index is null) return Array.Empty<object>();
        var (site, method) = At(anchors, pos);
        MethodIdentity target;
        string existing;
        SourceLocation? hint = null;
        SiteEntry? evidence = null;
        if (site is not null)
        {
            target = site.Entry.Site.Callee;
            existing = site.Entry.Row.ExistingAttribute;
            evidence = site.Entry;
        }
        else if (method is not null)
        {
            target = method.Entry.Profile.Method;
            existing = MethodImplFlagsText.Describe(method.Entry.Profile.ImplFlags);
            hint = new SourceLocation(doc.Path, method.Declaration.NameStart.Line + 1, 1);
        }
        else return Array.Empty<object>();

        var root = WorkspaceRoot(doc.Path);
        var overlays = _docs.Values.Where(d => d.Version >= 0).ToDictionary(d => d.Path, d => d.Text);
        SourceWorkspace workspace;
        try { workspace = SourceWorkspace.Load(root, overlays); }
        catch (AdviceException x) { throw new RpcException(ErrorCodes.RequestFailed, x.Message); }
        ct.ThrowIfCancellationRequested();

        var actions = new List<object>();
        foreach (var (action, label) in new[] { (InlineAction.Force, "AggressiveInlining"), (InlineAction.Block, "NoInlining"), (InlineAction.Remove, "") })
        {
            if (action == InlineAction.Remove ? existing.Length == 0 : existing == label) continue;
            var plan = workspace.Plan(target, action, hint);
            if (plan.File is not { } file) continue;
            var title = action == InlineAction.Remove
                ? $"Inline advisor: remove [MethodImpl({existing})] from {target.Display}"
                : $"Inline advisor: mark {target.Display} [MethodImpl({label})]";
            // Measured as a gain → a quick fix; otherwise a rewrite the user may try (and should measure).
            var measured = evidence?.Experiments.FirstOrDefault(x => x.Edits.Any(d => d.Method == target && d.Action == action));
            var gain = measured is not null && MeasuredOutcome.Improves(measured);
            if (measured is not null) title += $" ({ReportBuilder.DescribeEvidence(measured)})";
            actions.Add(new
            {
                title,
                kind = gain ? "quickfix" : "refactor.rewrite",
                isPreferred = gain,
                edit = new { changes = new Dictionary<string, object> { [FileUri(file.Path, doc)] = Edits(file) } },
            });
        }
        return actions;
    }

    string FileUri(string path, OpenDocument doc) =>
        _docs.Values.FirstOrDefault(d => d.Path == path)?.Uri ?? (path == doc.Path ? doc.Uri : new System.Uri(path).AbsoluteUri);

    static List<object> Edits(PlannedFile file) => file.Changes.Select(c =>
    {
        var span = file.Text.Lines.GetLinePositionSpan(c.Span);
        return (object)new { range = Range(span.Start, span.End), newText = c.NewText ?? "" };
    }).ToList();

    /// <summary>The workspace root when the document is inside it, else the document's project folder (nearest .csproj).</summary>
    string WorkspaceRoot(string path)
    {
        if (_root is not null && path.StartsWith(_root.TrimEnd('/') + "/", StringComparison.Ordinal)) return _root;
        for (var d = System.IO.Path.GetDirectoryName(path); d is not null; d = System.IO.Path.GetDirectoryName(d))
            if (Directory.EnumerateFiles(d, "*.csproj").Any()) return d;
        return System.IO.Path.GetDirectoryName(path) ?? Environment.CurrentDirectory;
    }

    // ---- commands --------------------------------------------------------------------------------------------------

    async Task<object?> ExecuteCommand(JsonElement? p, CancellationToken ct)
    {
        if (p is not { ValueKind: JsonValueKind.Object } e || !e.TryGetProperty("command", out var c))
            throw new RpcException(ErrorCodes.InvalidParams, "workspace/executeCommand needs a command");
        var command = c.GetString();
        JsonElement arg = e.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0 ? a[0] : default;
        string? token = e.TryGetProperty("workDoneToken", out var t) ? t.ToString() : null;
        return command switch
        {
            CollectCommand => await WithProgress("Collecting a profile", token, ct, (report, ct2) => Collect(arg, report, ct2)),
            ExperimentCommand => await WithProgress("Running an experiment", token, ct, (report, ct2) => Experiment(arg, report, ct2)),
            ExportCommand => await WithProgress("Exporting recommendations", token, ct, (report, ct2) => Export(arg, report, ct2)),
            ReportCommand => await Report(ct),
            _ => throw new RpcException(ErrorCodes.InvalidParams, $"unknown command {command}"),
        };
    }

    static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Runs a job with server-initiated progress when the client supports it; cancellable from either side.</summary>
    async Task<object> WithProgress(string title, string? clientToken, CancellationToken ct, Func<Action<string>, CancellationToken, Task<object>> job)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, _life.Token);
        string? token = clientToken;
        if (token is null && _clientProgress)
        {
            token = $"inline-advisor-{Guid.NewGuid():N}";
            try { await _rpc.RequestAsync("window/workDoneProgress/create", new { token }, cts.Token); }
            catch (RpcException) { token = null; }
        }
        if (token is not null)
        {
            _progress[token] = cts;
            await _rpc.NotifyAsync("$/progress", new { token, value = new { kind = "begin", title, cancellable = true } });
        }
        var last = Stopwatch.StartNew();
        void Report(string line)
        {
            Log(line);
            if (token is null || last.ElapsedMilliseconds < 200) return;   // a progress line per 200 ms is plenty for a status bar
            last.Restart();
            _ = _rpc.NotifyAsync("$/progress", new { token, value = new { kind = "report", message = line } });
        }
        try
        {
            return await job(Report, cts.Token);
        }
        finally
        {
            if (token is not null)
            {
                _progress.TryRemove(token, out _);
                await _rpc.NotifyAsync("$/progress", new { token, value = new { kind = "end" } });
            }
        }
    }

    List<string> Workload(JsonElement arg)
    {
        var line = Str(arg, "command") ?? _settings.WorkloadCommand
            ?? throw new RpcException(ErrorCodes.RequestFailed, "no workload command: set inlineAdvisor.workload.command (the command line that runs your program)");
        var args = ChildProcess.SplitCommandLine(line);
        if (args.Count == 0) throw new RpcException(ErrorCodes.RequestFailed, "the workload command is empty");
        return args;
    }

    async Task<ChildResult> Advisor(IEnumerable<string> args, string? cwd, Action<string> report, CancellationToken ct)
    {
        var result = await ChildProcess.RunAsync(_launcher, args.ToList(), cwd ?? _root, report, ct);
        if (result.ExitCode != 0)
        {
            // The advisor's own one-line error (stderr), else whatever it printed last.
            var why = LastLine(result.Stderr) ?? LastLine(result.Stdout) ?? $"exit code {result.ExitCode}";
            throw new RpcException(ErrorCodes.RequestFailed, why);
        }
        return result;
    }

    async Task<object> Collect(JsonElement arg, Action<string> report, CancellationToken ct)
    {
        var store = StorePath();
        var before = StoreSnapshot.ReadStamp(store)?.LatestRunId ?? 0;
        var result = await Advisor(["collect", "--store", store, "--", .. Workload(arg)], Str(arg, "cwd"), report, ct);
        var snapshot = ReloadStore();
        var runIds = new List<long>();
        if (File.Exists(store))
        {
            using var s = ProfileStore.Open(store, TimeSpan.FromSeconds(2));
            runIds = s.ListRuns().Where(r => r.Id > before).Select(r => r.Id).Order().ToList();
        }
        await AnnounceStore(snapshot);
        return new { runIds, summary = runIds.Count == 0 ? "no run was stored: " + Last(result) : $"stored run{(runIds.Count == 1 ? "" : "s")} {string.Join(", ", runIds)}" };
    }

    static string Last(ChildResult r) => LastLine(r.Stderr + "\n" + r.Stdout) ?? "";

    static string? LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    async Task<object> Experiment(JsonElement arg, Action<string> report, CancellationToken ct)
    {
        var appDir = AppDirPath(_settings) ?? throw new RpcException(ErrorCodes.RequestFailed, "no application folder: set inlineAdvisor.workload.appDir (the folder of the built assemblies)");
        var uri = Str(arg, "uri") ?? throw new RpcException(ErrorCodes.InvalidParams, "experiment needs { uri, line, character }");
        var doc = Document(uri);
        var pos = new LinePosition(arg.GetProperty("line").GetInt32(), arg.GetProperty("character").GetInt32());
        var (index, anchors) = Anchors(doc);
        if (index is null) throw new RpcException(ErrorCodes.RequestFailed, _store.Message ?? "no profile");
        var site = At(anchors, pos).Site ?? throw new RpcException(ErrorCodes.RequestFailed, "no profiled call site at this position");
        if (site.Entry.Site.Id <= 0) throw new RpcException(ErrorCodes.RequestFailed, "this site has no number in the stored run");
        var args = new List<string> { "experiment", "--store", StorePath(), "--run", index.Run.Id.ToString(), "--site", site.Entry.Site.Id.ToString(), "--app", appDir };
        if (Str(arg, "action") is { } action) args.AddRange(["--action", action]);
        var beforeExperiments = StoreSnapshot.ReadStamp(StorePath())?.LatestExperimentId ?? 0;
        var result = await Advisor([.. args, "--", .. Workload(default)], null, report, ct);
        var snapshot = ReloadStore();
        long? id = snapshot.Stamp?.LatestExperimentId is { } latest && latest > beforeExperiments ? latest : null;
        await AnnounceStore(snapshot);
        // The verdict in the report's words, not whatever line the child printed last.
        var summary = Last(result);
        if (id is { } stored)
        {
            using var s = ProfileStore.Open(StorePath(), TimeSpan.FromSeconds(2));
            if (s.LoadExperiment(stored) is { } x) summary = ReportBuilder.DescribeEvidence(x);
        }
        return new { experimentId = id, summary };
    }

    async Task<object> Export(JsonElement arg, Action<string> report, CancellationToken ct)
    {
        var output = FromRoot(Str(arg, "output") ?? "inline-advice.json");
        await Advisor(["export", "--store", StorePath(), "--output", output], null, report, ct);
        int count = 0;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(output));
            if (json.RootElement.TryGetProperty("recommendations", out var r) && r.ValueKind == JsonValueKind.Array) count = r.GetArrayLength();
        }
        catch (Exception e) when (e is IOException or JsonException) { }
        return new { path = output, recommendations = count };
    }

    async Task<object> Report(CancellationToken ct)
    {
        var result = await Advisor(["report", "--store", StorePath()], null, _ => { }, ct);
        return new { text = result.Stdout };
    }
}
