// textDocument/codeLens and codeLens/resolve. codeLens answers unresolved lenses (a range and a [set id, item] key,
// encoded once per lens set); resolve renders the title of only the lenses the editor shows.
using System.Text.Json;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.LanguageServer.Protocol;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.LanguageServer.Handlers;

/// <summary>One computed set of lenses (document text × index × settings).</summary>
internal sealed class LensSet(long id, string uri, ProfileIndex index, ServerSettings settings, List<LensItem> items)
{
    public long Id { get; } = id;
    public string Uri { get; } = uri;
    public ProfileIndex Index { get; } = index;
    public ServerSettings Settings { get; } = settings;
    public List<LensItem> Items { get; } = items;
    /// <summary>The codeLens answer, unresolved: a repeated request is a lookup, not a serialization.</summary>
    public RawJson Encoded { get; } = Encode(id, items);

    static RawJson Encode(long id, List<LensItem> items)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(items.Count * 96 + 16);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            for (int i = 0; i < items.Count; i++)
            {
                var at = items[i].At;
                w.WriteStartObject();
                w.WriteStartObject("range");
                w.WriteStartObject("start"); w.WriteNumber("line", at.Line); w.WriteNumber("character", at.Character); w.WriteEndObject();
                w.WriteStartObject("end"); w.WriteNumber("line", at.Line); w.WriteNumber("character", at.Character); w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartArray("data"); w.WriteNumberValue(id); w.WriteNumberValue(i); w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return new RawJson(buffer.WrittenSpan.ToArray());
    }
}

internal sealed record LensItem(LinePosition At, AnchoredMethod? Method, int MethodSites, AnchoredSite? Site)
{
    public string Title => Method is not null ? LensText.Method(Method, MethodSites) : LensText.Site(Site!.Entry);
}

internal sealed class LensHandler(ServerContext server)
{
    // Lens sets a resolve may still ask about: per document the current and the previous one.
    readonly Dictionary<long, LensSet> _sets = [];
    readonly Dictionary<string, (LensSet Current, LensSet? Previous)> _byUri = new(StringComparer.Ordinal);
    readonly object _gate = new();
    long _ids;

    public void Register(LspRpc rpc)
    {
        rpc.OnRequest<TextDocumentParams, object>(Methods.CodeLens, async (p, ct) => { await server.Loaded.WaitAsync(ct); return CodeLenses(p); });
        rpc.OnRequest<CodeLens, ResolvedCodeLens>(Methods.CodeLensResolve, Resolve);
    }

    object CodeLenses(TextDocumentParams? p)
    {
        var settings = server.Settings;
        if (!settings.LensesEnabled) return Array.Empty<object>();
        var (doc, index, anchors) = server.Anchored(p?.TextDocument);
        if (index is null) return Array.Empty<object>();
        if (doc.Lenses is { } same && ReferenceEquals(same.Index, index) && same.Settings == settings)
        {
            // A set carried over from the previous text (nothing moved) is this document's current set again.
            Remember(same);
            return same.Encoded;
        }
        var set = new LensSet(Interlocked.Increment(ref _ids), doc.Uri, index, settings, Items(anchors, settings));
        Remember(set);
        doc.Lenses = set;
        return set.Encoded;
    }

    static List<LensItem> Items(DocumentAnchors anchors, ServerSettings settings)
    {
        bool Shown(double share) => share * 100 >= settings.MinCpuPercent;
        var items = new List<LensItem>();
        var sitesPerCaller = anchors.Sites.GroupBy(s => s.Entry.Site.Caller).ToDictionary(g => g.Key, g => g.Count());
        foreach (var m in anchors.Methods)
            if (Shown(m.Entry.InclusiveShare)) items.Add(new LensItem(m.Declaration.NameStart, m, sitesPerCaller.GetValueOrDefault(m.Entry.Profile.Method), null));
        foreach (var s in anchors.Sites)
            if (Shown(s.Entry.Row.Bound)) items.Add(new LensItem(s.Position, null, 0, s));
        return items;
    }

    void Remember(LensSet set)
    {
        lock (_gate)
        {
            LensSet? previous = null;
            if (_byUri.TryGetValue(set.Uri, out var pair))
            {
                if (ReferenceEquals(pair.Current, set)) return;
                if (pair.Previous is { } old) _sets.Remove(old.Id);
                previous = pair.Current;
            }
            _byUri[set.Uri] = (set, previous);
            _sets[set.Id] = set;
        }
    }

    /// <summary>A closed document's lenses can no longer be resolved.</summary>
    public void Forget(string uri)
    {
        lock (_gate)
        {
            if (!_byUri.Remove(uri, out var pair)) return;
            _sets.Remove(pair.Current.Id);
            if (pair.Previous is { } old) _sets.Remove(old.Id);
        }
    }

    /// <summary>Renders one lens's title (the editor resolves only the lenses in view). A lens of a set that was replaced
    /// twice since (the text or the profile changed) answers ContentModified: the editor asks for lenses again.</summary>
    ResolvedCodeLens Resolve(CodeLens? lens)
    {
        if (lens?.Data is not { ValueKind: JsonValueKind.Array } data || data.GetArrayLength() != 2
            || data[0].ValueKind != JsonValueKind.Number || data[1].ValueKind != JsonValueKind.Number
            || !data[0].TryGetInt64(out var setId) || !data[1].TryGetInt32(out var i))
            throw new RpcException(ErrorCodes.InvalidParams, "codeLens/resolve needs a lens this server made (with data [set, item])");
        LensSet? set;
        lock (_gate) _sets.TryGetValue(setId, out set);
        if (set is null || i < 0 || i >= set.Items.Count)
            throw new RpcException(ErrorCodes.ContentModified, "the document or the profile changed since these lenses were computed");
        var item = set.Items[i];
        return new ResolvedCodeLens(Protocol.Range.At(item.At), data,
            new Command(item.Title, ServerCommands.ShowEvidence, [set.Uri, Position.Of(item.At)]));
    }
}
