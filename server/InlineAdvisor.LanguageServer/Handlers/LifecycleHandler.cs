// The LSP lifecycle and document sync: initialize (answered before the store is loaded), initialized, shutdown, exit,
// workspace/didChangeConfiguration, and didOpen/didChange/didClose/didSave, which keep Documents current.
using System.Diagnostics;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.LanguageServer.Protocol;

namespace InlineAdvisor.LanguageServer.Handlers;

internal sealed class LifecycleHandler(ServerContext server, LensHandler lenses, Action exit)
{
    public void Register(LspRpc rpc)
    {
        // Before initialize only initialize (and exit) are served; after shutdown nothing is (LSP 3.17, "Lifecycle").
        rpc.Gate = method => method switch
        {
            Methods.Initialize when server.Initialized => new RpcException(ErrorCodes.InvalidRequest, "initialize was already received"),
            Methods.Initialize => null,
            _ when server.ShutDown => new RpcException(ErrorCodes.InvalidRequest, "the server is shutting down"),
            _ when !server.Initialized => new RpcException(ErrorCodes.ServerNotInitialized, "the server is not initialized yet"),
            _ => null,
        };
        rpc.OnRequest<InitializeParams, InitializeResult>(Methods.Initialize, Initialize);
        rpc.OnNotification<object?>(Methods.Initialized, _ => { });
        rpc.OnRequest<object?, object?>(Methods.Shutdown, _ => { server.ShutDown = true; return null; });
        rpc.OnNotification<object?>(Methods.Exit, _ => exit());
        rpc.OnNotification<DidChangeConfigurationParams>(Methods.DidChangeConfiguration, Configure);
        rpc.OnNotification<DidOpenTextDocumentParams>(Methods.DidOpen, Open);
        rpc.OnNotification<DidChangeTextDocumentParams>(Methods.DidChange, Change);
        rpc.OnNotification<DidCloseTextDocumentParams>(Methods.DidClose, p =>
        {
            if (p?.TextDocument?.Uri is { } uri && server.Documents.Closed(uri)) lenses.Forget(uri);
        });
        rpc.OnNotification<object?>(Methods.DidSave, _ => { });
    }

    InitializeResult Initialize(InitializeParams? p)
    {
        p ??= new InitializeParams(null, null, null, null, null);
        var folder = p.WorkspaceFolders is [{ Uri: { } first }, ..] ? first : null;
        server.Root = p.RootUri is { } rootUri ? Documents.PathOf(rootUri) : p.RootPath ?? (folder is null ? null : Documents.PathOf(folder));
        if (p.InitializationOptions is { } options) server.Settings = server.Settings.With(options);
        server.ClientProgress = p.Capabilities?.Window?.WorkDoneProgress == true;
        server.ClientRefresh = p.Capabilities?.Workspace?.CodeLens?.RefreshSupport == true;
        server.Initialized = true;
        // The answer does not wait for the store: the client opens its documents (parsed meanwhile, on the other core)
        // while the index loads; the first codeLens waits for both.
        server.StartLoading();
        return new InitializeResult(
            new ServerCapabilities(
                TextDocumentSync: new TextDocumentSyncOptions(OpenClose: true, Change: 1),
                CodeLensProvider: new CodeLensOptions(ResolveProvider: true),
                HoverProvider: true,
                CodeActionProvider: new CodeActionOptions(["quickfix", "refactor.rewrite"]),
                ExecuteCommandProvider: new ExecuteCommandOptions(ServerCommands.All)),
            new ServerInfo("inline-advisor", typeof(Server).Assembly.GetName().Version?.ToString() ?? "0"));
    }

    void Configure(DidChangeConfigurationParams? p)
    {
        if (p?.Settings is not { } settings) return;
        if (settings.ValueKind == System.Text.Json.JsonValueKind.Object && settings.TryGetProperty("inlineAdvisor", out var ours)) settings = ours;
        var before = (server.StorePath(), server.Settings.AppDir, server.Settings.MinCpuPercent);
        server.Settings = server.Settings.With(settings);
        // The index holds the predictions, which depend on the app folder and the bound threshold.
        if ((server.StorePath(), server.Settings.AppDir, server.Settings.MinCpuPercent) != before) server.ReloadStore();
        _ = server.RefreshLenses();
    }

    void Open(DidOpenTextDocumentParams? p)
    {
        if (p?.TextDocument is not { Uri: { } uri } item) return;
        var doc = server.Documents.Opened(uri, item.Text ?? "", item.Version ?? 0);
        // Parse now, off the reading loop: the first codeLens follows right away and would otherwise wait for it.
        _ = Task.Run(() =>
        {
            var sw = Stopwatch.StartNew();
            server.Log($"parsed {doc.Path}: {doc.Declarations.Count} methods ({sw.ElapsedMilliseconds} ms)");
        });
    }

    void Change(DidChangeTextDocumentParams? p)
    {
        // Full sync: the last change holds the whole text.
        if (p?.TextDocument?.Uri is not { } uri || p.ContentChanges is not [.., { Text: { } text }]) return;
        server.Documents.Changed(uri, text, p.TextDocument.Version ?? 0);
    }
}
