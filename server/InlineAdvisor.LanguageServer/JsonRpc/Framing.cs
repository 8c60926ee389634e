// The LSP base protocol's framing: "Content-Length: N\r\n\r\n" + N bytes of JSON, read and written by hand. Hand-written
// because StreamJsonRpc's HeaderDelimitedMessageHandler ends the whole connection at the first bad header or oversized
// frame (measured with 2.26.150: BadRpcHeaderException faults JsonRpc.Completion); this reader reports and resynchronises.
using System.Text;

namespace InlineAdvisor.LanguageServer.JsonRpc;

/// <summary>One frame from the stream: a body, or why the bytes were not a frame (the reader has already skipped them).</summary>
internal readonly record struct Frame(byte[]? Body, string? Error);

/// <summary>
/// Reads frames from a byte stream. Never throws on bad input: a malformed header block is reported and the reader
/// resynchronises at the next "Content-Length"; a body over <see cref="MaxBody"/> is reported and its bytes
/// are discarded as they arrive (never buffered). Returns null at the end of the stream.
/// </summary>
internal sealed class FrameReader(Stream input, int maxBody = FrameReader.DefaultMaxBody)
{
    public const int DefaultMaxBody = 64 << 20;
    const int MaxHeaderBlock = 16 << 10;
    static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    static readonly byte[] LengthName = "content-length"u8.ToArray();

    readonly Stream _input = input;
    byte[] _buffer = new byte[64 << 10];
    int _start, _end;
    bool _resync;

    public int MaxBody { get; } = maxBody;

    public async Task<Frame?> ReadAsync(CancellationToken ct = default)
    {
        // After bad input, skip to the next frame now (not before reporting the error: the client gets its answer at once).
        if (_resync)
        {
            _resync = false;
            await ResyncAsync(ct);
        }
        // 1. The header block, up to the blank line.
        int headerEnd;
        while ((headerEnd = IndexOf(HeaderEnd, _start)) < 0 || headerEnd - _start > MaxHeaderBlock)
        {
            if (headerEnd >= 0 || _end - _start > MaxHeaderBlock)
            {
                _start++;   // the garbage's first byte; the resync finds the next Content-Length after it
                _resync = true;
                return new Frame(null, $"header block longer than {MaxHeaderBlock} bytes without an empty line; skipped");
            }
            if (!await FillAsync(ct)) return Eof();
        }
        var header = Encoding.ASCII.GetString(_buffer, _start, headerEnd - _start);
        _start = headerEnd + HeaderEnd.Length;
        long length = -1;
        string? error = null;
        foreach (var line in header.Split("\r\n"))
        {
            if (line.Length == 0) continue;
            int colon = line.IndexOf(':');
            if (colon <= 0) { error = $"malformed header line '{Clip(line)}'"; break; }
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out length)) { error = $"bad Content-Length '{Clip(value)}'"; break; }
            }
            else if (!name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) { error = $"unknown header '{Clip(name)}'"; break; }
        }
        if (error is null && length < 0) error = "no Content-Length header";
        if (error is not null)
        {
            // Without a trustworthy length the body's end is unknown: skip to the next header that looks like a frame's.
            _resync = true;
            return new Frame(null, error);
        }

        // 2. The body: too large → discard exactly its bytes and report; otherwise read it whole.
        if (length > MaxBody)
        {
            long left = length;
            while (left > 0)
            {
                if (_end == _start && !await FillAsync(ct)) break;
                int take = (int)Math.Min(left, _end - _start);
                _start += take;
                left -= take;
            }
            return new Frame(null, $"message of {length} bytes is over the {MaxBody >> 20} MB limit; skipped");
        }
        while (_end - _start < length)
        {
            EnsureCapacity((int)length);
            if (!await FillAsync(ct)) return Eof();
        }
        var body = _buffer.AsSpan(_start, (int)length).ToArray();
        _start += (int)length;
        return new Frame(body, null);
    }

    Frame? Eof() => null;

    static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>Drops bytes up to the next "Content-Length" (case-insensitive), or to the end of the stream.</summary>
    async Task ResyncAsync(CancellationToken ct)
    {
        while (true)
        {
            for (int i = _start; i + LengthName.Length <= _end; i++)
            {
                if (StartsWithName(i)) { _start = i; return; }
            }
            // Keep a tail that could be the start of the name; drop the rest.
            _start = Math.Max(_start, _end - LengthName.Length + 1);
            if (!await FillAsync(ct)) { _start = _end; return; }
        }
    }

    bool StartsWithName(int i)
    {
        for (int k = 0; k < LengthName.Length; k++)
            if ((_buffer[i + k] | 0x20) != LengthName[k]) return false;
        return true;
    }

    int IndexOf(byte[] pattern, int from) => _buffer.AsSpan(from, _end - from).IndexOf(pattern) is var i and >= 0 ? from + i : -1;

    /// <summary>Makes the buffer able to hold <paramref name="bytes"/> bytes from the current start, compacting first.</summary>
    void EnsureCapacity(int bytes)
    {
        if (_buffer.Length - _start >= bytes) return;
        var next = _buffer.Length >= bytes ? _buffer : new byte[bytes];
        Buffer.BlockCopy(_buffer, _start, next, 0, _end - _start);
        _end -= _start;
        _start = 0;
        _buffer = next;
    }

    async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            // Full: move the unread bytes to the front, or grow when they fill the whole buffer.
            var next = _start > 0 ? _buffer : new byte[_buffer.Length * 2];
            Buffer.BlockCopy(_buffer, _start, next, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = next;
        }
        int n = await _input.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), ct);
        if (n <= 0) return false;
        _end += n;
        return true;
    }
}

/// <summary>Writes frames; one frame at a time (callers on any thread).</summary>
internal sealed class FrameWriter(Stream output)
{
    readonly SemaphoreSlim _gate = new(1, 1);

    public async Task WriteAsync(ReadOnlyMemory<byte> body, CancellationToken ct = default)
    {
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        await _gate.WaitAsync(ct);
        try
        {
            await output.WriteAsync(header, ct);
            await output.WriteAsync(body, ct);
            await output.FlushAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }
}
