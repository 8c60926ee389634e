// The documents the client holds open (full text sync), each parsed once per version and anchored once per (text,
// index). An edit that leaves every declaration and call where it was (a comment, a literal, a name in a body) keeps
// the previous anchors and lenses: re-anchoring only happens when something a lens points at moved.
using System.Collections.Concurrent;
using InlineAdvisor.LanguageServer.Handlers;
using InlineAdvisor.LanguageServer.JsonRpc;
using Microsoft.CodeAnalysis;

namespace InlineAdvisor.LanguageServer;

internal sealed class OpenDocument
{
    public string Uri { get; }
    public string Path { get; }
    public string Text { get; }
    /// <summary>The client's version; -1 for a file read from disk because the client asked about it unopened.</summary>
    public int Version { get; }
    // The Roslyn parse, once per text; from the last parsed text by an incremental re-parse of the changed span (full
    // sync sends the whole text, Roslyn finds the diff by common prefix and suffix).
    readonly Lazy<(SyntaxTree Tree, IReadOnlyList<DeclaredMethod> Declarations)> _parsed;
    readonly SyntaxTree? _baseTree;
    // The previous text, until this one is anchored (then dropped: no chain of old texts stays alive).
    OpenDocument? _before;
    (ProfileIndex? Index, DocumentAnchors Anchors)? _anchors;

    /// <summary>The lens set last computed for this text (LensHandler); carried over with the anchors.</summary>
    public LensSet? Lenses
    {
        get { lock (_anchorGate) return _lenses; }
        set { lock (_anchorGate) _lenses = value; }
    }
    LensSet? _lenses;

    public OpenDocument(string uri, string path, string text, int version, OpenDocument? before = null)
    {
        Uri = uri; Path = path; Text = text; Version = version;
        // Only a tree already built is kept as the base (never a chain of unparsed texts while the user types).
        _baseTree = before is null ? null : before.Parsed ? before._parsed.Value.Tree : before._baseTree;
        _before = before is { Parsed: true } ? before : before?._before;
        var baseTree = _baseTree;
        _parsed = new(() =>
        {
            var tree = baseTree is null ? SourceAnchors.ParseText(text, path) : SourceAnchors.Reparse(baseTree, text);
            return (tree, SourceAnchors.Declarations(tree));
        });
    }

    public IReadOnlyList<DeclaredMethod> Declarations => _parsed.Value.Declarations;
    public bool Parsed => _parsed.IsValueCreated;

    /// <summary>The document's anchors against <paramref name="index"/>, computed once per (text, index).</summary>
    public (ProfileIndex? Index, DocumentAnchors Anchors) Anchors(ProfileIndex? index)
    {
        // One computation per document at a time: concurrent requests for it (codeLens, heat) wait for the same result.
        lock (_anchorGate) return AnchorsLocked(index);
    }

    readonly object _anchorGate = new();

    (ProfileIndex? Index, DocumentAnchors Anchors) AnchorsLocked(ProfileIndex? index)
    {
        if (_anchors is { } c && ReferenceEquals(c.Index, index)) return c;
        // The text before this one, anchored against the same index, with declarations and calls at the same places:
        // its anchors (and so its lenses) are this text's too.
        var before = _before;
        _before = null;
        if (index is not null && before is not null)
        {
            (ProfileIndex? Index, DocumentAnchors Anchors)? previous;
            LensSet? previousLenses;
            lock (before._anchorGate) (previous, previousLenses) = (before._anchors, before._lenses);
            if (previous is { } p && ReferenceEquals(p.Index, index) && SameShape(before.Declarations, Declarations))
            {
                _lenses ??= previousLenses;
                return (_anchors = p).Value;
            }
        }
        var anchors = index is null ? new DocumentAnchors([], [], []) : SourceAnchors.Anchor(Declarations, index.SitesFor(Path), index);
        return (_anchors = (index, anchors)).Value;
    }

    /// <summary>Every declaration and call at the same position (the syntax nodes differ; anchoring reads only these).</summary>
    static bool SameShape(IReadOnlyList<DeclaredMethod> a, IReadOnlyList<DeclaredMethod> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
        {
            var (x, y) = (a[i], b[i]);
            if (x.Type != y.Type || x.Name != y.Name || x.Parameters != y.Parameters || x.NameStart != y.NameStart
                || x.FirstLine != y.FirstLine || x.LastLine != y.LastLine || !x.Calls.SequenceEqual(y.Calls)) return false;
        }
        return true;
    }
}

/// <summary>The open documents by URI. <see cref="Generation"/> counts every change of any of them, so a cache of
/// their texts (the code actions' source workspace) can tell it is stale without comparing texts.</summary>
internal sealed class Documents
{
    readonly ConcurrentDictionary<string, OpenDocument> _open = new(StringComparer.Ordinal);
    long _generation;

    public long Generation => Interlocked.Read(ref _generation);
    public IEnumerable<OpenDocument> Open => _open.Values;

    public OpenDocument Opened(string uri, string text, int version)
    {
        var doc = new OpenDocument(uri, PathOf(uri), text, version);
        _open[uri] = doc;
        Interlocked.Increment(ref _generation);
        return doc;
    }

    /// <summary>The new text of an open document; the same version and text again (a client re-sending) changes nothing.</summary>
    public void Changed(string uri, string text, int version)
    {
        _open.TryGetValue(uri, out var before);
        if (before is not null && before.Version == version && before.Text == text) return;
        _open[uri] = new OpenDocument(uri, PathOf(uri), text, version, before);
        Interlocked.Increment(ref _generation);
    }

    public bool Closed(string uri)
    {
        if (!_open.TryRemove(uri, out _)) return false;
        Interlocked.Increment(ref _generation);
        return true;
    }

    public OpenDocument Get(string uri)
    {
        if (_open.TryGetValue(uri, out var doc)) return doc;
        // Not open: read it from disk (a client may ask about files it has not opened).
        var path = PathOf(uri);
        try { return new OpenDocument(uri, path, File.ReadAllText(path), -1); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new RpcException(ErrorCodes.InvalidParams, $"document {uri} is neither open nor readable");
        }
    }

    /// <summary>The URI the client knows a file by: its open document's, else a file URI.</summary>
    public string UriOf(string path) => _open.Values.FirstOrDefault(d => d.Path == path)?.Uri ?? new System.Uri(path).AbsoluteUri;

    public static string PathOf(string uri) =>
        System.Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.IsFile ? u.LocalPath : uri;
}
