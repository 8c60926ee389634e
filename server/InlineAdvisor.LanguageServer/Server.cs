// The language server: one LspRpc connection and the feature handlers registered on it (Handlers/). The protocol stops
// here: everything below speaks the report's own records.
using InlineAdvisor.LanguageServer.Handlers;
using InlineAdvisor.LanguageServer.JsonRpc;

namespace InlineAdvisor.LanguageServer;

public sealed class Server
{
    readonly ServerContext _server;
    readonly CommandHandler _commands;
    readonly TaskCompletionSource _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How often the store is checked for another process's collect or experiment.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(1500);

    public Server(Stream input, Stream output, TextWriter log, string? storePath = null, AdvisorLauncher? launcher = null)
    {
        var rpc = new LspRpc(input, output, log);
        _server = new ServerContext(rpc, log, storePath is null ? null : Path.GetFullPath(storePath), launcher ?? AdvisorLauncher.Current());
        var lenses = new LensHandler(_server);
        _commands = new CommandHandler(_server);
        new LifecycleHandler(_server, lenses, () => _exit.TrySetResult()).Register(rpc);
        lenses.Register(rpc);
        new HoverHandler(_server).Register(rpc);
        new CodeActionHandler(_server).Register(rpc);
        _commands.Register(rpc);
        new StatusHandler(_server).Register(rpc);
    }

    /// <summary>--store, else the storePath setting (relative to the workspace root), else the CLI's default under the root.</summary>
    public string StorePath() => _server.StorePath();

    /// <summary>Serves until `exit` or the end of input. 0 after shutdown + exit, 1 otherwise (LSP spec).</summary>
    public async Task<int> RunAsync()
    {
        var rpc = _server.Rpc;
        var poll = Task.Run(() => _server.PollStore(PollInterval));
        // Why the connection ended, when it was not the client closing it or exit: for the log, never for the client.
        rpc.Disconnected += (_, e) =>
        {
            if (e.Reason is not (StreamJsonRpc.DisconnectedReason.RemotePartyTerminated or StreamJsonRpc.DisconnectedReason.LocallyDisposed))
                _server.ErrorLog.WriteLine($"advisor lsp: the connection ended ({e.Reason}): {e.Description} {e.Exception}");
        };
        rpc.StartListening();
        await Task.WhenAny(rpc.Completion, _exit.Task);
        if (rpc.Completion is { IsFaulted: true } failed) _server.ErrorLog.WriteLine($"advisor lsp: the connection failed: {failed.Exception?.InnerException}");
        _server.Life.Cancel();
        _commands.CancelAll();
        rpc.Dispose();
        try { await poll; } catch (OperationCanceledException) { }
        return _server.ShutDown ? 0 : 1;
    }
}
