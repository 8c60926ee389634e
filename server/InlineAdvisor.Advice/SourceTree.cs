// The C# source under a root as Roslyn sees it: files found (bin/, obj/, hidden folders and links skipped), decoded with
// their encoding and line ends remembered for writing back, parsed with SourceParsing.Options, grouped by their nearest
// .csproj and compiled (no emit) against the running runtime's shared framework. Locating methods is in SourceTree.Resolve.cs.
using System.Collections.Immutable;
using System.Text;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace InlineAdvisor.Advice;

/// <summary>One C# file: its text and tree, and what is needed to write it back unchanged but for the edit (the
/// original bytes to detect a concurrent change, the encoding, the preamble, the line ending).</summary>
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

/// <summary>The files of one .csproj folder, compiled together so their types bind to each other.</summary>
internal sealed class SourceProject
{
    public required string Dir { get; init; }
    /// <summary>Assembly names of the .csproj files in <see cref="Dir"/> (empty: files outside any project).</summary>
    public required IReadOnlySet<string> AssemblyNames { get; init; }
    public List<SourceDocument> Documents { get; } = [];
    public CSharpCompilation Compilation { get; set; } = null!;
}

/// <summary>The C# files under a root, parsed and compiled per project (no emit).</summary>
internal sealed partial class SourceTree
{
    const long MaxFileBytes = 8 << 20;

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
            var implicitUsings = SourceParsing.Parse(SourceText.From(ImplicitUsings), "<implicit usings>.cs");
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
            Tree = SourceParsing.Parse(source, path),
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
            Tree = SourceParsing.Parse(source, path),
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
}
