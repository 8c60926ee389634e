// The edit planner: the minimal text changes that add, merge or remove [MethodImpl(MethodImplOptions.…)] on a located
// declaration, placed by the syntax tree so nothing else in the file changes (other options kept, the using added once).
using System.Runtime.CompilerServices;
using InlineAdvisor.Core;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.Advice;

/// <summary>Plans the text changes for one recommendation on its located declaration(s), and completes a file's change
/// set (the using, once; refused when changes overlap or the result parses worse).</summary>
internal static class EditPlanner
{
    internal sealed record EditPlan(ApplyStatus Status, string Detail, SourceDocument Doc, IReadOnlyList<TextChange> Changes, bool NeedsUsing);

    enum Scope { InScope, NeedsUsing, Qualified }

    const string Ns = "System.Runtime.CompilerServices";
    const int NoInlining = (int)MethodImplOptions.NoInlining;                  // 0x0008
    const int AggressiveInlining = (int)MethodImplOptions.AggressiveInlining;  // 0x0100
    const int Inlining = NoInlining | AggressiveInlining;

    static readonly (int Value, string Name)[] Options = Enum.GetValues<MethodImplOptions>()
        .Select(v => ((int)v, v.ToString())).Where(o => o.Item1 != 0 && (o.Item1 & (o.Item1 - 1)) == 0)
        .DistinctBy(o => o.Item1).OrderBy(o => o.Item1).ToArray();

    public static EditPlan Plan(Located found, InlineAction action)
    {
        var (add, clear) = action switch
        {
            InlineAction.Force => (AggressiveInlining, NoInlining),
            InlineAction.Block => (NoInlining, AggressiveInlining),
            _ => (0, Inlining),
        };
        var existing = found.Declarations
            .SelectMany(d => AttributeLists(d.Node)
                .Where(l => l.Target is null || l.Target.Identifier.IsKind(SyntaxKind.MethodKeyword))
                .SelectMany(l => l.Attributes)
                .Where(a => IsMethodImpl(a, d.Doc.Model))
                .Select(a => (d.Doc, Attribute: a)))
            .ToList();
        var where = found.Where;
        var first = found.Declarations[0];

        if (existing.Count > 1)
            return new EditPlan(ApplyStatus.NotApplied, $"{where}: {existing.Count} [MethodImpl] attributes; not edited", first.Doc, [], false);

        if (existing.Count == 0)
        {
            if (add == 0) return new EditPlan(ApplyStatus.AlreadyApplied, $"{where}: no MethodImpl inlining option", first.Doc, [], false);
            // On a partial method, the implementing declaration (the one with a body) carries the new attribute.
            var target = found.Declarations.FirstOrDefault(d => d.Node is BaseMethodDeclarationSyntax { Body: not null } or BaseMethodDeclarationSyntax { ExpressionBody: not null }) ?? first;
            var scope = ScopeAt(target.Doc, target.Node.SpanStart);
            var q = scope == Scope.Qualified ? Ns + "." : "";
            var attribute = $"[{q}MethodImpl({q}MethodImplOptions.{NameOf(add)})]";
            var token = target.Node.GetFirstToken();
            var indent = LineIndent(target.Doc, token.SpanStart);
            var insertion = indent is null ? attribute + " " : attribute + target.Doc.Eol + indent;
            return new EditPlan(ApplyStatus.Applied, $"{where}: added {attribute}", target.Doc,
                [new TextChange(new TextSpan(token.SpanStart, 0), insertion)], scope == Scope.NeedsUsing);
        }

        var (doc, attr) = existing[0];
        var arg = attr.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null);
        int current = 0;
        if (arg is not null)
        {
            if (Evaluate(arg.Expression, doc.Model) is not { } value)
                return new EditPlan(ApplyStatus.NotApplied, $"{where}: the options of {attr} are not a constant this tool understands; not edited", doc, [], false);
            current = value;
        }
        int next = (current & ~clear) | add;
        if (next == current)
            return new EditPlan(ApplyStatus.AlreadyApplied, $"{where}: already [{attr}]", doc, [], false);

        if (next == 0)
        {
            var others = attr.ArgumentList!.Arguments.Where(a => a != arg).ToList();
            if (others.Count > 0)
            {
                var end = others.First(a => a.SpanStart > arg!.SpanStart).SpanStart;
                return new EditPlan(ApplyStatus.Applied, $"{where}: removed {Describe(current)} from [{attr}]", doc,
                    [new TextChange(TextSpan.FromBounds(arg!.SpanStart, end), "")], false);
            }
            return new EditPlan(ApplyStatus.Applied, $"{where}: removed [{attr}]", doc, [RemoveAttribute(doc, attr)], false);
        }

        bool needsUsing = false;
        TextChange change;
        string QualifiedPrefix()
        {
            var qualifier = attr.Name is QualifiedNameSyntax qn ? qn.Left.ToString() + "." : "";
            if (qualifier.Length == 0 && ScopeAt(doc, attr.SpanStart) is var s && s != Scope.InScope)
            {
                if (s == Scope.Qualified) qualifier = Ns + ".";
                else needsUsing = true;
            }
            return qualifier + "MethodImplOptions.";
        }
        if (arg is null)
        {
            var text = QualifiedPrefix() + NameOf(add);
            change = attr.ArgumentList is null ? new TextChange(new TextSpan(attr.Name.Span.End, 0), "(" + text + ")")
                : attr.ArgumentList.Arguments.Count > 0 ? new TextChange(new TextSpan(attr.ArgumentList.Arguments[0].SpanStart, 0), text + ", ")
                : new TextChange(new TextSpan(attr.ArgumentList.OpenParenToken.Span.End, 0), text);
        }
        else if (FlatOperands(arg.Expression) is { } operands)
        {
            var kept = operands.Where(o => (OptionValue(o) & clear) == 0).ToList();
            bool hasAdd = add == 0 || kept.Any(o => OptionValue(o) == add);
            var prefix = operands[0] is MemberAccessExpressionSyntax ma ? ma.Expression + "." : "";
            if (kept.Count == operands.Count)
                change = new TextChange(new TextSpan(arg.Expression.Span.End, 0), " | " + prefix + NameOf(add));
            else
            {
                var parts = kept.Select(o => o.ToString()).ToList();
                if (!hasAdd) parts.Add(prefix + NameOf(add));
                change = new TextChange(arg.Expression.Span, string.Join(" | ", parts));
            }
        }
        else
        {
            var prefix = arg.Expression is CastExpressionSyntax cast ? cast.Type + "." : QualifiedPrefix();
            change = new TextChange(arg.Expression.Span, Spell(next, prefix));
        }
        var newAttribute = doc.Text.WithChanges(change).ToString(TextSpan.FromBounds(attr.SpanStart, attr.Span.End + change.NewText!.Length - change.Span.Length));
        return new EditPlan(ApplyStatus.Applied, $"{where}: [{attr}] → [{newAttribute}]", doc, [change], needsUsing);
    }

    /// <summary>The file's complete change set: the planned changes plus the using (once, when needed), sorted; refused
    /// (with the reason) when changes overlap or the result parses worse than the original.</summary>
    /// <remarks>One rule for both callers: what `apply --source` writes and what an editor is offered are the same text.</remarks>
    internal static (List<TextChange> Changes, SourceText NewText, string? Refused) FileChanges(SourceDocument doc, IEnumerable<TextChange> planned, bool needsUsing)
    {
        var changes = new List<TextChange>(planned);
        if (needsUsing && !HasUsing(doc)) changes.Add(UsingInsertion(doc));
        changes.Sort((a, b) => a.Span.Start != b.Span.Start ? a.Span.Start.CompareTo(b.Span.Start) : a.Span.End.CompareTo(b.Span.End));
        for (int k = 1; k < changes.Count; k++)
            if (changes[k].Span.Start < changes[k - 1].Span.End) return (changes, doc.Text, "overlapping edits");
        var newText = doc.Text.WithChanges(changes);
        var reparsed = SourceParsing.Parse(newText, doc.FullPath);
        int before = doc.Tree.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        int after = reparsed.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        return (changes, newText, after > before ? "the edit would not parse" : null);
    }

    static string NameOf(int option) => Options.First(o => o.Value == option).Name;

    static string Describe(int options) => string.Join(" | ", Options.Where(o => (options & o.Value) != 0).Select(o => o.Name));

    /// <summary>Named options joined by " | " (unknown bits as a cast), in ascending value order.</summary>
    static string Spell(int options, string prefix)
    {
        var parts = Options.Where(o => (options & o.Value) != 0).Select(o => prefix + o.Name).ToList();
        int unknown = options & ~Options.Aggregate(0, (acc, o) => acc | o.Value);
        if (unknown != 0) parts.Add($"({prefix.TrimEnd('.')}){unknown}");
        return string.Join(" | ", parts);
    }

    static SyntaxList<AttributeListSyntax> AttributeLists(SyntaxNode node) => node switch
    {
        BaseMethodDeclarationSyntax m => m.AttributeLists,
        AccessorDeclarationSyntax a => a.AttributeLists,
        _ => default,
    };

    static bool IsMethodImpl(AttributeSyntax attr, SemanticModel model)
    {
        var info = model.GetSymbolInfo(attr);
        var symbol = info.Symbol ?? (info.CandidateSymbols.Length == 1 ? info.CandidateSymbols[0] : null);
        if (symbol?.ContainingType is { } type && type.TypeKind != TypeKind.Error)
            return type.Name == "MethodImplAttribute" && type.ContainingNamespace.ToDisplayString() == Ns;
        var name = attr.Name switch
        {
            IdentifierNameSyntax i => i.Identifier.ValueText,
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
            _ => "",
        };
        return name is "MethodImpl" or "MethodImplAttribute";
    }

    /// <summary>The options an attribute argument sets: the compiler's constant when it binds, else read from the
    /// syntax (member names, |, casts, parentheses, numbers).</summary>
    static int? Evaluate(ExpressionSyntax e, SemanticModel model)
    {
        var constant = model.GetConstantValue(e);
        if (constant.HasValue && constant.Value is not null and not string and not bool)
        {
            try { return Convert.ToInt32(constant.Value, System.Globalization.CultureInfo.InvariantCulture); }
            catch (Exception ex) when (ex is InvalidCastException or OverflowException or FormatException) { }
        }
        return Syntactic(e);

        static int? Syntactic(ExpressionSyntax e) => e switch
        {
            ParenthesizedExpressionSyntax p => Syntactic(p.Expression),
            CastExpressionSyntax c => Syntactic(c.Expression),
            BinaryExpressionSyntax b when b.IsKind(SyntaxKind.BitwiseOrExpression) => Syntactic(b.Left) is { } l && Syntactic(b.Right) is { } r ? l | r : null,
            LiteralExpressionSyntax { Token.Value: int i } => i,
            MemberAccessExpressionSyntax or IdentifierNameSyntax => OptionValue(e) is var v && v != 0 ? v : null,
            _ => null,
        };
    }

    /// <summary>A MethodImplOptions member named by an operand (X, MethodImplOptions.X, Ns.MethodImplOptions.X); 0 otherwise.</summary>
    static int OptionValue(ExpressionSyntax e)
    {
        var name = e switch
        {
            MemberAccessExpressionSyntax m => m.Name.Identifier.ValueText,
            IdentifierNameSyntax i => i.Identifier.ValueText,
            _ => null,
        };
        return name is null ? 0 : Options.FirstOrDefault(o => o.Name == name).Value;
    }

    /// <summary>The operands of "A | B | C" when each names one option; null for any other form.</summary>
    static List<ExpressionSyntax>? FlatOperands(ExpressionSyntax e)
    {
        var result = new List<ExpressionSyntax>();
        bool Walk(ExpressionSyntax x)
        {
            if (x is BinaryExpressionSyntax b && b.IsKind(SyntaxKind.BitwiseOrExpression)) return Walk(b.Left) && Walk(b.Right);
            if (OptionValue(x) == 0) return false;
            result.Add(x);
            return true;
        }
        return Walk(e) ? result : null;
    }

    /// <summary>Deletes an attribute: its whole line when its list is alone on the line, the list and the spaces after
    /// it when inline, or the attribute and one separator when the list holds others.</summary>
    static TextChange RemoveAttribute(SourceDocument doc, AttributeSyntax attr)
    {
        var list = (AttributeListSyntax)attr.Parent!;
        var text = doc.Text;
        if (list.Attributes.Count > 1)
        {
            int index = list.Attributes.IndexOf(attr);
            return index < list.Attributes.Count - 1
                ? new TextChange(TextSpan.FromBounds(attr.SpanStart, list.Attributes[index + 1].SpanStart), "")
                : new TextChange(TextSpan.FromBounds(list.Attributes[index - 1].Span.End, attr.Span.End), "");
        }
        var line = text.Lines.GetLineFromPosition(list.SpanStart);
        bool aloneBefore = IsBlank(text, line.Start, list.SpanStart);
        bool aloneAfter = list.Span.End <= line.End && IsBlank(text, list.Span.End, line.End);
        if (aloneBefore && aloneAfter) return new TextChange(TextSpan.FromBounds(line.Start, line.EndIncludingLineBreak), "");
        int end = list.Span.End;
        while (end < line.End && text[end] is ' ' or '\t') end++;
        return new TextChange(TextSpan.FromBounds(list.SpanStart, end), "");
    }

    static bool IsBlank(SourceText text, int start, int end)
    {
        for (int i = start; i < end; i++) if (!char.IsWhiteSpace(text[i])) return false;
        return true;
    }

    /// <summary>The whitespace before a position when nothing else precedes it on its line; null otherwise.</summary>
    static string? LineIndent(SourceDocument doc, int position)
    {
        var line = doc.Text.Lines.GetLineFromPosition(position);
        return IsBlank(doc.Text, line.Start, position) ? doc.Text.ToString(TextSpan.FromBounds(line.Start, position)) : null;
    }

    /// <summary>Whether MethodImpl and MethodImplOptions resolve to the framework's types at a position: yes; no, and a
    /// using would fix it; or other types of those names are in scope, so only fully qualified names are safe.</summary>
    static Scope ScopeAt(SourceDocument doc, int position)
    {
        var compilation = doc.Project.Compilation;
        var attributeType = compilation.GetTypeByMetadataName(Ns + ".MethodImplAttribute");
        var optionsType = compilation.GetTypeByMetadataName(Ns + ".MethodImplOptions");
        if (attributeType is null || optionsType is null) return HasUsing(doc) ? Scope.InScope : Scope.NeedsUsing;
        var model = doc.Model;
        bool conflict = false;
        bool Resolves(string name, INamedTypeSymbol? want)
        {
            var found = model.LookupNamespacesAndTypes(position, name: name);
            if (want is not null && found.Any(s => SymbolEqualityComparer.Default.Equals(s, want))) return true;
            if (found.Any(s => s is INamedTypeSymbol)) conflict = true;
            return false;
        }
        bool attribute = Resolves("MethodImplAttribute", attributeType);
        Resolves("MethodImpl", null);   // a type named MethodImpl would make [MethodImpl] ambiguous
        bool options = Resolves("MethodImplOptions", optionsType);
        if (conflict) return Scope.Qualified;
        return attribute && options ? Scope.InScope : Scope.NeedsUsing;
    }

    static bool HasUsing(SourceDocument doc) =>
        doc.Tree.GetCompilationUnitRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
            .OfType<UsingDirectiveSyntax>()
            .Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.NamespaceOrType.ToString().Replace("global::", "") == Ns);

    /// <summary>"using System.Runtime.CompilerServices;" among the file's usings: at its sorted place when they are
    /// sorted (System first, or plain), otherwise after the last; before the first declaration (after any header
    /// comment) when the file has none.</summary>
    static TextChange UsingInsertion(SourceDocument doc)
    {
        const string directive = "using " + Ns + ";";
        var unit = doc.Tree.GetCompilationUnitRoot();
        var text = doc.Text;
        var plain = unit.Usings.Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None) && u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None)).ToList();
        if (plain.Count > 0)
        {
            var names = plain.Select(u => u.NamespaceOrType.ToString()).ToList();
            foreach (var comparer in new IComparer<string>[] { SystemFirst.Instance, StringComparer.Ordinal })
            {
                if (!names.Zip(names.Skip(1)).All(p => comparer.Compare(p.First, p.Second) <= 0)) continue;
                int at = names.FindIndex(n => comparer.Compare(Ns, n) < 0);
                if (at < 0) break;
                var before = plain[at];
                var indent = LineIndent(doc, before.SpanStart);
                return new TextChange(new TextSpan(before.SpanStart, 0), indent is null ? directive + " " : directive + doc.Eol + indent);
            }
            return After(plain[^1]);
        }
        if (unit.Usings.Count > 0) return After(unit.Usings[^1]);

        SyntaxNode? firstDecl = unit.AttributeLists.Cast<SyntaxNode>().Concat(unit.Members).OrderBy(n => n.SpanStart).FirstOrDefault();
        if (firstDecl is null) return new TextChange(new TextSpan(unit.EndOfFileToken.SpanStart, 0), directive + doc.Eol);
        var token = firstDecl.GetFirstToken();
        int position = token.SpanStart;
        // Keep doc comments and directives attached to the declaration: insert before the first of them.
        var attached = token.LeadingTrivia.FirstOrDefault(t => t.IsDirective || t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia));
        if (!attached.IsKind(SyntaxKind.None)) position = attached.SpanStart;
        position = text.Lines.GetLineFromPosition(position).Start;
        return new TextChange(new TextSpan(position, 0), directive + doc.Eol + doc.Eol);

        TextChange After(UsingDirectiveSyntax last)
        {
            var indent = LineIndent(doc, last.SpanStart) ?? "";
            return last.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia))
                ? new TextChange(new TextSpan(last.FullSpan.End, 0), indent + directive + doc.Eol)
                : new TextChange(new TextSpan(last.Span.End, 0), doc.Eol + indent + directive);
        }
    }

    /// <summary>System and System.* first, then the rest; ordinal, case-insensitive (the IDE's default order).</summary>
    sealed class SystemFirst : IComparer<string>
    {
        public static readonly SystemFirst Instance = new();
        public int Compare(string? x, string? y)
        {
            static bool IsSystem(string s) => s == "System" || s.StartsWith("System.", StringComparison.Ordinal);
            bool sx = IsSystem(x!), sy = IsSystem(y!);
            if (sx != sy) return sx ? -1 : 1;
            return StringComparer.OrdinalIgnoreCase.Compare(x, y);
        }
    }
}
