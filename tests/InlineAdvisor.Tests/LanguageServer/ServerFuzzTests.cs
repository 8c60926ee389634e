// The real `advisor lsp` process fed ~1,000 bad inputs (malformed, truncated and oversized frames, bad JSON, params of
// the wrong types, requests out of order): it must answer every request it could read, never die, and still serve the
// same code lenses afterwards.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.LanguageServer;

public sealed class ServerFuzzTests : IDisposable
{
    readonly TempDir _dir = new();
    readonly Process _server;
    readonly Stream _toServer;
    readonly StringBuilder _stderr = new();
    // Replies by id (raw JSON), and protocol errors that could name no id.
    readonly ConcurrentDictionary<string, ConcurrentQueue<JsonElement>> _replies = new();
    int _idLessErrors;
    readonly Task _reading;
    readonly string _uri;
    int _nextId;
    bool _afterHeaderError;   // the last input was a bad header block: the reader is resynchronising
    readonly Dictionary<string, string> _sent = [];   // id → the request, for a failure's message

    public ServerFuzzTests()
    {
        var file = _dir.File("Hot.cs");
        File.WriteAllText(file, ServerLensTests.Source);
        _uri = new Uri(file).AbsoluteUri;
        var store = _dir.File("s.db");
        ServerLensTests.WriteStore(store, file);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Repo.Advisor, "lsp", "--store", store }) psi.ArgumentList.Add(a);
        _server = Process.Start(psi)!;
        _server.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
        _server.BeginErrorReadLine();
        _toServer = _server.StandardInput.BaseStream;
        _reading = Task.Run(ReadReplies);
    }

    async Task ReadReplies()
    {
        var reader = new FrameReader(_server.StandardOutput.BaseStream);
        while (await reader.ReadAsync() is { } frame)
        {
            var msg = JsonDocument.Parse(frame.Body!).RootElement.Clone();
            if (msg.TryGetProperty("method", out _)) continue;   // window/logMessage
            var id = msg.GetProperty("id");
            if (id.ValueKind == JsonValueKind.Null) Interlocked.Increment(ref _idLessErrors);
            else _replies.GetOrAdd(id.GetRawText(), _ => new()).Enqueue(msg);
        }
    }

    public void Dispose()
    {
        if (!_server.HasExited) _server.Kill(entireProcessTree: true);
        _server.Dispose();
        _dir.Dispose();
    }

    Task SendRaw(byte[] bytes) => SendRaw(bytes, bytes.Length);
    async Task SendRaw(byte[] bytes, int count)
    {
        try { await _toServer.WriteAsync(bytes.AsMemory(0, count)); await _toServer.FlushAsync(); }
        catch (IOException e) { throw new InvalidOperationException($"the server is gone ({(_server.WaitForExit(5000) ? _server.ExitCode : "running")}): {Stderr()}", e); }
    }
    Task SendBody(string json) => SendRaw(Frame(Encoding.UTF8.GetBytes(json)));
    static byte[] Frame(byte[] body) => [.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body];

    /// <summary>Sends a request and returns its id's raw JSON; params is raw JSON (null: none).</summary>
    async Task<string> Request(string method, string? paramsJson, string? id = null)
    {
        id ??= (++_nextId).ToString();
        _sent[id] = $"{method} {paramsJson}";
        await SendBody($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":{JsonSerializer.Serialize(method)}{(paramsJson is null ? "" : ",\"params\":" + paramsJson)}}}");
        return id;
    }

    Task Notify(string method, string paramsJson) =>
        SendBody($"{{\"jsonrpc\":\"2.0\",\"method\":{JsonSerializer.Serialize(method)},\"params\":{paramsJson}}}");

    async Task<JsonElement> Reply(string id, int count = 1)
    {
        var sw = Stopwatch.StartNew();
        while (!(_replies.TryGetValue(id, out var q) && q.Count >= count))
        {
            if (_server.HasExited) throw new InvalidOperationException($"the server exited ({_server.ExitCode}): {Stderr()}");
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"no reply to request {id} ({_sent.GetValueOrDefault(id)}); stderr: {Stderr()[^2000..]}");
            await Task.Delay(10);
        }
        return _replies[id].First();
    }

    string Stderr() { lock (_stderr) return _stderr.ToString(); }

    static int Code(JsonElement reply) => reply.GetProperty("error").GetProperty("code").GetInt32();

    async Task<(string Ranges, string Title)> Lenses()
    {
        var lenses = (await Reply(await Request("textDocument/codeLens", $"{{\"textDocument\":{{\"uri\":\"{_uri}\"}}}}"))).GetProperty("result");
        var site = lenses.EnumerateArray().Single(l => l.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32() == 7);
        var resolved = await Reply(await Request("codeLens/resolve", site.GetRawText()));
        var ranges = string.Join(" ", lenses.EnumerateArray().Select(l => l.GetProperty("range").GetRawText()));
        return (ranges, resolved.GetProperty("result").GetProperty("command").GetProperty("title").GetString()!);
    }

    /// <summary>One bad input; returns the ids of the requests in it that must each get exactly one reply, and how many
    /// id-less protocol errors it must cause.</summary>
    async Task<(List<string> Answered, int IdLessErrors)> SendBadInput(Random rng)
    {
        T Pick<T>(T[] choices) => choices[rng.Next(choices.Length)];
        const string Alphabet = "abcxyz{}[]\":,0123 \t\\é";
        string Garbage(int n) => new(Enumerable.Range(0, n).Select(_ => Alphabet[rng.Next(Alphabet.Length)]).ToArray());
        var doc = $"{{\"uri\":\"{_uri}\"}}";
        bool resyncing = _afterHeaderError;
        _afterHeaderError = false;
        switch (rng.Next(9))
        {
            case 0:   // a malformed header block (ends with the blank line, so the next frame's header is intact)
                var header = Pick(new[] { "Content-Length: abc", "Content-Length: -5", "Content-Length: 99999999999999999999", "X-Other: 1", "no colon here",
                    "Content-Type: x", $"Content-Length: 1{Garbage(3)}", Garbage(rng.Next(1, 200)).Replace("\r", "") });
                await SendRaw(Encoding.UTF8.GetBytes(header + "\r\n\r\n"));
                // After a bad header block the body's end is unknown, so the reader skips to the next "Content-Length":
                // a second bad block with no such header is skipped with the first, without an answer of its own.
                _afterHeaderError = true;
                return ([], resyncing && !header.Contains("content-length", StringComparison.OrdinalIgnoreCase) ? 0 : 1);
            case 1:   // bad JSON in a good frame: random text, or a message cut short
                var message = $"{{\"jsonrpc\":\"2.0\",\"id\":{++_nextId},\"method\":\"textDocument/codeLens\",\"params\":{{\"textDocument\":{doc}}}}}";
                await SendBody(rng.Next(2) == 0 ? "{" + Garbage(rng.Next(0, 300)) : message[..rng.Next(1, message.Length - 1)]);
                return ([], 1);
            case 2:   // a truncated frame: the header promises more than arrives; the rest follows later as filler
                var body = Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":{++_nextId},\"method\":\"inlineAdvisor/status\"}}");
                var promised = body.Length + rng.Next(1, 200);
                await SendRaw([.. Encoding.ASCII.GetBytes($"Content-Length: {promised}\r\n\r\n"), .. body]);
                await Task.Delay(rng.Next(3));
                await SendRaw(Encoding.ASCII.GetBytes(new string('x', promised - body.Length)));
                return ([], 1);
            case 3:   // JSON that is not a message
                await SendBody(Pick(new[] { "[]", "[1,2]", "null", "42", "\"text\"", "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"x\"}",
                    "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"x\"}", new string('[', 5000) + new string(']', 5000) }));
                return ([], 1);
            case 4:   // a large body under the limit: 1–3 MB of garbage
                await SendRaw(Frame(Encoding.ASCII.GetBytes("{\"x\":\"" + new string('q', rng.Next(1, 3) << 20))));
                return ([], 1);
            case 5:   // a request with params of the wrong shape
                var (method, p) = Pick(new[] {
                    ("textDocument/codeLens", "{\"textDocument\":5}"), ("textDocument/codeLens", "{\"textDocument\":{\"uri\":7}}"),
                    ("textDocument/codeLens", "\"str\""), ("textDocument/codeLens", "{\"textDocument\":{\"uri\":\"file:///no/such/file.cs\"}}"),
                    ("textDocument/codeLens", "{\"textDocument\":{\"uri\":\"not a uri\"}}"), ("textDocument/codeLens", null),
                    ("codeLens/resolve", "{\"data\":\"x\"}"), ("codeLens/resolve", "{\"data\":[1]}"), ("codeLens/resolve", "{\"data\":[\"a\",\"b\"]}"),
                    ("codeLens/resolve", "{\"data\":[1e30,-1]}"), ("codeLens/resolve", "{\"range\":\"x\"}"), ("codeLens/resolve", "[]"),
                    ("textDocument/hover", $"{{\"textDocument\":{doc},\"position\":{{\"line\":\"a\",\"character\":0}}}}"),
                    ("textDocument/hover", $"{{\"textDocument\":{doc},\"position\":{{\"line\":-1,\"character\":-1}}}}"),
                    ("textDocument/hover", $"{{\"textDocument\":{doc},\"position\":{{\"line\":2147483647,\"character\":5}}}}"),
                    ("textDocument/hover", $"{{\"textDocument\":{doc}}}"), ("textDocument/codeAction", $"{{\"textDocument\":{doc}}}"),
                    ("textDocument/codeAction", $"{{\"textDocument\":{doc},\"range\":{{\"start\":{{\"line\":-3,\"character\":0}},\"end\":null}}}}"),
                    ("workspace/executeCommand", "{\"command\":5}"), ("workspace/executeCommand", "{\"command\":\"no.such.command\"}"),
                    ("workspace/executeCommand", "{\"command\":\"inlineAdvisor.server.experiment\",\"arguments\":[{\"uri\":5}]}"),
                    ("workspace/executeCommand", "{\"command\":\"inlineAdvisor.server.collect\",\"arguments\":\"x\"}"),
                    ("workspace/executeCommand", "{\"command\":\"inlineAdvisor.server.collect\",\"arguments\":[]}"),
                    ("inlineAdvisor/heat", "{\"textDocument\":null}"), ("inlineAdvisor/status", "[1,2,3]"),
                    ("initialize", "{\"capabilities\":{}}"), ("no/such/method", "{}"),
                });
                return ([await Request(method, p, rng.Next(2) == 0 ? null : JsonSerializer.Serialize($"s{++_nextId}"))], 0);
            case 6:   // notifications of the wrong shape, unknown ones, and cancels of ids that are not running
                await Notify(Pick(new[] { "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "$/cancelRequest",
                        "workspace/didChangeConfiguration", "window/workDoneProgress/cancel", "some/unknown", "exit/not" }),
                    Pick(new[] { "{\"textDocument\":{\"uri\":5}}", "{\"textDocument\":{\"uri\":\"file:///fuzz.cs\"},\"contentChanges\":\"x\"}", "{}",
                        "{\"id\":{\"x\":1}}", $"{{\"id\":{rng.Next()}}}", "{\"settings\":{\"inlineAdvisor\":{\"minCpuPercent\":\"x\",\"lensesEnabled\":3}}}",
                        "{\"token\":[1]}", "null", "[1]" }));
                return ([], 0);
            case 7:   // a duplicate id: two requests in flight under one id each get their answer
                var dup = (++_nextId).ToString();
                await Request("inlineAdvisor/status", "{}", dup);
                await Request("textDocument/codeLens", $"{{\"textDocument\":{doc}}}", dup);
                return ([dup, dup], 0);
            default:  // a request cancelled at once, and a response to a request the server never made
                var id = await Request("textDocument/codeLens", $"{{\"textDocument\":{doc}}}");
                await Notify("$/cancelRequest", $"{{\"id\":{id}}}");
                await SendBody($"{{\"jsonrpc\":\"2.0\",\"id\":{rng.Next(100_000, 200_000)},\"result\":{{\"unasked\":true}}}}");
                return ([id], 0);
        }
    }

    [Fact]
    public async Task A_thousand_bad_inputs_neither_kill_the_server_nor_change_its_lenses()
    {
        // Out of order: requests before initialize are refused, bad input there is survived too.
        Assert.Equal(ErrorCodes.ServerNotInitialized, Code(await Reply(await Request("textDocument/codeLens", $"{{\"textDocument\":{{\"uri\":\"{_uri}\"}}}}"))));
        await SendRaw(Encoding.ASCII.GetBytes("Content-Length: nope\r\n\r\n"));
        Assert.Equal(ErrorCodes.ServerNotInitialized, Code(await Reply(await Request("inlineAdvisor/status", null))));

        Assert.True((await Reply(await Request("initialize", $"{{\"processId\":null,\"rootUri\":\"{new Uri(_dir.Path).AbsoluteUri}\",\"capabilities\":{{}}}}")))
            .TryGetProperty("result", out _));
        await Notify("initialized", "{}");
        await Notify("textDocument/didOpen", JsonSerializer.Serialize(new { textDocument = new { uri = _uri, languageId = "csharp", version = 1, text = ServerLensTests.Source } }));
        var before = await Lenses();
        Assert.Equal("40.0% CPU · not inlined: too many il bytes", before.Title);

        var rng = new Random(10);
        var answered = new List<string>();
        int idLess = _idLessErrors;
        for (int i = 0; i < 1000; i++)
        {
            var (ids, errors) = await SendBadInput(rng);
            answered.AddRange(ids);
            idLess += errors;
        }
        // One message over the 64 MB limit: skipped as it streams in, answered with one error.
        var huge = new byte[1 << 20];
        await SendRaw(Encoding.ASCII.GetBytes($"Content-Length: {(65L << 20)}\r\n\r\n"));
        for (int k = 0; k < 65; k++) await SendRaw(huge);
        idLess++;

        // Every request that could be read got its answers (a duplicate id both of its own), and nothing more.
        foreach (var group in answered.GroupBy(id => id)) await Reply(group.Key, group.Count());
        foreach (var group in answered.GroupBy(id => id)) Assert.Equal(group.Count(), _replies[group.Key].Count);
        Assert.False(_server.HasExited, Stderr());
        var after = await Lenses();
        Assert.Equal(before, after);
        Assert.True(idLess == _idLessErrors, $"id-less errors: expected {idLess}, got {_idLessErrors}; replies to ids never sent: {string.Join(" ", _replies.Keys.Where(k => !_sent.ContainsKey(k.Trim('"'))))}; server refusals logged: {Stderr().Split('\n').Count(l => l.Contains("skipped bad input"))}");

        // After shutdown every request is refused; exit then ends the process with 0.
        await Reply(await Request("shutdown", null));
        Assert.Equal(ErrorCodes.InvalidRequest, Code(await Reply(await Request("textDocument/codeLens", $"{{\"textDocument\":{{\"uri\":\"{_uri}\"}}}}"))));
        await SendBody("{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}");
        Assert.True(_server.WaitForExit(20_000), "the server did not exit");
        Assert.Equal(0, _server.ExitCode);
        await _reading.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
