// Copies one EventPipe session's stream to a .nettrace file while counting its events on the side.
using System.IO.Pipelines;
using Microsoft.Diagnostics.Tracing;

namespace InlineAdvisor.Tracing;

/// <summary>
/// The file is the product; the live event count is a courtesy for the progress line. The counter reads
/// a second copy of the bytes through a pipe, and if it ever fails the file is still written in full.
/// </summary>
internal sealed class TraceRecorder(bool countEvents)
{
    private long _bytes;
    private long _events;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
    private volatile bool _counterAlive = countEvents;

    public long Bytes => Interlocked.Read(ref _bytes);
    public long Events => Interlocked.Read(ref _events);

    public async Task RecordAsync(Stream source, string path)
    {
        var counter = countEvents ? Task.Run(CountEvents) : Task.CompletedTask;
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16))
        {
            var buffer = new byte[1 << 16];
            try
            {
                int n;
                while ((n = await source.ReadAsync(buffer)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, n));
                    Interlocked.Add(ref _bytes, n);
                    if (_counterAlive) await _pipe.Writer.WriteAsync(buffer.AsMemory(0, n));
                }
            }
            catch (IOException)
            {
                // The target died mid-stream: what arrived is kept; the reader tolerates a truncated tail.
            }
            catch (ObjectDisposedException)
            {
            }
        }
        await _pipe.Writer.CompleteAsync();
        await counter;
    }

    private void CountEvents()
    {
        try
        {
            using var source = new EventPipeEventSource(_pipe.Reader.AsStream());
            source.AllEvents += _ => Interlocked.Increment(ref _events);
            source.Process();
        }
        catch (Exception)
        {
            // Counting is best effort; the recorded file does not depend on it.
        }
        finally
        {
            _counterAlive = false;
            _pipe.Reader.Complete();
        }
    }
}
