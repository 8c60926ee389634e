// StreamJsonRpc's message handler for LSP's stdio transport: frames from FrameReader, decoded by StreamJsonRpc's
// SystemTextJsonFormatter. A frame that is not a JSON-RPC message is answered here (id null) and skipped, so one bad
// message never ends the connection — JsonRpc itself treats any read failure as the end of it, and so a response to a
// request the server never sent (measured: DisconnectedReason.RemoteProtocolViolation), which is dropped here instead.
using System.Collections.Concurrent;
using System.Buffers;
using System.Text.Json;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace InlineAdvisor.LanguageServer.JsonRpc;

internal sealed class LspMessageHandler(Stream input, Stream output, SystemTextJsonFormatter formatter, TextWriter log, int maxMessageBytes)
    : IJsonRpcMessageHandler
{
    readonly FrameReader _reader = new(input, maxMessageBytes);
    readonly FrameWriter _writer = new(output);
    // The formatter is not documented as thread-safe; JsonRpc may send from several threads.
    readonly object _serializeGate = new();
    // The server's own requests still waiting for their response.
    readonly ConcurrentDictionary<RequestId, bool> _awaiting = new();

    public bool CanRead => true;
    public bool CanWrite => true;
    public IJsonRpcMessageFormatter Formatter => formatter;

    /// <summary>The next message; null at the end of the stream (JsonRpc then ends the connection).</summary>
    public async ValueTask<JsonRpcMessage?> ReadAsync(CancellationToken ct)
    {
        while (true)
        {
            var frame = await _reader.ReadAsync(ct);
            if (frame is null) return null;
            if (frame.Value.Error is { } error)
            {
                await RefuseAsync(error.Contains("limit") ? ErrorCodes.InvalidRequest : ErrorCodes.ParseError, error, ct);
                continue;
            }
            var body = frame.Value.Body!;
            JsonRpcMessage message;
            try
            {
                message = formatter.Deserialize(new ReadOnlySequence<byte>(body));
            }
            catch (Exception e)
            {
                // Valid JSON that is not a message (an array, params that are a string) is an invalid request, answered
                // under its id when it has one.
                var (json, requestId) = Inspect(body);
                await RefuseAsync(json ? ErrorCodes.InvalidRequest : ErrorCodes.ParseError, $"not a JSON-RPC message: {e.Message.Split('\n')[0]}", ct, requestId);
                continue;
            }
            if (message is IJsonRpcMessageWithId { RequestId: var id } and (JsonRpcResult or JsonRpcError) && !_awaiting.TryRemove(id, out _))
            {
                log.WriteLine($"advisor lsp: skipped a response to no request of the server's (id {id})");
                continue;
            }
            return message;
        }
    }

    public async ValueTask WriteAsync(JsonRpcMessage message, CancellationToken ct)
    {
        if (message is JsonRpcRequest { IsResponseExpected: true } request) _awaiting[request.RequestId] = true;
        var body = new ArrayBufferWriter<byte>();
        lock (_serializeGate) formatter.Serialize(body, message);
        await _writer.WriteAsync(body.WrittenMemory, ct);
    }

    /// <summary>Whether the body is JSON at all, and the id it gives when it is an object with a string or number id.</summary>
    static (bool Json, JsonElement? Id) Inspect(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            return (true, root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number ? id.Clone() : null);
        }
        catch (JsonException) { return (false, null); }
    }

    /// <summary>An error response; with id null when the request's id cannot be known (the spec's answer then).</summary>
    async Task RefuseAsync(int code, string message, CancellationToken ct, JsonElement? id = null)
    {
        log.WriteLine($"advisor lsp: skipped bad input: {message}");
        var body = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("jsonrpc", "2.0");
            if (id is { } known) { w.WritePropertyName("id"); known.WriteTo(w); }
            else w.WriteNull("id");
            w.WriteStartObject("error"); w.WriteNumber("code", code); w.WriteString("message", message); w.WriteEndObject();
            w.WriteEndObject();
        }
        await _writer.WriteAsync(body.WrittenMemory, ct);
    }
}
