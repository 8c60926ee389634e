// textDocument/codeAction: add or remove [MethodImpl] options on the callee of the site (or the method) under the
// cursor, planned by Advice.SourceWorkspace exactly as `advisor apply --source` would edit, never written by the server.
using InlineAdvisor.Advice;
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.LanguageServer.Protocol;

namespace InlineAdvisor.LanguageServer.Handlers;

internal sealed class CodeActionHandler(ServerContext server)
{
    readonly SourceWorkspaceCache _workspaces = new(server.Documents);

    public void Register(LspRpc rpc) =>
        rpc.OnRequest<CodeActionParams, IReadOnlyList<CodeAction>>(Methods.CodeAction, async (p, ct) => { await server.Loaded.WaitAsync(ct); return CodeActions(p, ct); });

    IReadOnlyList<CodeAction> CodeActions(CodeActionParams? p, CancellationToken ct)
    {
        var start = p?.Range?.Start ?? throw new RpcException(ErrorCodes.InvalidParams, "range is missing");
        var (doc, index, anchors) = server.Anchored(p.TextDocument);
        if (index is null) return [];
        var (site, method) = ServerContext.At(anchors, start.ToLinePosition());
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
        else return [];

        try
        {
            return _workspaces.With(WorkspaceRoot(doc.Path), workspace =>
            {
                ct.ThrowIfCancellationRequested();
                var actions = new List<CodeAction>();
                foreach (var (action, label) in new[] { (InlineAction.Force, "AggressiveInlining"), (InlineAction.Block, "NoInlining"), (InlineAction.Remove, "") })
                {
                    if (action == InlineAction.Remove ? existing.Length == 0 : existing == label) continue;
                    if (workspace.Plan(target, action, hint).File is not { } file) continue;
                    var title = action == InlineAction.Remove
                        ? $"Inline advisor: remove [MethodImpl({existing})] from {target.Display}"
                        : $"Inline advisor: mark {target.Display} [MethodImpl({label})]";
                    // Measured as a gain → a quick fix; otherwise a rewrite the user may try (and should measure).
                    var measured = evidence?.Experiments.FirstOrDefault(x => x.Edits.Any(d => d.Method == target && d.Action == action));
                    var gain = measured is not null && MeasuredOutcome.Improves(measured);
                    if (measured is not null) title += $" ({ReportBuilder.DescribeEvidence(measured)})";
                    var uri = file.Path == doc.Path ? doc.Uri : server.Documents.UriOf(file.Path);
                    actions.Add(new CodeAction(title, gain ? "quickfix" : "refactor.rewrite", gain,
                        new WorkspaceEdit(new Dictionary<string, IReadOnlyList<TextEdit>> { [uri] = Edits(file) })));
                }
                return actions;
            });
        }
        catch (AdviceException x) { throw new RpcException(ErrorCodes.RequestFailed, x.Message); }
    }

    static List<TextEdit> Edits(PlannedFile file) =>
        file.Changes.Select(c => new TextEdit(Protocol.Range.Of(file.Text.Lines.GetLinePositionSpan(c.Span)), c.NewText ?? "")).ToList();

    /// <summary>The workspace root when the document is inside it, else the document's project folder (nearest .csproj).</summary>
    string WorkspaceRoot(string path)
    {
        if (server.Root is { } root && path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)) return root;
        for (var d = Path.GetDirectoryName(path); d is not null; d = Path.GetDirectoryName(d))
            if (Directory.EnumerateFiles(d, "*.csproj").Any()) return d;
        return Path.GetDirectoryName(path) ?? Environment.CurrentDirectory;
    }
}
