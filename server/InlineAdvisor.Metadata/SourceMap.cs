// Reads a portable PDB (beside the assembly or embedded in it): IL offset → source line, a method's first line, and document checksums.
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using InlineAdvisor.Core;

namespace InlineAdvisor.Metadata;

/// <summary>The sequence points of one assembly's portable PDB. Every query returns null rather than
/// throwing when the PDB lacks the method or is damaged. Owned by its <see cref="ManagedAssembly"/>.</summary>
public sealed class SourceMap
{
    static readonly Guid Sha1 = new("ff1816ec-aa5e-4d10-87f7-6f4963833460");
    static readonly Guid Sha256 = new("8829d00f-11b8-4213-878b-770e8597ac16");

    readonly MetadataReaderProvider _provider;
    readonly MetadataReader _pdb;
    readonly Dictionary<int, SequencePoint[]> _points = new();
    readonly object _gate = new();

    SourceMap(MetadataReaderProvider provider, string pdbPath)
    {
        _provider = provider;
        _pdb = provider.GetMetadataReader();
        PdbPath = pdbPath;
    }

    /// <summary>The PDB file, or the assembly's path when the PDB is embedded.</summary>
    public string PdbPath { get; }

    /// <summary>Opens the PDB associated with <paramref name="pe"/> (the CodeView path, the file beside
    /// the assembly, or an embedded PDB; the PDB id must match). Null when there is none.</summary>
    internal static SourceMap? TryOpen(PEReader pe, string assemblyPath)
    {
        try
        {
            if (!pe.TryOpenAssociatedPortablePdb(assemblyPath,
                    p => File.Exists(p) ? new MemoryStream(File.ReadAllBytes(p), writable: false) : null,
                    out var provider, out var pdbPath) || provider is null)
                return null;
            try
            {
                return new SourceMap(provider, pdbPath ?? assemblyPath);
            }
            catch
            {
                provider.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Every source document path as the PDB records it.</summary>
    public IReadOnlyList<string> Documents =>
        _pdb.Documents.Select(h => _pdb.GetString(_pdb.GetDocument(h).Name)).ToList();

    /// <summary>The visible sequence point covering <paramref name="ilOffset"/>: the nearest one at or
    /// before it (hidden points are skipped). Null when none precedes it or the method has none.</summary>
    public SourceLocation? Locate(int methodToken, int ilOffset)
    {
        var points = PointsOf(methodToken);
        if (points is null || points.Length == 0) return null;
        int lo = 0, hi = points.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (points[mid].Offset <= ilOffset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? null : ToLocation(points[found]);
    }

    /// <summary>The lowest line among the method's visible sequence points (column of that point).</summary>
    public SourceLocation? FirstLine(int methodToken)
    {
        var points = PointsOf(methodToken);
        if (points is null || points.Length == 0) return null;
        var first = points.OrderBy(p => p.StartLine).ThenBy(p => p.StartColumn).First();
        return ToLocation(first);
    }

    /// <summary>The stored checksum of a document: matched by full path, else by the longest unique
    /// trailing run of path segments (PDBs built with path maps store "/_/src/…").</summary>
    public DocumentChecksum? Checksum(string file)
    {
        try
        {
            var docs = _pdb.Documents.Select(h => (Handle: h, Name: _pdb.GetString(_pdb.GetDocument(h).Name))).ToList();
            var wanted = Segments(file);
            int best = 0;
            var bestDocs = new List<DocumentHandle>();
            foreach (var (handle, name) in docs)
            {
                var have = Segments(name);
                int common = 0;
                while (common < have.Length && common < wanted.Length &&
                       have[^(common + 1)] == wanted[^(common + 1)]) common++;
                if (common == 0) continue;
                if (common > best) { best = common; bestDocs.Clear(); }
                if (common == best) bestDocs.Add(handle);
            }
            if (bestDocs.Count != 1) return null;
            var doc = _pdb.GetDocument(bestDocs[0]);
            var algorithm = _pdb.GetGuid(doc.HashAlgorithm);
            string name2 = algorithm == Sha256 ? "SHA256" : algorithm == Sha1 ? "SHA1" : algorithm.ToString();
            return new DocumentChecksum(_pdb.GetString(doc.Name), name2, Convert.ToHexString(_pdb.GetBlobBytes(doc.Hash)));
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    static string[] Segments(string path) =>
        path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);

    SequencePoint[]? PointsOf(int methodToken)
    {
        if ((methodToken >> 24) != 0x06) return null;
        int row = methodToken & 0xFFFFFF;
        lock (_gate)
        {
            if (_points.TryGetValue(row, out var cached)) return cached;
            SequencePoint[] points;
            try
            {
                if (row < 1 || row > _pdb.GetTableRowCount(TableIndex.MethodDebugInformation)) points = [];
                else
                {
                    var info = _pdb.GetMethodDebugInformation(MetadataTokens.MethodDebugInformationHandle(row));
                    points = info.SequencePointsBlob.IsNil
                        ? []
                        : info.GetSequencePoints().Where(p => !p.IsHidden).OrderBy(p => p.Offset).ToArray();
                }
            }
            catch (BadImageFormatException)
            {
                points = [];
            }
            _points[row] = points;
            return points;
        }
    }

    SourceLocation ToLocation(SequencePoint p) =>
        new(_pdb.GetString(_pdb.GetDocument(p.Document).Name), p.StartLine, p.StartColumn);

    internal void Release() => _provider.Dispose();
}
