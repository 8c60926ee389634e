// The LSP framing and the JSON-RPC connection (StreamJsonRpc over our framing) on byte streams: split frames, several
// frames per read, bad headers, bad JSON, oversized messages, unknown methods, handler failures and cancellation.
using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using InlineAdvisor.LanguageServer.JsonRpc;
using Xunit;

namespace InlineAdvisor.Tests.LanguageServer;

/// <summary>A read-only stream that hands out its bytes in the given chunk sizes (then the rest), like a pipe would.</summary>
internal sealed class ChunkedStream(byte[] data, params int[] chunks) : Stream
{
    int _pos, _chunk;
    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_pos >= data.Length) return 0;
        int size = _chunk < chunks.Length ? chunks[_chunk++] : data.Length - _pos;
        size = Math.Min(Math.Min(size, count), data.Length - _pos);
        Array.Copy(data, _pos, buffer, offset, size);
        _pos += size;
        return size;
    }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _pos; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

public class FramingTests
{
    static byte[] Frame(string json) => Encoding.UTF8.GetBytes($"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}");
    static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    static async Task<List<Frame>> ReadAll(Stream s, int maxBody = FrameReader.DefaultMaxBody)
    {
        var reader = new FrameReader(s, maxBody);
        var frames = new List<Frame>();
        while (await reader.ReadAsync() is { } f) frames.Add(f);
        return frames;
    }

    [Fact]
    public async Task A_frame_split_at_every_byte_and_two_frames_in_one_read_come_out_whole()
    {
        var a = "{\"jsonrpc\":\"2.0\",\"method\":\"a\",\"params\":{\"text\":\"ünïcode ✓\"}}";
        var b = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"b\"}";
        var bytes = Concat(Frame(a), Frame(b));
        var split = await ReadAll(new ChunkedStream(bytes, Enumerable.Repeat(1, bytes.Length).ToArray()));
        Assert.Equal([a, b], split.Select(f => Encoding.UTF8.GetString(f.Body!)));
        var together = await ReadAll(new ChunkedStream(bytes, bytes.Length));
        Assert.Equal([a, b], together.Select(f => Encoding.UTF8.GetString(f.Body!)));
    }

    [Fact]
    public async Task Content_type_is_accepted_and_a_large_body_grows_the_buffer()
    {
        var big = "{\"x\":\"" + new string('a', 300_000) + "\"}";
        var bytes = Concat(Encoding.ASCII.GetBytes($"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: {big.Length}\r\n\r\n{big}"), Frame("{}"));
        var frames = await ReadAll(new ChunkedStream(bytes, 7, 4096, 65536));
        Assert.Equal(big.Length, frames[0].Body!.Length);
        Assert.Equal("{}", Encoding.UTF8.GetString(frames[1].Body!));
    }

    [Theory]
    [InlineData("Content-Length: abc\r\n\r\n", "bad Content-Length")]
    [InlineData("Content-Length: -5\r\n\r\n", "bad Content-Length")]
    [InlineData("X-Other: 1\r\n\r\n", "unknown header")]
    [InlineData("no colon here\r\n\r\n", "malformed header line")]
    [InlineData("Content-Type: x\r\n\r\n", "no Content-Length")]
    public async Task A_malformed_header_is_reported_and_the_next_frame_still_reads(string bad, string error)
    {
        var frames = await ReadAll(new MemoryStream(Concat(Encoding.ASCII.GetBytes(bad + "junk"), Frame("{\"ok\":1}"))));
        Assert.Equal(2, frames.Count);
        Assert.Contains(error, frames[0].Error);
        Assert.Equal("{\"ok\":1}", Encoding.UTF8.GetString(frames[1].Body!));
    }

    [Fact]
    public async Task An_oversized_message_is_skipped_without_buffering_it()
    {
        var huge = "{\"x\":\"" + new string('b', 5000) + "\"}";
        var frames = await ReadAll(new ChunkedStream(Concat(Frame(huge), Frame("{\"after\":true}")), 100, 100, 100), maxBody: 1024);
        Assert.Contains("over the", frames[0].Error);
        Assert.Equal("{\"after\":true}", Encoding.UTF8.GetString(frames[1].Body!));
    }

    [Fact]
    public async Task A_header_block_without_an_end_is_skipped()
    {
        var garbage = Encoding.ASCII.GetBytes(new string('z', 40_000));
        var frames = await ReadAll(new MemoryStream(Concat(garbage, Frame("{\"ok\":2}"))));
        Assert.Contains("without an empty line", frames[0].Error);
        Assert.Equal("{\"ok\":2}", Encoding.UTF8.GetString(frames[^1].Body!));
    }

    [Fact]
    public async Task A_truncated_stream_ends_without_a_frame()
    {
        var frames = await ReadAll(new MemoryStream(Encoding.ASCII.GetBytes("Content-Length: 50\r\n\r\n{\"a\"")));
        Assert.Empty(frames);
    }
}

/// <summary>A connection served over real pipes, with a client side that writes raw bytes and reads framed replies.</summary>
internal sealed class PipeHarness : IAsyncDisposable
{
    readonly AnonymousPipeServerStream _toServer = new(PipeDirection.Out);
    readonly AnonymousPipeServerStream _fromServer = new(PipeDirection.In);
    readonly AnonymousPipeClientStream _serverIn, _serverOut;
    readonly FrameReader _replies;
    public LspRpc Rpc { get; }

    public PipeHarness(int maxBody = FrameReader.DefaultMaxBody)
    {
        _serverIn = new AnonymousPipeClientStream(PipeDirection.In, _toServer.ClientSafePipeHandle);
        _serverOut = new AnonymousPipeClientStream(PipeDirection.Out, _fromServer.ClientSafePipeHandle);
        Rpc = new LspRpc(_serverIn, _serverOut, TextWriter.Null, maxBody);
        _replies = new FrameReader(_fromServer);
    }

    public void Start() => Rpc.StartListening();

    public async Task SendRaw(string text) { var b = Encoding.UTF8.GetBytes(text); await _toServer.WriteAsync(b); await _toServer.FlushAsync(); }
    public Task Send(string json) => SendRaw($"Content-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}");

    public async Task<JsonElement> Reply()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var frame = await _replies.ReadAsync(cts.Token) ?? throw new InvalidOperationException("the server closed its output");
        return JsonDocument.Parse(frame.Body!).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        _toServer.Dispose();
        // The end of input ends the connection (without a fault).
        await Rpc.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Rpc.Dispose();
        _serverIn.Dispose(); _serverOut.Dispose(); _fromServer.Dispose();
    }
}

public class ConnectionTests
{
    static int Code(JsonElement reply) => reply.GetProperty("error").GetProperty("code").GetInt32();

    [Fact]
    public async Task Bad_input_gets_protocol_errors_and_the_connection_keeps_serving()
    {
        await using var h = new PipeHarness(maxBody: 4096);
        h.Rpc.OnRequest<JsonElement?, JsonElement?>("echo", p => p);
        h.Rpc.OnRequest<JsonElement?, object>("boom", p => throw new InvalidOperationException("it broke\nsecond line"));
        h.Start();

        await h.Send("{not json");
        Assert.Equal(ErrorCodes.ParseError, Code(await h.Reply()));
        await h.Send("[1,2]");
        Assert.Equal(ErrorCodes.InvalidRequest, Code(await h.Reply()));
        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"echo\"}");
        Assert.Equal(ErrorCodes.InvalidRequest, Code(await h.Reply()));
        await h.SendRaw("Content-Length: nope\r\n\r\n");
        Assert.Equal(ErrorCodes.ParseError, Code(await h.Reply()));
        await h.SendRaw($"Content-Length: 10000\r\n\r\n{new string(' ', 10000)}");
        var tooBig = await h.Reply();
        Assert.Equal(ErrorCodes.InvalidRequest, Code(tooBig));
        Assert.Equal(JsonValueKind.Null, tooBig.GetProperty("id").ValueKind);

        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"nope\"}");
        var unknown = await h.Reply();
        Assert.Equal(ErrorCodes.MethodNotFound, Code(unknown));
        Assert.Equal(7, unknown.GetProperty("id").GetInt32());

        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"boom\"}");
        var boom = await h.Reply();
        Assert.Equal(ErrorCodes.InternalError, Code(boom));
        Assert.Equal("boom failed: InvalidOperationException: it broke", boom.GetProperty("error").GetProperty("message").GetString());

        await h.Send("{\"jsonrpc\":\"2.0\",\"method\":\"some/unknownNotification\"}");   // dropped, no reply
        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"echo\",\"params\":{\"x\":[1,\"two\"]}}");
        var echo = await h.Reply();
        Assert.Equal(8, echo.GetProperty("id").GetInt32());
        Assert.Equal("{\"x\":[1,\"two\"]}", echo.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task A_pre_encoded_result_is_sent_as_is_for_number_and_string_ids()
    {
        await using var h = new PipeHarness();
        var cached = new RawJson(Encoding.UTF8.GetBytes("[{\"range\":{\"start\":{\"line\":3,\"character\":9}},\"data\":[1,0]},\"é\"]"));
        h.Rpc.OnRequest<JsonElement?, object>("lenses", p => cached);
        h.Start();
        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"lenses\"}");
        var byNumber = await h.Reply();
        Assert.Equal(7, byNumber.GetProperty("id").GetInt32());
        Assert.Equal("2.0", byNumber.GetProperty("jsonrpc").GetString());
        Assert.Equal(Encoding.UTF8.GetString(cached.Utf8), byNumber.GetProperty("result").GetRawText());
        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"method\":\"lenses\"}");
        var byString = await h.Reply();
        Assert.Equal("a\"b", byString.GetProperty("id").GetString());
        Assert.Equal("é", byString.GetProperty("result")[1].GetString());
    }

    [Fact]
    public async Task Cancel_request_stops_a_running_handler_with_RequestCancelled()
    {
        await using var h = new PipeHarness();
        var started = new TaskCompletionSource();
        h.Rpc.OnRequest<JsonElement?, object?>("slow", async (p, ct) => { started.SetResult(); await Task.Delay(Timeout.Infinite, ct); return null; });
        h.Rpc.OnRequest<JsonElement?, int>("fast", p => 42);
        h.Start();
        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"slow\"}");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Requests run concurrently: a fast one is answered while the slow one runs.
        await h.Send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"fast\"}");
        var fast = await h.Reply();
        Assert.Equal(2, fast.GetProperty("id").GetInt32());
        Assert.Equal(42, fast.GetProperty("result").GetInt32());
        await h.Send("{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":1}}");
        var cancelled = await h.Reply();
        Assert.Equal(1, cancelled.GetProperty("id").GetInt32());
        Assert.Equal(ErrorCodes.RequestCancelled, Code(cancelled));
    }

    [Fact]
    public async Task Server_to_client_requests_are_correlated_with_their_responses()
    {
        await using var h = new PipeHarness();
        h.Start();
        var first = h.Rpc.RequestAsync("client/first", new { n = 1 }, default);
        var second = h.Rpc.RequestAsync("client/second", null, default);
        var r1 = await h.Reply();
        var r2 = await h.Reply();
        var byMethod = new[] { r1, r2 }.ToDictionary(r => r.GetProperty("method").GetString()!);
        Assert.Equal(1, byMethod["client/first"].GetProperty("params").GetProperty("n").GetInt32());
        // Answer in the opposite order: each answer reaches its own request.
        await h.Send($"{{\"jsonrpc\":\"2.0\",\"id\":{byMethod["client/second"].GetProperty("id").GetRawText()},\"error\":{{\"code\":-32601,\"message\":\"no\"}}}}");
        await h.Send($"{{\"jsonrpc\":\"2.0\",\"id\":{byMethod["client/first"].GetProperty("id").GetRawText()},\"result\":{{\"ok\":true}}}}");
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<RpcException>(() => second);
        Assert.Equal(-32601, e.Code);
    }
}
