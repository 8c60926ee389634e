// The one way InlineAdvisor replaces a user's file: write a temp file beside it, flush it to disk, rename it over the
// target; on any failure the temp is removed and the target is as it was.
namespace InlineAdvisor.Core;

public static class AtomicFile
{
    /// <summary>The prefix of every temp file this helper creates (orphans of a killed process can be found by it).</summary>
    public const string TempMarker = ".inline-advisor-tmp-";

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> so a reader sees the old file or the whole new one,
    /// never half: the temp file is in the same folder (a rename within one file system is atomic), flushed to disk
    /// before the rename, and deleted when writing or renaming fails.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $"{TempMarker}{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    public static void WriteAllText(string path, string text, System.Text.Encoding? encoding = null) =>
        Write(path, s =>
        {
            using var w = new StreamWriter(s, encoding ?? new System.Text.UTF8Encoding(false), leaveOpen: true);
            w.Write(text);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }
}
