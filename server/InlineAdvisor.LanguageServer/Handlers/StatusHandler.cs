// The extension's own requests: inlineAdvisor/status (the status bar: which store, which run, or why there is none)
// and inlineAdvisor/heat (per line, the CPU share of the document's anchored sites, for the gutter colouring).
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.LanguageServer.Protocol;
using InlineAdvisor.Store;

namespace InlineAdvisor.LanguageServer.Handlers;

internal sealed class StatusHandler(ServerContext server)
{
    public void Register(LspRpc rpc)
    {
        rpc.OnRequest<object?, StatusResult>(InlineAdvisorMethods.Status, async (_, ct) => { await server.Loaded.WaitAsync(ct); return Status(); });
        rpc.OnRequest<TextDocumentParams, HeatResult>(InlineAdvisorMethods.Heat, async (p, ct) => { await server.Loaded.WaitAsync(ct); return Heat(p); });
    }

    StatusResult Status()
    {
        var s = server.Store;
        return new StatusResult(ProfileStore.Display(s.Path), s.Exists, s.Index?.Run.Id, s.Index?.Run.Program,
            s.Index is { } i ? i.Run.StartedUtc.ToUniversalTime().ToString("o") : null, s.Index?.ExperimentCount ?? 0, s.Message);
    }

    HeatResult Heat(TextDocumentParams? p)
    {
        var (_, index, anchors) = server.Anchored(p?.TextDocument);
        if (index is null) return new HeatResult([]);
        return new HeatResult(anchors.Sites.GroupBy(s => s.Position.Line)
            .Select(g => new HeatLine(g.Key, Math.Min(1, g.Sum(s => s.Entry.Row.Bound)), g.Sum(s => s.Entry.Site.TotalSamples)))
            .OrderBy(l => l.Line).ToList());
    }
}
