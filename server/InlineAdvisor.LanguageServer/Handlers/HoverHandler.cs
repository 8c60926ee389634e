// textDocument/hover: the full evidence of the site (or method) under the cursor, in the report's words (LensText).
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.LanguageServer.Protocol;

namespace InlineAdvisor.LanguageServer.Handlers;

internal sealed class HoverHandler(ServerContext server)
{
    public void Register(LspRpc rpc) =>
        rpc.OnRequest<TextDocumentPositionParams, Hover?>(Methods.Hover, async (p, ct) => { await server.Loaded.WaitAsync(ct); return Hover(p); });

    Hover? Hover(TextDocumentPositionParams? p)
    {
        var position = p?.Position ?? throw new RpcException(ErrorCodes.InvalidParams, "position is missing");
        var (_, index, anchors) = server.Anchored(p.TextDocument);
        if (index is null) return null;
        var (site, method) = ServerContext.At(anchors, position.ToLinePosition());
        string? markdown = site is not null ? LensText.SiteHover(site.Entry, index.Run, site.Shift, index.PredictionNote)
            : method is not null ? LensText.MethodHover(method, anchors.Sites.Where(s => s.Entry.Site.Caller == method.Entry.Profile.Method).Select(s => s.Entry).ToList(), index.Run, index.Budget, index.AsCallee.GetValueOrDefault(method.Entry.Profile.Method))
            : null;
        return markdown is null ? null : new Hover(new MarkupContent("markdown", markdown));
    }
}
