// JSON-RPC 2.0 over framed streams: dispatch of requests and notifications, $/cancelRequest, and server→client
// requests with response correlation. Hand-written: StreamJsonRpc and OmniSharp's LSP library are not obtainable here.
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace InlineAdvisor.LanguageServer.JsonRpc;

public static class ErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerNotInitialized = -32002;
    public const int RequestFailed = -32803;
    public const int RequestCancelled = -32800;
    public const int ContentModified = -32801;
}

/// <summary>An error a handler answers with (code and a one-line message).</summary>
public sealed class RpcException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>A result already encoded as UTF-8 JSON: sent as is (a large, repeated answer is encoded once, not per request).</summary>
public sealed class RawJson(byte[] utf8)
{
    public byte[] Utf8 { get; } = utf8;
}

public delegate Task<object?> RequestHandler(JsonElement? parameters, CancellationToken ct);
public delegate void NotificationHandler(JsonElement? parameters);

/// <summary>
/// One JSON-RPC connection. Requests run concurrently (each with its own cancellation, answered once); notifications
/// run in arrival order on the reading loop, so a didChange is applied before any later request starts. Bad input is
/// answered with a protocol error (or skipped) and the loop keeps reading; only the end of the stream ends it.
/// </summary>
public sealed class Connection
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    readonly FrameReader _reader;
    readonly FrameWriter _writer;
    readonly Dictionary<string, RequestHandler> _requests = new(StringComparer.Ordinal);
    readonly Dictionary<string, NotificationHandler> _notifications = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();
    readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement?>> _pending = new();
    readonly TextWriter _log;
    long _nextId;
    bool _stopped;

    public Connection(Stream input, Stream output, TextWriter log, int maxMessageBytes = FrameReader.DefaultMaxBody)
    {
        _reader = new FrameReader(input, maxMessageBytes);
        _writer = new FrameWriter(output);
        _log = log;
    }

    /// <summary>Called before each request's handler: return an error to refuse it (e.g. not initialized yet).</summary>
    public Func<string, RpcException?>? Gate { get; set; }

    public void OnRequest(string method, RequestHandler handler) => _requests[method] = handler;
    public void OnNotification(string method, NotificationHandler handler) => _notifications[method] = handler;

    /// <summary>Ends <see cref="RunAsync"/> after the current message (the `exit` notification).</summary>
    public void Stop() => _stopped = true;

    /// <summary>Reads and dispatches until the stream ends or <see cref="Stop"/> is called.</summary>
    public async Task RunAsync(CancellationToken ct = default)
    {
        while (!_stopped && !ct.IsCancellationRequested)
        {
            Frame? frame;
            try
            {
                frame = await _reader.ReadAsync(ct);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                break;
            }
            if (frame is null) break;
            if (frame.Value.Error is { } error)
            {
                _log.WriteLine($"advisor lsp: skipped bad input: {error}");
                // No id can be known: the spec answers such errors with id null.
                await SendErrorAsync(null, error.Contains("limit") ? ErrorCodes.InvalidRequest : ErrorCodes.ParseError, error);
                continue;
            }
            await DispatchAsync(frame.Value.Body!);
        }
        foreach (var cts in _running.Values) cts.Cancel();
        foreach (var p in _pending.Values) p.TrySetCanceled();
    }

    async Task DispatchAsync(byte[] body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            await SendErrorAsync(null, ErrorCodes.ParseError, $"not JSON: {e.Message.Split('\n')[0]}");
            return;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                await SendErrorAsync(null, ErrorCodes.InvalidRequest, "a message must be a JSON object (batches are not part of LSP)");
                return;
            }
            JsonNode? id = root.TryGetProperty("id", out var idElement) ? JsonNode.Parse(idElement.GetRawText()) : null;
            bool hasId = root.TryGetProperty("id", out _);
            if (hasId && idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
            {
                await SendErrorAsync(null, ErrorCodes.InvalidRequest, "id must be a string or a number");
                return;
            }
            JsonElement? parameters = root.TryGetProperty("params", out var p) ? p.Clone() : null;
            if (!root.TryGetProperty("method", out var methodElement))
            {
                if (hasId && (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _))) { CompletePending(root, idElement); return; }
                await SendErrorAsync(id, ErrorCodes.InvalidRequest, "a message needs a method (or, as a response, an id and a result or error)");
                return;
            }
            if (methodElement.ValueKind != JsonValueKind.String)
            {
                if (hasId) await SendErrorAsync(id, ErrorCodes.InvalidRequest, "method must be a string");
                return;
            }
            var method = methodElement.GetString()!;
            if (!hasId)
            {
                Notify(method, parameters);
                return;
            }
            StartRequest(id, idElement.GetRawText(), method, parameters);
        }
    }

    void Notify(string method, JsonElement? parameters)
    {
        if (method == "$/cancelRequest")
        {
            if (parameters is { ValueKind: JsonValueKind.Object } pp && pp.TryGetProperty("id", out var target) && _running.TryGetValue(target.GetRawText(), out var cts))
                cts.Cancel();
            return;
        }
        if (!_notifications.TryGetValue(method, out var handler)) return;   // unknown notifications are dropped (spec)
        try
        {
            handler(parameters);
        }
        catch (Exception e)
        {
            _log.WriteLine($"advisor lsp: notification {method} failed: {e}");
        }
    }

    void StartRequest(JsonNode? id, string key, string method, JsonElement? parameters)
    {
        if (Gate?.Invoke(method) is { } refused)
        {
            _ = SendErrorAsync(id, refused.Code, refused.Message);
            return;
        }
        if (!_requests.TryGetValue(method, out var handler))
        {
            _ = SendErrorAsync(id, ErrorCodes.MethodNotFound, $"unknown method {method}");
            return;
        }
        var cts = new CancellationTokenSource();
        if (!_running.TryAdd(key, cts))
        {
            _ = SendErrorAsync(id, ErrorCodes.InvalidRequest, $"request id {key} is already in use");
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                var result = await handler(parameters, cts.Token);
                if (result is RawJson raw) await SendRawResultAsync(id, raw);
                else await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = ToNode(result) });
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                await SendErrorAsync(id, ErrorCodes.RequestCancelled, "request cancelled");
            }
            catch (RpcException e)
            {
                await SendErrorAsync(id, e.Code, e.Message);
            }
            catch (JsonException e)
            {
                await SendErrorAsync(id, ErrorCodes.InvalidParams, $"invalid params for {method}: {e.Message.Split('\n')[0]}");
            }
            catch (Exception e)
            {
                _log.WriteLine($"advisor lsp: {method} failed: {e}");
                await SendErrorAsync(id, ErrorCodes.InternalError, $"{method} failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
            finally
            {
                _running.TryRemove(key, out _);
                cts.Dispose();
            }
        });
    }

    void CompletePending(JsonElement root, JsonElement id)
    {
        if (!_pending.TryRemove(id.GetRawText(), out var tcs)) return;
        if (root.TryGetProperty("error", out var error))
        {
            var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.ToString() : "error";
            var code = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) && c.TryGetInt32(out var ci) ? ci : ErrorCodes.InternalError;
            tcs.TrySetException(new RpcException(code, message));
        }
        else tcs.TrySetResult(root.TryGetProperty("result", out var r) ? r.Clone() : null);
    }

    /// <summary>A server→client request; completes with the client's result, or throws its error as <see cref="RpcException"/>.</summary>
    public async Task<JsonElement?> RequestAsync(string method, object? parameters, CancellationToken ct = default)
    {
        var id = $"s{Interlocked.Increment(ref _nextId)}";
        var tcs = new TaskCompletionSource<JsonElement?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[JsonSerializer.Serialize(id)] = tcs;
        using var registration = ct.Register(() => tcs.TrySetCanceled(ct));
        await SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = ToNode(parameters) });
        return await tcs.Task;
    }

    public Task NotifyAsync(string method, object? parameters) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = ToNode(parameters) });

    static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n,
        JsonElement e => JsonNode.Parse(e.GetRawText()),
        _ => JsonSerializer.SerializeToNode(value, value.GetType(), Json),
    };

    Task SendErrorAsync(JsonNode? id, int code, string message) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });

    static readonly byte[] Close = "}"u8.ToArray();

    async Task SendRawResultAsync(JsonNode? id, RawJson raw)
    {
        // The envelope around pre-encoded bytes: no parse into a node, no re-serialization of the result.
        var head = Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":{id?.ToJsonString() ?? "null"},\"result\":");
        try
        {
            await _writer.WriteAsync([head, raw.Utf8, Close]);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _log.WriteLine($"advisor lsp: cannot write to the client: {e.Message}");
        }
    }

    async Task SendAsync(JsonObject message)
    {
        try
        {
            await _writer.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(message, Json));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _log.WriteLine($"advisor lsp: cannot write to the client: {e.Message}");
        }
    }
}
