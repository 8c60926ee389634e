// `advisor apply --source`: the orchestration of advice as source edits. Checks the advice, loads the source tree
// (SourceTree), locates each method (SourceTree.Resolve), plans its edit (EditPlanner), then writes each file once,
// atomically, encoding and line ends kept. Editors plan the same edits without writing through SourceWorkspace.
using InlineAdvisor.Core;
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
            var plan = EditPlanner.Plan(found, r.Action);
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
        var (_, newText, refused) = EditPlanner.FileChanges(doc, fe.Changes, fe.NeedsUsing);
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
