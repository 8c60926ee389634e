// The JSON-RPC connection of the language server: StreamJsonRpc's JsonRpc over LspMessageHandler, with what LSP adds —
// the lifecycle gate (ServerNotInitialized, shutting down), LSP's error codes, handlers that take one params object, and
// pre-encoded results. `$/cancelRequest` is StreamJsonRpc's own StandardCancellationStrategy (the same method name and
// {id} params as LSP), answered with RequestCancelled (-32800).
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

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
[JsonConverter(typeof(RawJsonConverter))]
public sealed class RawJson(byte[] utf8)
{
    public byte[] Utf8 { get; } = utf8;
}

sealed class RawJsonConverter : JsonConverter<RawJson>
{
    // Only ever sent: no message the server receives has a pre-encoded part.
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8, skipInputValidation: true);
}

/// <summary>
/// One LSP connection. Requests run concurrently on the thread pool (each cancellable by `$/cancelRequest`, answered
/// once); notifications run in arrival order on the reading loop, so a didChange is applied before any later request
/// starts. Bad input is answered with a protocol error and the connection keeps reading; only the end of the stream ends it.
/// </summary>
public sealed class LspRpc : StreamJsonRpc.JsonRpc
{
    public const int DefaultMaxMessageBytes = FrameReader.DefaultMaxBody;

    /// <summary>LSP's JSON: camelCase names, nulls written (a field that may be absent says so on its property).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    readonly TextWriter _log;

    public LspRpc(Stream input, Stream output, TextWriter log, int maxMessageBytes = DefaultMaxMessageBytes)
        : base(new LspMessageHandler(input, output, new SystemTextJsonFormatter { JsonSerializerOptions = Json }, log, maxMessageBytes))
    {
        _log = log;
        // exit or the end of input cancels whatever still runs (a collect child gets its SIGINT).
        CancelLocallyInvokedMethodsWhenConnectionIsClosed = true;
    }

    /// <summary>Called before each request's handler: return an error to refuse it (e.g. not initialized yet).</summary>
    public Func<string, RpcException?>? Gate { get; set; }

    /// <summary>A request whose params object binds to <typeparamref name="TParams"/> (default when the client sent
    /// none, as for shutdown); it runs off the reading loop.</summary>
    public void OnRequest<TParams, TResult>(string method, Func<TParams?, CancellationToken, Task<TResult>> handler) =>
        Add(method, new Target<TParams, TResult>((p, ct) => Task.Run(() => handler(p, ct), ct)));

    public void OnRequest<TParams, TResult>(string method, Func<TParams?, TResult> handler) =>
        OnRequest<TParams, TResult>(method, (p, _) => Task.FromResult(handler(p)));

    /// <summary>A notification, run on the reading loop before the next message is read.</summary>
    public void OnNotification<TParams>(string method, Action<TParams?> handler) =>
        Add(method, new Target<TParams, bool>((p, _) => { handler(p); return Task.FromResult(true); }));

    void Add<TParams, TResult>(string method, Target<TParams, TResult> target) =>
        AddLocalRpcMethod(typeof(Target<TParams, TResult>).GetMethod(nameof(Target<TParams, TResult>.Invoke))!, target,
            new JsonRpcMethodAttribute(method) { UseSingleObjectParameterDeserialization = true });

    /// <summary>What StreamJsonRpc invokes: the optional parameter lets a message without params bind (a lambda's
    /// parameters cannot be optional through a Func).</summary>
    sealed class Target<TParams, TResult>(Func<TParams?, CancellationToken, Task<TResult>> handler)
    {
        public Task<TResult> Invoke(TParams? parameters = default, CancellationToken cancellationToken = default) => handler(parameters, cancellationToken);
    }

    /// <summary>A server→client notification; dropped once the client is gone.</summary>
    public async Task Notify(string method, object? parameters)
    {
        try { await NotifyWithParameterObjectAsync(method, parameters); }
        catch (Exception e) when (e is ConnectionLostException or ObjectDisposedException or IOException) { }
    }

    /// <summary>A server→client request; throws <see cref="RpcException"/> with the client's error.</summary>
    public async Task RequestAsync(string method, object? parameters, CancellationToken ct)
    {
        try { await InvokeWithParameterObjectAsync(method, parameters, ct); }
        catch (RemoteInvocationException e) { throw new RpcException(e.ErrorCode, e.Message); }
        catch (RemoteMethodNotFoundException e) { throw new RpcException((int)e.ErrorCode, e.Message); }
    }

    protected override ValueTask<JsonRpcMessage> DispatchRequestAsync(JsonRpcRequest request, TargetMethod targetMethod, CancellationToken ct)
    {
        if (!request.IsNotification && request.Method is { } method && Gate?.Invoke(method) is { } refused)
            return new(new JsonRpcError { RequestId = request.RequestId, Error = new() { Code = (JsonRpcErrorCode)refused.Code, Message = refused.Message } });
        return base.DispatchRequestAsync(request, targetMethod, ct);
    }

    /// <summary>One line for the client: a handler's own RpcException as it is, bad params as InvalidParams, anything
    /// else as InternalError (and its stack in the log, not on the wire).</summary>
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        while (exception is TargetInvocationException or AggregateException && exception.InnerException is { } inner) exception = inner;
        string FirstLine(Exception e) => e.Message.Split('\n')[0];
        switch (exception)
        {
            case RpcException e:
                return new() { Code = (JsonRpcErrorCode)e.Code, Message = e.Message };
            case JsonException or RpcArgumentDeserializationException:
                return new() { Code = JsonRpcErrorCode.InvalidParams, Message = $"invalid params for {request.Method}: {FirstLine(exception)}" };
            default:
                _log.WriteLine($"advisor lsp: {request.Method} failed: {exception}");
                return new() { Code = JsonRpcErrorCode.InternalError, Message = $"{request.Method} failed: {exception.GetType().Name}: {FirstLine(exception)}" };
        }
    }
}
