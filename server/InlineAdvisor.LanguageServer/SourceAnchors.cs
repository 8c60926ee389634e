// Where profiled methods and call sites are in the text the editor has now: Roslyn syntax for declarations and calls,
// the PDB's lines only as a hint that must agree with the syntax (never a lens at a line that does not hold the call).
using InlineAdvisor.Core;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.LanguageServer;

/// <summary>A method declaration: runtime type name ("Ns.Outer+Inner", generic arity as `1), metadata name, and where.</summary>
public sealed record DeclaredMethod(string Type, string Name, int Parameters, LinePosition NameStart, int FirstLine, int LastLine, IReadOnlyList<CallInSource> Calls, SyntaxNode Node);

/// <summary>A call inside a method: the called name, the name token's position, and the lines of its statement
/// (a PDB sequence point starts at the statement, which may begin lines before the call).</summary>
public sealed record CallInSource(string Name, LinePosition Position, int StatementLine, int EndLine);

/// <summary>A site placed in the current text; <see cref="Shift"/> is how many lines the code moved since the profile.</summary>
public sealed record AnchoredSite(SiteEntry Entry, LinePosition Position, int Shift);

/// <summary>A method declaration with its profile.</summary>
public sealed record AnchoredMethod(DeclaredMethod Declaration, MethodEntry Entry, int StaleSites);

public sealed record DocumentAnchors(IReadOnlyList<AnchoredMethod> Methods, IReadOnlyList<AnchoredSite> Sites, IReadOnlyList<SiteEntry> Stale);

public static class SourceAnchors
{
    static readonly CSharpParseOptions Parse = InlineAdvisor.Advice.SourceParsing.Options;

    public static SyntaxTree ParseText(string text, string path) => CSharpSyntaxTree.ParseText(SourceText.From(text), Parse, path);

    /// <summary>The tree of <paramref name="text"/> from an earlier tree of the same file: the one changed span (common
    /// prefix and suffix of the two texts) is re-parsed incrementally, the rest of the tree is reused.</summary>
    public static SyntaxTree Reparse(SyntaxTree before, string text)
    {
        var old = before.GetText();
        var oldText = old.ToString();
        if (oldText == text) return before;
        int prefix = oldText.AsSpan().CommonPrefixLength(text);
        int maxSuffix = Math.Min(oldText.Length, text.Length) - prefix;
        int suffix = 0;
        while (suffix < maxSuffix && oldText[oldText.Length - 1 - suffix] == text[text.Length - 1 - suffix]) suffix++;
        var change = new TextChange(new TextSpan(prefix, oldText.Length - suffix - prefix), text.Substring(prefix, text.Length - suffix - prefix));
        return before.WithChangedText(old.WithChanges(change));
    }

    /// <summary>Every method-like declaration of the file (methods, constructors, accessors, local functions excluded).</summary>
    public static IReadOnlyList<DeclaredMethod> Declarations(SyntaxTree tree)
    {
        var result = new List<DeclaredMethod>();
        var root = tree.GetRoot();
        foreach (var node in root.DescendantNodes(n => n is not BlockSyntax and not ArrowExpressionClauseSyntax))
        {
            var (name, token, parameters) = node switch
            {
                MethodDeclarationSyntax m => (m.ExplicitInterfaceSpecifier is { } ei ? $"{ei.Name}.{m.Identifier.Text}" : m.Identifier.Text + Arity(m.TypeParameterList), m.Identifier, m.ParameterList.Parameters.Count),
                ConstructorDeclarationSyntax c => (c.Modifiers.Any(SyntaxKind.StaticKeyword) ? ".cctor" : ".ctor", c.Identifier, c.ParameterList.Parameters.Count),
                OperatorDeclarationSyntax o => (OperatorName(o), o.OperatorToken, o.ParameterList.Parameters.Count),
                AccessorDeclarationSyntax a when a.Parent?.Parent is PropertyDeclarationSyntax p => (AccessorPrefix(a) + p.Identifier.Text, a.Keyword, a.Keyword.IsKind(SyntaxKind.SetKeyword) || a.Keyword.IsKind(SyntaxKind.InitKeyword) ? 1 : 0),
                _ => (null, default, 0),
            };
            if (name is null || TypeName(node) is not { } type) continue;
            var span = tree.GetLineSpan(node.Span);
            result.Add(new DeclaredMethod(type, name.Contains('`') ? name[..name.IndexOf('`')] : name, parameters, tree.GetLineSpan(token.Span).StartLinePosition,
                span.StartLinePosition.Line, span.EndLinePosition.Line, Calls(tree, node), node));
        }
        return result;
    }

    static string Arity(TypeParameterListSyntax? list) => list is null ? "" : $"`{list.Parameters.Count}";
    static string AccessorPrefix(AccessorDeclarationSyntax a) => a.Keyword.Kind() switch
    {
        SyntaxKind.GetKeyword => "get_", SyntaxKind.SetKeyword or SyntaxKind.InitKeyword => "set_", _ => a.Keyword.Text + "_",
    };

    static string OperatorName(OperatorDeclarationSyntax o) => o.OperatorToken.Kind() switch
    {
        SyntaxKind.PlusToken => o.ParameterList.Parameters.Count == 1 ? "op_UnaryPlus" : "op_Addition",
        SyntaxKind.MinusToken => o.ParameterList.Parameters.Count == 1 ? "op_UnaryNegation" : "op_Subtraction",
        SyntaxKind.AsteriskToken => "op_Multiply", SyntaxKind.SlashToken => "op_Division", SyntaxKind.PercentToken => "op_Modulus",
        SyntaxKind.EqualsEqualsToken => "op_Equality", SyntaxKind.ExclamationEqualsToken => "op_Inequality",
        SyntaxKind.LessThanToken => "op_LessThan", SyntaxKind.GreaterThanToken => "op_GreaterThan",
        SyntaxKind.LessThanEqualsToken => "op_LessThanOrEqual", SyntaxKind.GreaterThanEqualsToken => "op_GreaterThanOrEqual",
        SyntaxKind.AmpersandToken => "op_BitwiseAnd", SyntaxKind.BarToken => "op_BitwiseOr", SyntaxKind.CaretToken => "op_ExclusiveOr",
        _ => "op_" + o.OperatorToken.Text,
    };

    /// <summary>The runtime's name of the declaring type: namespace, then nested types joined by '+', generic arity as `n.</summary>
    public static string? TypeName(SyntaxNode node)
    {
        var parts = new List<string>();
        string? ns = null;
        for (var p = node.Parent; p is not null; p = p.Parent)
        {
            switch (p)
            {
                case BaseTypeDeclarationSyntax t:
                    parts.Add(t.Identifier.Text + (t is TypeDeclarationSyntax { TypeParameterList: { } tp } ? $"`{tp.Parameters.Count}" : ""));
                    break;
                case BaseNamespaceDeclarationSyntax n:
                    ns = ns is null ? n.Name.ToString() : n.Name + "." + ns;
                    break;
            }
        }
        if (parts.Count == 0) return null;
        parts.Reverse();
        var type = string.Join("+", parts);
        return ns is null ? type : ns + "." + type;
    }

    /// <summary>Calls in source order: invocations (by the rightmost name), object creations (".ctor"), and property reads.</summary>
    static List<CallInSource> Calls(SyntaxTree tree, SyntaxNode method)
    {
        var calls = new List<CallInSource>();
        foreach (var n in method.DescendantNodes())
        {
            SyntaxToken token;
            string name;
            switch (n)
            {
                case InvocationExpressionSyntax inv:
                    var simple = inv.Expression switch
                    {
                        MemberAccessExpressionSyntax ma => ma.Name,
                        MemberBindingExpressionSyntax mb => mb.Name,
                        SimpleNameSyntax s => s,
                        _ => null,
                    };
                    if (simple is null) continue;
                    token = simple.Identifier;
                    name = token.Text;
                    break;
                case BaseObjectCreationExpressionSyntax oc:
                    token = oc.GetFirstToken();
                    name = ".ctor";
                    break;
                default:
                    continue;
            }
            var statement = n.AncestorsAndSelf().FirstOrDefault(a => a is StatementSyntax or ArrowExpressionClauseSyntax or LambdaExpressionSyntax) ?? n;
            var pos = tree.GetLineSpan(token.Span).StartLinePosition;
            calls.Add(new CallInSource(name, pos, tree.GetLineSpan(statement.Span).StartLinePosition.Line, tree.GetLineSpan(n.Span).EndLinePosition.Line));
        }
        return calls;
    }

    /// <summary>The source method a runtime caller belongs to: lambdas and local functions ("X+&lt;&gt;c", "&lt;Outer&gt;b__0_1",
    /// "&lt;Outer&gt;g__Local|2_0") map to the method that contains them.</summary>
    public static (string Type, string Name) SourceMethodOf(MethodIdentity id)
    {
        var type = Metadata.RuntimeNames.NormalizeTypeName(id.Type);
        int plus = type.IndexOf("+<", StringComparison.Ordinal);
        if (plus >= 0) type = type[..plus];
        var name = id.Name;
        if (name.StartsWith('<') && name.IndexOf('>') is var close and > 1) name = name[1..close];
        return (type, name);
    }

    /// <summary>The name a call to <paramref name="callee"/> has in source: ".ctor" for constructors, "P" for get_P, else the name.</summary>
    static bool CallNames(CallInSource call, MethodIdentity callee)
    {
        var name = callee.Name;
        int tick = name.IndexOf('`');
        if (tick > 0) name = name[..tick];
        if (name == ".ctor") return call.Name == ".ctor";
        return call.Name == name;
    }

    /// <summary>
    /// Places the document's profiled sites and methods in its current text. For each source method (found by identity),
    /// its sites' PDB lines are aligned to the calls of the same callee names in the method by ONE line shift (the one
    /// that matches most sites; 0 when the file is as profiled). When no single shift explains every site of the method, the
    /// method was edited inside and all its sites are stale (no lens: a deleted call could otherwise pull a site onto its
    /// neighbour). Sites whose method is not in the file are stale too.
    /// </summary>
    public static DocumentAnchors Anchor(IReadOnlyList<DeclaredMethod> declarations, DocumentSites? sites, ProfileIndex index)
    {
        var anchored = new List<AnchoredSite>();
        var stale = new List<SiteEntry>();
        var staleByMethod = new Dictionary<DeclaredMethod, int>();
        var byMethod = new Dictionary<(string, string), List<DeclaredMethod>>();
        foreach (var d in declarations)
        {
            if (!byMethod.TryGetValue((d.Type, d.Name), out var list)) byMethod[(d.Type, d.Name)] = list = [];
            list.Add(d);
        }
        if (sites is not null)
        {
            foreach (var group in sites.Sites.GroupBy(s => SourceMethodOf(s.Site.Caller)))
            {
                var candidates = byMethod.GetValueOrDefault(group.Key) ?? [];
                // Calls to compiler-generated methods (lambdas, local functions) have no name in source to anchor on.
                var entries = group.Where(e => !e.Site.Callee.Name.StartsWith('<')).ToList();
                if (entries.Count == 0) continue;
                // Overloads: the declaration whose calls explain most sites wins (ties: the first).
                DeclaredMethod? best = null;
                (int Shift, List<(SiteEntry, CallInSource)> Matches) bestAlign = (0, []);
                foreach (var d in candidates)
                {
                    var align = Align(d, entries);
                    if (best is null || align.Matches.Count > bestAlign.Matches.Count) { best = d; bestAlign = align; }
                }
                var placed = new HashSet<SiteEntry>();
                // One shift must explain every site of the method: otherwise the method was edited inside, and a site
                // could land on another call of the same name. No lens beats a lens at the wrong call.
                if (bestAlign.Matches.Count < entries.Count) bestAlign = (0, []);
                foreach (var (e, call) in bestAlign.Matches)
                {
                    anchored.Add(new AnchoredSite(e, call.Position, bestAlign.Shift));
                    placed.Add(e);
                }
                foreach (var e in entries.Where(e => !placed.Contains(e)))
                {
                    stale.Add(e);
                    if (best is not null) staleByMethod[best] = staleByMethod.GetValueOrDefault(best) + 1;
                }
            }
        }
        var methods = new List<AnchoredMethod>();
        foreach (var d in declarations)
        {
            var profiles = index.Methods(d.Type, d.Name);
            // Overloads: parameter counts from the runtime signature "ret  (a,b)" disambiguate most; otherwise the hottest.
            var entry = profiles.Where(p => ParameterCount(p.Profile.Method.Signature) == d.Parameters).MaxBy(p => p.InclusiveShare)
                ?? (profiles.Count == 1 ? profiles[0] : null);
            if (entry is not null) methods.Add(new AnchoredMethod(d, entry, staleByMethod.GetValueOrDefault(d)));
        }
        return new DocumentAnchors(methods, anchored.OrderBy(a => a.Position.Line).ThenBy(a => a.Position.Character).ToList(), stale);
    }

    static (int Shift, List<(SiteEntry, CallInSource)> Matches) Align(DeclaredMethod d, List<SiteEntry> entries)
    {
        // Candidate shifts: every (site, same-name call) pair proposes one; 0 first so an unchanged file stays exact.
        var shifts = new List<int> { 0 };
        foreach (var e in entries)
            foreach (var c in d.Calls)
                if (CallNames(c, e.Site.Callee)) shifts.Add(c.StatementLine - (e.Site.Source!.Line - 1));
        (int, List<(SiteEntry, CallInSource)>) best = (0, []);
        foreach (var shift in shifts.Distinct())
        {
            var matches = new List<(SiteEntry, CallInSource)>();
            var used = new HashSet<CallInSource>();
            foreach (var e in entries)
            {
                int line = e.Site.Source!.Line - 1 + shift;
                var call = d.Calls.FirstOrDefault(c => !used.Contains(c) && CallNames(c, e.Site.Callee) && line >= c.StatementLine && line <= c.EndLine)
                    ?? d.Calls.FirstOrDefault(c => CallNames(c, e.Site.Callee) && line >= c.StatementLine && line <= c.EndLine);
                if (call is null) continue;
                used.Add(call);
                matches.Add((e, call));
            }
            if (matches.Count > best.Item2.Count) best = (shift, matches);
        }
        return best;
    }

    /// <summary>Parameters in a runtime signature "ret  (a,b)"; generic arguments' commas inside &lt;&gt; or [] are not separators.</summary>
    public static int ParameterCount(string signature)
    {
        int open = signature.IndexOf('(');
        int close = signature.LastIndexOf(')');
        if (open < 0 || close <= open + 1) return 0;
        int depth = 0, count = 1;
        for (int i = open + 1; i < close; i++)
        {
            char ch = signature[i];
            if (ch is '<' or '[' or '(') depth++;
            else if (ch is '>' or ']' or ')') depth--;
            else if (ch == ',' && depth == 0) count++;
        }
        return count;
    }
}
