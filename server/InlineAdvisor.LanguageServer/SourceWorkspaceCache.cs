// The source workspace code actions plan their edits in, loaded once and reused while nothing it read has changed: the
// open documents' texts (Documents.Generation) and the .cs/.csproj files on disk (a stat walk, far cheaper than the
// re-parse and compilation SourceWorkspace.Load does). SourceWorkspace has no API to replace one file, so any change
// reloads it whole.
using InlineAdvisor.Advice;

namespace InlineAdvisor.LanguageServer;

internal sealed class SourceWorkspaceCache(Documents documents)
{
    /// <summary>What SourceWorkspace.Load reads from disk, summarised: files, and their sizes and write times.</summary>
    readonly record struct DiskStamp(int Files, long Sum, long Newest);

    readonly object _gate = new();
    (string Root, long Generation, DiskStamp Disk, SourceWorkspace Workspace)? _cached;

    /// <summary>Runs <paramref name="use"/> on the workspace of <paramref name="root"/>, under a lock: SourceWorkspace is
    /// not thread-safe.</summary>
    /// <exception cref="AdviceException">The folder does not exist.</exception>
    public T With<T>(string root, Func<SourceWorkspace, T> use)
    {
        lock (_gate)
        {
            // The generation is read before the texts: a change meanwhile makes the next call reload.
            var generation = documents.Generation;
            var disk = Stamp(root);
            if (_cached is not { } c || c.Root != root || c.Generation != generation || c.Disk != disk)
            {
                var overlays = documents.Open.Where(d => d.Version >= 0).ToDictionary(d => d.Path, d => d.Text);
                c = (root, generation, disk, SourceWorkspace.Load(root, overlays));
                _cached = c;
            }
            return use(c.Workspace);
        }
    }

    /// <summary>The same walk as SourceWorkspace's (bin/, obj/, hidden folders and symbolic links skipped).</summary>
    static DiskStamp Stamp(string root)
    {
        var stamp = new DiskStamp(0, 0, 0);
        void Walk(string dir)
        {
            List<FileSystemInfo> entries;
            try { entries = new DirectoryInfo(dir).EnumerateFileSystemInfos().ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
            foreach (var entry in entries)
            {
                if ((entry.Attributes & FileAttributes.ReparsePoint) != 0) continue;
                if (entry is DirectoryInfo d)
                {
                    if (!d.Name.Equals("bin", StringComparison.OrdinalIgnoreCase) && !d.Name.Equals("obj", StringComparison.OrdinalIgnoreCase) && !d.Name.StartsWith('.'))
                        Walk(d.FullName);
                }
                else if (entry is FileInfo f && (f.Extension.Equals(".cs", StringComparison.OrdinalIgnoreCase) || f.Extension.Equals(".csproj", StringComparison.OrdinalIgnoreCase)))
                {
                    // Order-independent: a sum of per-file hashes (path, size, write time).
                    var ticks = f.LastWriteTimeUtc.Ticks;
                    stamp = new DiskStamp(stamp.Files + 1, stamp.Sum + HashCode.Combine(f.FullName, f.Length, ticks), Math.Max(stamp.Newest, ticks));
                }
            }
        }
        Walk(root);
        return stamp;
    }
}
