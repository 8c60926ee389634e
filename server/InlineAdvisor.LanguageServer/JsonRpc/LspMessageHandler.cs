// StreamJsonRpc's message handler for LSP's stdio transport: frames from FrameReader, decoded by StreamJsonRpc's
// SystemTextJsonFormatter. A frame that is not a JSON-RPC message is answered here (id null) and skipped, so one bad
// message never ends the connection — JsonRpc itself treats any read failure as the end of it.
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
            try
            {
                return formatter.Deserialize(new ReadOnlySequence<byte>(body));
            }
            catch (Exception e)
            {
                // Valid JSON that is not a message (an array, an id that is an object) is an invalid request.
                await RefuseAsync(IsJson(body) ? ErrorCodes.InvalidRequest : ErrorCodes.ParseError,
                    $"not a JSON-RPC message: {e.Message.Split('\n')[0]}", ct);
            }
        }
    }

    public async ValueTask WriteAsync(JsonRpcMessage message, CancellationToken ct)
    {
        var body = new ArrayBufferWriter<byte>();
        lock (_serializeGate) formatter.Serialize(body, message);
        await _writer.WriteAsync(body.WrittenMemory, ct);
    }

    static bool IsJson(byte[] body)
    {
        try { using var _ = JsonDocument.Parse(body); return true; }
        catch (JsonException) { return false; }
    }

    /// <summary>An error response with id null: the spec's answer when the request's id cannot be known.</summary>
    async Task RefuseAsync(int code, string message, CancellationToken ct)
    {
        log.WriteLine($"advisor lsp: skipped bad input: {message}");
        var body = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("jsonrpc", "2.0");
            w.WriteNull("id");
            w.WriteStartObject("error"); w.WriteNumber("code", code); w.WriteString("message", message); w.WriteEndObject();
            w.WriteEndObject();
        }
        await _writer.WriteAsync(body.WrittenMemory, ct);
    }
}
