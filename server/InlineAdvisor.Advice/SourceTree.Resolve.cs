// Locating a runtime identity in the source tree: the recommended type by its runtime name, its methods by metadata name,
// each signature printed the runtime's way (RuntimeSignature) and compared exactly; ambiguity is reported, never guessed.
using System.Text.RegularExpressions;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace InlineAdvisor.Advice;

/// <summary>A recommendation's declaration site as a hint: a path relative to the source root (already checked to stay
/// inside it) and a 1-based line (0 when unknown).</summary>
internal sealed record SourceHint(string RelativePath, int Line)
{
    static readonly Regex WindowsRooted = new(@"^(?:[A-Za-z]:[\\/]|\\\\|//)", RegexOptions.CultureInvariant);

    /// <exception cref="AdviceException">The path leaves the source root ("../…", or absolute elsewhere).</exception>
    public static SourceHint? From(string root, Recommendation r, int index)
    {
        var s = r.Source;
        if (s is null || string.IsNullOrWhiteSpace(s.File)) return null;
        string Refuse() => $"recommendation {index + 1} ({r.Method.Display}): source path '{s.File}' is outside {root}; refused (advice paths must stay inside the source directory)";
        var file = s.File;
        if (file.Contains('\0')) throw new AdviceException(Refuse());
        if (!OperatingSystem.IsWindows())
        {
            if (WindowsRooted.IsMatch(file)) throw new AdviceException(Refuse());
            file = file.Replace('\\', '/');
        }
        string full;
        try { full = Path.GetFullPath(Path.IsPathRooted(file) ? file : Path.Combine(root, file)); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { throw new AdviceException(Refuse(), e); }
        return Inside(root, full, s.Line) ?? throw new AdviceException(Refuse());
    }

    /// <summary>An editor's location (a profile's source line) as a hint; null when it is outside the root, where it
    /// cannot name any of the tree's files (unlike advice, that is not an error here).</summary>
    public static SourceHint? Within(string root, SourceLocation location) => Inside(root, Path.GetFullPath(location.File), location.Line);

    static SourceHint? Inside(string root, string full, int line)
    {
        var cmp = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, cmp)) return null;
        return new SourceHint(Path.GetRelativePath(root, full).Replace('\\', '/'), Math.Max(0, line));
    }

    /// <summary>The same file: equal relative paths, or one a whole-segment suffix of the other (hints made relative
    /// to a repository root still find the file when a subfolder is given).</summary>
    public bool Names(SourceDocument doc)
    {
        var cmp = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var a = doc.RelativePath.Replace('\\', '/');
        var b = RelativePath;
        return string.Equals(a, b, cmp) || a.EndsWith("/" + b, cmp) || b.EndsWith("/" + a, cmp);
    }
}

internal enum LocateKind { Found, Missing, SignatureChanged, Ambiguous, NotEditable }

internal sealed record Declaration(SourceDocument Doc, CSharpSyntaxNode Node);

/// <summary>Where a recommendation's method is: <see cref="Declarations"/> (editable syntax, partial parts included)
/// when Found; otherwise why not.</summary>
internal sealed record Located(LocateKind Kind, string Detail, SourceDocument? Document, IReadOnlyList<Declaration> Declarations, string Where)
{
    public ApplyStatus Status => Kind switch
    {
        LocateKind.Missing => ApplyStatus.Missing,
        LocateKind.SignatureChanged => ApplyStatus.SignatureChanged,
        _ => ApplyStatus.NotApplied,
    };
}

internal sealed partial class SourceTree
{
    /// <summary>Finds the declaration(s) of the method a runtime identity names.</summary>
    public Located Resolve(MethodIdentity id, SourceHint? hint)
    {
        var typeName = RuntimeNames.NormalizeTypeName(id.Type);
        var matches = new List<(SourceProject Project, IMethodSymbol Method)>();
        var others = new List<(IMethodSymbol Method, string Signature)>();
        SourceDocument? typeDoc = null;
        foreach (var project in Projects)
        {
            var type = project.Compilation.Assembly.GetTypeByMetadataName(typeName);
            if (type is null) continue;
            typeDoc ??= DocumentOf(project, type.DeclaringSyntaxReferences.FirstOrDefault());
            foreach (var m in type.GetMembers().OfType<IMethodSymbol>())
            {
                if (m.MetadataName != id.Name) continue;
                var sig = RuntimeSignature.Of(m);
                if (sig.Matches(id.Signature)) matches.Add((project, m));
                else others.Add((m, sig.Display));
            }
        }
        if (typeDoc is null)
            return Fail(LocateKind.Missing, $"type {typeName} is not declared in the C# files under {Root}", null);
        if (matches.Count == 0)
        {
            if (others.Count == 0) return Fail(LocateKind.Missing, $"{typeName} has no method {id.Name}", typeDoc);
            var found = string.Join("; ", others.Select(o => $"{o.Signature} ({Where(o.Method)})"));
            return Fail(LocateKind.SignatureChanged, $"{typeName}.{id.Name} is declared as {found}, not {id.Signature}", DocumentOf(others[0].Method) ?? typeDoc);
        }
        if (matches.Select(m => m.Project).Distinct().Count() > 1)
        {
            var sameAssembly = matches.Where(m => m.Project.AssemblyNames.Contains(id.Assembly)).ToList();
            if (sameAssembly.Count > 0) matches = sameAssembly;
        }
        if (matches.Count > 1 && hint is not null)
        {
            var inFile = matches.Where(m => Declarations(m.Method).Any(d => hint.Names(d.Doc))).ToList();
            if (inFile.Count > 1 && hint.Line > 0)
                inFile = inFile.Where(m => Declarations(m.Method).Any(d => hint.Names(d.Doc) && ContainsLine(d, hint.Line))).ToList();
            if (inFile.Count == 1) matches = inFile;
        }
        if (matches.Count > 1)
            return Fail(LocateKind.Ambiguous, $"{typeName}.{id.Name} {id.Signature} matches {matches.Count} declarations ({string.Join(", ", matches.Select(m => Where(m.Method)))}); ambiguous, not edited", DocumentOf(matches[0].Method));

        var method = matches[0].Method;
        var syntax = AllSyntax(method).ToList();
        var editable = syntax.Where(d => d.Node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax).ToList();
        if (editable.Count == 0)
        {
            var why = syntax.Count == 0 ? "is declared implicitly by the compiler"
                : syntax[0].Node is ArrowExpressionClauseSyntax ? "is an expression-bodied property's getter (write it as get => … to attribute it)"
                : syntax[0].Node is TypeDeclarationSyntax ? "is a primary constructor or record member"
                : $"is declared by a {syntax[0].Node.Kind()}";
            return Fail(LocateKind.NotEditable, $"{typeName}.{id.Name} {why}; no declaration to attribute", syntax.Count > 0 ? syntax[0].Doc : typeDoc);
        }
        return new Located(LocateKind.Found, "", editable[0].Doc, editable, Where(method));
    }

    Located Fail(LocateKind kind, string detail, SourceDocument? doc) => new(kind, detail, doc, [], "");

    static bool ContainsLine(Declaration d, int line)
    {
        var span = d.Node.GetLocation().GetLineSpan();
        return line - 1 >= span.StartLinePosition.Line && line - 1 <= span.EndLinePosition.Line;
    }

    SourceDocument? DocumentOf(ISymbol symbol) =>
        Projects.Select(p => DocumentOf(p, symbol.DeclaringSyntaxReferences.FirstOrDefault())).FirstOrDefault(d => d is not null);

    static SourceDocument? DocumentOf(SourceProject project, SyntaxReference? reference) =>
        reference is null ? null : project.Documents.FirstOrDefault(d => d.Tree == reference.SyntaxTree);

    IEnumerable<Declaration> Declarations(IMethodSymbol m) => AllSyntax(m).Where(d => d.Node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax);

    /// <summary>Every declaring syntax of the method, both parts of a partial method included.</summary>
    IEnumerable<Declaration> AllSyntax(IMethodSymbol m)
    {
        var refs = m.DeclaringSyntaxReferences.AsEnumerable();
        if (m.PartialImplementationPart is { } impl) refs = refs.Concat(impl.DeclaringSyntaxReferences);
        if (m.PartialDefinitionPart is { } def) refs = def.DeclaringSyntaxReferences.Concat(refs);
        foreach (var r in refs.Distinct())
        {
            var doc = Projects.SelectMany(p => p.Documents).FirstOrDefault(d => d.Tree == r.SyntaxTree);
            if (doc is not null && r.GetSyntax() is CSharpSyntaxNode node) yield return new Declaration(doc, node);
        }
    }

    /// <summary>"File.cs:line" of the method's first declaration.</summary>
    string Where(IMethodSymbol m)
    {
        var d = AllSyntax(m).FirstOrDefault();
        if (d is null) return "implicit";
        return $"{d.Doc.RelativePath}:{d.Doc.Text.Lines.GetLineFromPosition(NameToken(d.Node).SpanStart).LineNumber + 1}";
    }

    /// <summary>The token a declaration is named by: where "File.cs:line" points.</summary>
    static SyntaxToken NameToken(SyntaxNode node) => node switch
    {
        MethodDeclarationSyntax m => m.Identifier,
        ConstructorDeclarationSyntax c => c.Identifier,
        DestructorDeclarationSyntax d => d.Identifier,
        OperatorDeclarationSyntax o => o.OperatorToken,
        ConversionOperatorDeclarationSyntax c => c.Type.GetFirstToken(),
        AccessorDeclarationSyntax a => a.Keyword,
        BaseTypeDeclarationSyntax t => t.Identifier,
        _ => node.GetFirstToken(),
    };
}
