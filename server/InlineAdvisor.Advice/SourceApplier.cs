// `advisor apply --source`: the advice as source edits. Finds each method's declaration by its runtime identity with
// Roslyn's semantic model, then adds, merges or removes [MethodImpl(MethodImplOptions.…)] as minimal text changes
// placed by the syntax tree (nothing else in the file changes); files are written atomically, encoding and line ends kept.
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.Advice;

/// <summary>
/// Applies advice to C# source under a directory.
/// <para>Matching: the C# files under the directory (bin/, obj/, hidden folders and symbolic links skipped) are
/// grouped by their nearest .csproj and compiled (no emit) against the running runtime's shared framework. The
/// recommended type is looked up by its runtime name ("Ns.Outer+Inner", "Ns.Box`1"), its methods by metadata name
/// (".ctor", "get_P", "op_Addition", explicit implementations), and each method's signature is formatted the way the
/// runtime prints it and compared exactly. Types the compilation cannot resolve (another project's, a package's)
/// match by simple name only; when several declarations still match, the recommendation's source file and line
/// decide, and otherwise nothing is edited (NotApplied, "ambiguous"). When the same type exists in several projects,
/// the one whose assembly name is the recommendation's is preferred.</para>
/// <para>Edits: force → AggressiveInlining, block → NoInlining, remove → neither; merged into an existing
/// [MethodImpl(…)] (other options kept, the opposite inlining option replaced, the attribute or its list dropped when
/// nothing remains). A new attribute goes on its own line above the declaration (after its doc comment) with the
/// declaration's indentation, or inline when the declaration does not start its line;
/// <c>using System.Runtime.CompilerServices;</c> is added once per file when the names are not in scope.</para>
/// </summary>
public static class SourceApplier
{
    internal const int NoInlining = (int)MethodImplOptions.NoInlining;                  // 0x0008
    internal const int AggressiveInlining = (int)MethodImplOptions.AggressiveInlining;  // 0x0100
    const string CompilerServices = "System.Runtime.CompilerServices";

    /// <summary>Applies every recommendation to the C# source under <paramref name="sourceDir"/>; one outcome per
    /// recommendation, in order. Path is the file edited (or holding the declaration), null when none was found.</summary>
    /// <exception cref="AdviceException">The directory does not exist, or a recommendation's source path points outside
    /// it (checked for all recommendations before anything is read or written).</exception>
    public static IReadOnlyList<ApplyOutcome> Apply(AdviceFile advice, string sourceDir)
    {
        ArgumentNullException.ThrowIfNull(advice);
        var root = CheckRoot(sourceDir);
        var recs = advice.Recommendations;
        var hints = new SourceHint?[recs.Count];
        for (int i = 0; i < recs.Count; i++)
        {
            var r = recs[i] ?? throw new AdviceException($"recommendation {i + 1} is empty");
            if (r.Method is null || string.IsNullOrEmpty(r.Method.Type) || string.IsNullOrEmpty(r.Method.Name) || r.Method.Signature is null)
                throw new AdviceException($"recommendation {i + 1} names no complete method (type, name, signature)");
            if (!Enum.IsDefined(r.Action) || r.Action == InlineAction.Leave) throw new AdviceException($"recommendation {i + 1} has an unknown action");
            hints[i] = SourceHint.From(root, r, i);
        }

        var tree = SourceTree.Load(root);
        var outcomes = new ApplyOutcome?[recs.Count];
        var files = new Dictionary<SourceDocument, FileEdit>();
        var edited = new Dictionary<(string, int), int>();
        for (int i = 0; i < recs.Count; i++)
        {
            var r = recs[i];
            var found = tree.Resolve(r.Method, hints[i]);
            if (found.Kind != LocateKind.Found)
            {
                outcomes[i] = new ApplyOutcome(r, found.Status, found.Detail, found.Document?.FullPath);
                continue;
            }
            var key = (found.Declarations[0].Doc.FullPath, found.Declarations[0].Node.SpanStart);
            if (edited.TryGetValue(key, out var earlier))
            {
                outcomes[i] = new ApplyOutcome(r, ApplyStatus.NotApplied, $"{found.Where}: the same declaration as recommendation {earlier + 1}; not edited twice", found.Document!.FullPath);
                continue;
            }
            edited[key] = i;
            var plan = Planner.Plan(found, r.Action);
            if (plan.Changes.Count == 0 || plan.Status != ApplyStatus.Applied)
            {
                outcomes[i] = new ApplyOutcome(r, plan.Status, plan.Detail, plan.Doc.FullPath);
                continue;
            }
            if (!files.TryGetValue(plan.Doc, out var fe)) files[plan.Doc] = fe = new FileEdit(plan.Doc);
            fe.Changes.AddRange(plan.Changes);
            fe.NeedsUsing |= plan.NeedsUsing;
            fe.Recommendations.Add((i, plan.Detail));
        }

        foreach (var fe in files.Values)
        {
            var error = Write(fe);
            foreach (var (i, detail) in fe.Recommendations)
                outcomes[i] = error is null
                    ? new ApplyOutcome(recs[i], ApplyStatus.Applied, detail, fe.Doc.FullPath)
                    : new ApplyOutcome(recs[i], ApplyStatus.NotApplied, $"{fe.Doc.RelativePath}: {error}; not written", fe.Doc.FullPath);
        }
        return outcomes.Select(o => o!).ToList();
    }

    internal static string CheckRoot(string sourceDir)
    {
        if (string.IsNullOrWhiteSpace(sourceDir) || !Directory.Exists(sourceDir))
            throw new AdviceException($"source directory not found: {sourceDir}");
        return Path.TrimEndingDirectorySeparator(Path.GetFullPath(sourceDir));
    }

    /// <summary>The file's complete change set: the planned changes plus the using (once, when needed), sorted; refused
    /// (with the reason) when changes overlap or the result parses worse than the original.</summary>
    internal static (List<TextChange> Changes, SourceText NewText, string? Refused) FinalChangesFor(SourceDocument doc, IEnumerable<TextChange> planned, bool needsUsing) =>
        FinalChanges(doc, planned, needsUsing);

    static (List<TextChange> Changes, SourceText NewText, string? Refused) FinalChanges(SourceDocument doc, IEnumerable<TextChange> planned, bool needsUsing)
    {
        var changes = new List<TextChange>(planned);
        if (needsUsing && !Planner.HasUsing(doc)) changes.Add(Planner.UsingInsertion(doc));
        changes.Sort((a, b) => a.Span.Start != b.Span.Start ? a.Span.Start.CompareTo(b.Span.Start) : a.Span.End.CompareTo(b.Span.End));
        for (int k = 1; k < changes.Count; k++)
            if (changes[k].Span.Start < changes[k - 1].Span.End) return (changes, doc.Text, "overlapping edits");
        var newText = doc.Text.WithChanges(changes);
        var reparsed = CSharpSyntaxTree.ParseText(newText, SourceTree.ParseOptions, doc.FullPath);
        int before = doc.Tree.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        int after = reparsed.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        return (changes, newText, after > before ? "the edit would not parse" : null);
    }

    sealed class FileEdit(SourceDocument doc)
    {
        public SourceDocument Doc { get; } = doc;
        public List<TextChange> Changes { get; } = [];
        public bool NeedsUsing { get; set; }
        public List<(int Index, string Detail)> Recommendations { get; } = [];
    }

    /// <summary>Applies the file's changes, checks the result still parses as well as before, and replaces the file
    /// atomically. Returns why it was not written, or null.</summary>
    static string? Write(FileEdit fe)
    {
        var doc = fe.Doc;
        if (doc.WriteEncoding is null) return "not UTF-8 or UTF-16 text (the encoding could not be kept)";
        var (changes, newText, refused) = FinalChanges(doc, fe.Changes, fe.NeedsUsing);
        if (refused is not null) return refused;

        var preamble = doc.WriteEncoding.GetPreamble();
        var body = doc.WriteEncoding.GetBytes(newText.ToString());
        var bytes = new byte[(doc.HasPreamble ? preamble.Length : 0) + body.Length];
        if (doc.HasPreamble) preamble.CopyTo(bytes, 0);
        body.CopyTo(bytes, doc.HasPreamble ? preamble.Length : 0);

        var dir = Path.GetDirectoryName(doc.FullPath)!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(doc.FullPath)}.inline-advisor-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            if (!File.ReadAllBytes(doc.FullPath).AsSpan().SequenceEqual(doc.OriginalBytes)) return "the file changed while the advice was applied";
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, File.GetUnixFileMode(doc.FullPath));
            File.Move(temp, doc.FullPath, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
        finally
        {
            try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

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
        var cmp = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, cmp)) throw new AdviceException(Refuse());
        return new SourceHint(Path.GetRelativePath(root, full).Replace('\\', '/'), Math.Max(0, s.Line));
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

internal sealed class SourceDocument
{
    public required string FullPath { get; init; }
    public required string RelativePath { get; init; }
    public required byte[] OriginalBytes { get; init; }
    /// <summary>The encoding to write back with; null when the bytes were not valid text in a known encoding.</summary>
    public required Encoding? WriteEncoding { get; init; }
    public required bool HasPreamble { get; init; }
    public required SourceText Text { get; init; }
    public required SyntaxTree Tree { get; init; }
    /// <summary>The file's dominant line ending.</summary>
    public required string Eol { get; init; }
    public SourceProject Project { get; set; } = null!;
    SemanticModel? _model;
    public SemanticModel Model => _model ??= Project.Compilation.GetSemanticModel(Tree);
    public override string ToString() => RelativePath;
}

internal sealed class SourceProject
{
    public required string Dir { get; init; }
    /// <summary>Assembly names of the .csproj files in <see cref="Dir"/> (empty: files outside any project).</summary>
    public required IReadOnlySet<string> AssemblyNames { get; init; }
    public List<SourceDocument> Documents { get; } = [];
    public CSharpCompilation Compilation { get; set; } = null!;
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

/// <summary>The C# files under a root, parsed and compiled per project (no emit).</summary>
internal sealed class SourceTree
{
    const long MaxFileBytes = 8 << 20;

    internal static readonly CSharpParseOptions ParseOptions = new(
        LanguageVersion.Preview, DocumentationMode.Parse, SourceCodeKind.Regular,
        ["RELEASE", "TRACE", "NET", "NETCOREAPP", "NET10_0", "NET5_0_OR_GREATER", "NET6_0_OR_GREATER", "NET7_0_OR_GREATER",
         "NET8_0_OR_GREATER", "NET9_0_OR_GREATER", "NET10_0_OR_GREATER", "NETCOREAPP3_1_OR_GREATER"]);

    /// <summary>The SDK's implicit global usings (ImplicitUsings=enable), since obj/ is not read.</summary>
    const string ImplicitUsings =
        "global using global::System;\nglobal using global::System.Collections.Generic;\nglobal using global::System.IO;\n" +
        "global using global::System.Linq;\nglobal using global::System.Net.Http;\nglobal using global::System.Threading;\n" +
        "global using global::System.Threading.Tasks;\n";

    static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(LoadFrameworkReferences);

    public string Root { get; }
    public IReadOnlyList<SourceProject> Projects { get; }

    SourceTree(string root, IReadOnlyList<SourceProject> projects) { Root = root; Projects = projects; }

    public static SourceTree Load(string root, IReadOnlyDictionary<string, string>? overlays = null)
    {
        var csFiles = new List<string>();
        var projectFiles = new Dictionary<string, List<string>>(PathComparer);
        Walk(root, csFiles, projectFiles);
        var projects = new Dictionary<string, SourceProject>(PathComparer);
        foreach (var file in csFiles.Order(StringComparer.Ordinal))
        {
            var dir = ProjectDir(root, Path.GetDirectoryName(file)!, projectFiles);
            if (!projects.TryGetValue(dir, out var project))
            {
                var names = projectFiles.TryGetValue(dir, out var csprojs) ? csprojs.Select(AssemblyName).ToHashSet(StringComparer.OrdinalIgnoreCase) : [];
                projects[dir] = project = new SourceProject { Dir = dir, AssemblyNames = names };
            }
            var doc = overlays is not null && overlays.TryGetValue(file, out var unsaved) ? FromText(root, file, unsaved) : Read(root, file);
            doc.Project = project;
            project.Documents.Add(doc);
        }
        foreach (var p in projects.Values)
        {
            var implicitUsings = CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, "<implicit usings>.cs");
            p.Compilation = CSharpCompilation.Create(
                p.AssemblyNames.FirstOrDefault() ?? "SourceApply",
                p.Documents.Select(d => d.Tree).Append(implicitUsings),
                FrameworkReferences.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        }
        return new SourceTree(root, projects.Values.ToList());
    }

    static StringComparer PathComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    static void Walk(string dir, List<string> csFiles, Dictionary<string, List<string>> projectFiles)
    {
        IEnumerable<FileSystemInfo> entries;
        try { entries = new DirectoryInfo(dir).EnumerateFileSystemInfos().ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var entry in entries)
        {
            if ((entry.Attributes & FileAttributes.ReparsePoint) != 0) continue;   // symbolic links could leave the tree
            if (entry is DirectoryInfo d)
            {
                if (d.Name.Equals("bin", StringComparison.OrdinalIgnoreCase) || d.Name.Equals("obj", StringComparison.OrdinalIgnoreCase) || d.Name.StartsWith('.')) continue;
                Walk(d.FullName, csFiles, projectFiles);
            }
            else if (entry is FileInfo f)
            {
                if (f.Extension.Equals(".cs", StringComparison.OrdinalIgnoreCase) && f.Length <= MaxFileBytes) csFiles.Add(f.FullName);
                else if (f.Extension.Equals(".csproj", StringComparison.OrdinalIgnoreCase))
                {
                    if (!projectFiles.TryGetValue(dir, out var list)) projectFiles[dir] = list = [];
                    list.Add(f.FullName);
                }
            }
        }
    }

    static string ProjectDir(string root, string dir, Dictionary<string, List<string>> projectFiles)
    {
        for (var d = dir; d is not null && d.Length >= root.Length; d = Path.GetDirectoryName(d))
            if (projectFiles.ContainsKey(d)) return d;
        return root;
    }

    /// <summary>The project's &lt;AssemblyName&gt; when it is a literal, else the file name.</summary>
    static string AssemblyName(string csproj)
    {
        try
        {
            var name = XDocument.Load(csproj).Descendants().FirstOrDefault(e => e.Name.LocalName == "AssemblyName")?.Value.Trim();
            if (!string.IsNullOrEmpty(name) && !name.Contains('$')) return name;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Xml.XmlException) { }
        return Path.GetFileNameWithoutExtension(csproj);
    }

    /// <summary>An editor's unsaved text: planned on, never written from this tree (its bytes are not the file's).</summary>
    static SourceDocument FromText(string root, string path, string text)
    {
        var source = SourceText.From(text);
        return new SourceDocument
        {
            FullPath = path,
            RelativePath = Path.GetRelativePath(root, path).Replace('\\', '/'),
            OriginalBytes = [],
            WriteEncoding = null,
            HasPreamble = false,
            Text = source,
            Tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path),
            Eol = text.Contains("\r\n") ? "\r\n" : "\n",
        };
    }

    static SourceDocument Read(string root, string path)
    {
        var bytes = File.ReadAllBytes(path);
        Encoding? encoding = null;
        bool preamble = false;
        string text;
        try
        {
            if (bytes is [0xEF, 0xBB, 0xBF, ..]) { encoding = new UTF8Encoding(true, true); preamble = true; text = encoding.GetString(bytes, 3, bytes.Length - 3); }
            else if (bytes is [0xFF, 0xFE, ..]) { encoding = new UnicodeEncoding(false, true, true); preamble = true; text = encoding.GetString(bytes, 2, bytes.Length - 2); }
            else if (bytes is [0xFE, 0xFF, ..]) { encoding = new UnicodeEncoding(true, true, true); preamble = true; text = encoding.GetString(bytes, 2, bytes.Length - 2); }
            else { encoding = new UTF8Encoding(false, true); text = encoding.GetString(bytes); }
        }
        catch (DecoderFallbackException)
        {
            encoding = null; preamble = false;
            text = Encoding.Latin1.GetString(bytes);   // still searched, never written
        }
        var source = SourceText.From(text);
        int crlf = 0, lf = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { if (i > 0 && text[i - 1] == '\r') crlf++; else lf++; }
        return new SourceDocument
        {
            FullPath = path,
            RelativePath = Path.GetRelativePath(root, path).Replace('\\', '/'),
            OriginalBytes = bytes,
            WriteEncoding = encoding,
            HasPreamble = preamble,
            Text = source,
            Tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path),
            Eol = crlf > lf ? "\r\n" : "\n",
        };
    }

    static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        var dir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir)) return builder.ToImmutable();
        foreach (var dll in Directory.EnumerateFiles(dir, "*.dll").Order(StringComparer.Ordinal))
        {
            try
            {
                using (var stream = File.OpenRead(dll))
                using (var pe = new System.Reflection.PortableExecutable.PEReader(stream))
                    if (!pe.HasMetadata) continue;
                builder.Add(MetadataReference.CreateFromFile(dll));
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException) { }
        }
        return builder.ToImmutable();
    }

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
        return $"{d.Doc.RelativePath}:{d.Doc.Text.Lines.GetLineFromPosition(Planner.NameToken(d.Node).SpanStart).LineNumber + 1}";
    }
}

/// <summary>Formats a method symbol's signature the way the runtime prints MethodSignature
/// (see <see cref="RuntimeNames"/>): "instance generic !!0  (!!0,!0)", "int32  (class System.String[],int32&amp;)".
/// Types the compilation could not resolve become wildcards that match any namespace and class kind.</summary>
internal sealed class RuntimeSignature
{
    const char Open = '\u0001', Close = '\u0002';
    readonly string _text;
    readonly bool _loose;
    Regex? _regex;

    RuntimeSignature(string text, bool loose) { _text = text; _loose = loose; }

    /// <summary>The formatted text, unresolved types shown as "?Name".</summary>
    public string Display => _loose ? _text.Replace(Open, '?').Replace(Close.ToString(), "") : _text;
    public bool IsExact => !_loose;

    public static RuntimeSignature Of(IMethodSymbol method)
    {
        var w = new Writer();
        w.Method(method, functionPointer: false);
        return new RuntimeSignature(w.ToString(), w.Loose);
    }

    public bool Matches(string runtimeSignature)
    {
        if (!_loose) return string.Equals(_text, runtimeSignature, StringComparison.Ordinal);
        _regex ??= BuildRegex(_text);
        return _regex.IsMatch(runtimeSignature);
    }

    static Regex BuildRegex(string text)
    {
        var sb = new StringBuilder("^");
        int i = 0;
        while (i < text.Length)
        {
            int open = text.IndexOf(Open, i);
            if (open < 0) { sb.Append(Regex.Escape(text[i..])); break; }
            sb.Append(Regex.Escape(text[i..open]));
            int close = text.IndexOf(Close, open);
            sb.Append(@"(?:(?:value )?class )?(?:[^\s,<>()&*\[\]]+[.+])?").Append(Regex.Escape(text[(open + 1)..close]));
            i = close + 1;
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    sealed class Writer
    {
        readonly StringBuilder _sb = new();
        public bool Loose { get; private set; }
        public override string ToString() => _sb.ToString();

        public void Method(IMethodSymbol m, bool functionPointer)
        {
            if (!functionPointer && !m.IsStatic) _sb.Append("instance ");
            if (m.IsGenericMethod) _sb.Append("generic ");
            _sb.Append(m.CallingConvention switch
            {
                System.Reflection.Metadata.SignatureCallingConvention.VarArgs => "vararg ",
                System.Reflection.Metadata.SignatureCallingConvention.CDecl => "unmanaged cdecl ",
                System.Reflection.Metadata.SignatureCallingConvention.StdCall => "unmanaged stdcall ",
                System.Reflection.Metadata.SignatureCallingConvention.ThisCall => "unmanaged thiscall ",
                System.Reflection.Metadata.SignatureCallingConvention.FastCall => "unmanaged fastcall ",
                _ => "",
            });
            if (m.RefKind != RefKind.None)
            {
                Modifiers(m.RefCustomModifiers);
                Modifiers(m.ReturnTypeCustomModifiers);
                Type(m.ReturnType);
                _sb.Append('&');
            }
            else
            {
                Modifiers(m.ReturnTypeCustomModifiers);
                Type(m.ReturnType);
            }
            _sb.Append(functionPointer ? "(" : "  (");
            for (int i = 0; i < m.Parameters.Length; i++)
            {
                if (i > 0) _sb.Append(',');
                var p = m.Parameters[i];
                if (p.RefKind != RefKind.None)
                {
                    Modifiers(p.RefCustomModifiers);
                    Modifiers(p.CustomModifiers);
                    Type(p.Type);
                    _sb.Append('&');
                }
                else
                {
                    Modifiers(p.CustomModifiers);
                    Type(p.Type);
                }
            }
            _sb.Append(')');
        }

        void Modifiers(ImmutableArray<CustomModifier> modifiers)
        {
            foreach (var mod in modifiers)
            {
                _sb.Append(mod.IsOptional ? "optional_modifier " : "required_modifier ");
                PlainName(mod.Modifier);
                _sb.Append(' ');
            }
        }

        /// <summary>PrettyPrintClass: "Namespace.Name" for top-level types, "Name" for nested ones.</summary>
        void PlainName(INamedTypeSymbol t)
        {
            if (t.ContainingType is null)
            {
                var ns = Namespace(t.ContainingNamespace);
                if (ns.Length > 0) _sb.Append(ns).Append('.');
            }
            _sb.Append(t.MetadataName);
        }

        static string Namespace(INamespaceSymbol? ns)
        {
            var parts = new List<string>();
            for (; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace) parts.Add(ns.MetadataName);
            parts.Reverse();
            return string.Join('.', parts);
        }

        void Type(ITypeSymbol t)
        {
            switch (t)
            {
                case IArrayTypeSymbol a:
                    Type(a.ElementType);
                    _sb.Append(a.IsSZArray ? "[]" : "[" + new string(',', a.Rank - 1) + "]");
                    return;
                case IPointerTypeSymbol p:
                    Modifiers(p.CustomModifiers);
                    Type(p.PointedAtType);
                    _sb.Append('*');
                    return;
                case IFunctionPointerTypeSymbol f:
                    _sb.Append("fnptr ");
                    Method(f.Signature, functionPointer: true);
                    return;
                case ITypeParameterSymbol tp:
                    if (tp.TypeParameterKind == TypeParameterKind.Method) _sb.Append("!!").Append(tp.Ordinal);
                    else
                    {
                        int outer = 0;
                        for (var c = tp.DeclaringType?.ContainingType; c is not null; c = c.ContainingType) outer += c.Arity;
                        _sb.Append('!').Append(outer + tp.Ordinal);
                    }
                    return;
                case IDynamicTypeSymbol:
                    _sb.Append("class System.Object");
                    return;
                case INamedTypeSymbol n:
                    Named(n);
                    return;
                default:
                    Unresolved(t.Name, 0);
                    return;
            }
        }

        void Unresolved(string name, int arity)
        {
            Loose = true;
            _sb.Append(Open).Append(name);
            if (arity > 0) _sb.Append('`').Append(arity);
            _sb.Append(Close);
        }

        void Named(INamedTypeSymbol n)
        {
            if (n.IsTupleType && n.TupleUnderlyingType is { } underlying) n = underlying;
            var primitive = n.SpecialType switch
            {
                SpecialType.System_Void => "void",
                SpecialType.System_Boolean => "bool",
                SpecialType.System_Char => "wchar",
                SpecialType.System_SByte => "int8",
                SpecialType.System_Byte => "unsigned int8",
                SpecialType.System_Int16 => "int16",
                SpecialType.System_UInt16 => "unsigned int16",
                SpecialType.System_Int32 => "int32",
                SpecialType.System_UInt32 => "unsigned int32",
                SpecialType.System_Int64 => "int64",
                SpecialType.System_UInt64 => "unsigned int64",
                SpecialType.System_Single => "float32",
                SpecialType.System_Double => "float64",
                SpecialType.System_IntPtr => "int",
                SpecialType.System_UIntPtr => "unsigned int",
                SpecialType.System_Object => "class System.Object",
                SpecialType.System_String => "class System.String",
                SpecialType.System_TypedReference => "refany",
                _ => null,
            };
            if (primitive is not null) { _sb.Append(primitive); return; }

            if (n.TypeKind == TypeKind.Error)
                Unresolved(n.Name, n.Arity);
            else
            {
                _sb.Append(n.IsValueType ? "value class " : "class ");
                PlainName(n);
            }
            // Generic instantiations carry the arguments of the enclosing types too ("Enumerator<int32,class System.String>").
            var args = new List<ITypeSymbol>();
            var chain = new Stack<INamedTypeSymbol>();
            for (var c = n; c is not null; c = c.ContainingType) chain.Push(c);
            foreach (var c in chain) args.AddRange(c.TypeArguments);
            if (args.Count == 0) return;
            _sb.Append('<');
            for (int i = 0; i < args.Count; i++)
            {
                if (i > 0) _sb.Append(',');
                Type(args[i]);
            }
            _sb.Append('>');
        }
    }
}

/// <summary>Plans the text changes for one recommendation on its located declaration(s).</summary>
internal static class Planner
{
    internal sealed record EditPlan(ApplyStatus Status, string Detail, SourceDocument Doc, IReadOnlyList<TextChange> Changes, bool NeedsUsing);

    enum Scope { InScope, NeedsUsing, Qualified }

    const string Ns = "System.Runtime.CompilerServices";
    const int Inlining = SourceApplier.NoInlining | SourceApplier.AggressiveInlining;

    static readonly (int Value, string Name)[] Options = Enum.GetValues<MethodImplOptions>()
        .Select(v => ((int)v, v.ToString())).Where(o => o.Item1 != 0 && (o.Item1 & (o.Item1 - 1)) == 0)
        .DistinctBy(o => o.Item1).OrderBy(o => o.Item1).ToArray();

    public static EditPlan Plan(Located found, InlineAction action)
    {
        var (add, clear) = action switch
        {
            InlineAction.Force => (SourceApplier.AggressiveInlining, SourceApplier.NoInlining),
            InlineAction.Block => (SourceApplier.NoInlining, SourceApplier.AggressiveInlining),
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

    internal static SyntaxList<AttributeListSyntax> AttributeLists(SyntaxNode node) => node switch
    {
        BaseMethodDeclarationSyntax m => m.AttributeLists,
        AccessorDeclarationSyntax a => a.AttributeLists,
        _ => default,
    };

    internal static SyntaxToken NameToken(SyntaxNode node) => node switch
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

    internal static bool HasUsing(SourceDocument doc) =>
        doc.Tree.GetCompilationUnitRoot().DescendantNodes(n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax)
            .OfType<UsingDirectiveSyntax>()
            .Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.NamespaceOrType.ToString().Replace("global::", "") == Ns);

    /// <summary>"using System.Runtime.CompilerServices;" among the file's usings: at its sorted place when they are
    /// sorted (System first, or plain), otherwise after the last; before the first declaration (after any header
    /// comment) when the file has none.</summary>
    internal static TextChange UsingInsertion(SourceDocument doc)
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
