// The lens life cycle of the real Server over real pipes and a real SQLite store: codeLens answers unresolved lenses,
// a repeat is the same bytes, resolve renders the title, and a lens of a set replaced twice since is ContentModified.
using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;

namespace InlineAdvisor.Tests.LanguageServer;

public class ServerLensTests
{
    internal const string Source = """
        namespace Lens.Test;

        public static class Hot
        {
            public static long Caller(long x)
            {
                long a = x;
                a += Callee(a);
                return a;
            }

            static long Callee(long v) => v ^ 3;
        }
        """;

    internal static void WriteStore(string storePath, string file)
    {
        const string Sig = "int64  (int64)";
        var caller = new MethodIdentity("Lens", "Lens.Test.Hot", "Caller", Sig);
        var callee = new MethodIdentity("Lens", "Lens.Test.Hot", "Callee", Sig);
        var profile = new RunProfile(
            new RunInfo { Program = "Lens", CommandLine = "test", Mode = CollectMode.File, TracePath = "none", StartedUtc = DateTime.UtcNow },
            [new MethodProfile { Method = caller, InclusiveSamples = 600, ExclusiveSamples = 100, IlSize = 20 },
             new MethodProfile { Method = callee, IlSize = 8 }],
            [new CallSite
            {
                Id = 1, Caller = caller, Callee = callee, IlOffset = 3, Source = new SourceLocation(file, 8, 9), StatementSamples = 400,
                Decision = new InlineDecision(InlineOutcome.NotInlined, "too many il bytes", ["OptimizedTier1:failed"], false),
            }],
            new RunTotals(1000, 0, 0, 0, 0, 0));
        using var store = ProfileStore.Open(storePath);
        store.SaveRun(profile);
    }

    sealed class Client(Stream toServer, FrameReader replies)
    {
        int _id;
        public async Task<JsonElement> Request(string method, object? p)
        {
            var id = ++_id;
            await Send(new { jsonrpc = "2.0", id, method, @params = p });
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var f = await replies.ReadAsync(cts.Token) ?? throw new InvalidOperationException("server closed");
                var msg = JsonDocument.Parse(f.Body!).RootElement.Clone();
                if (msg.TryGetProperty("id", out var rid) && rid.ValueKind == JsonValueKind.Number && rid.GetInt32() == id) return msg;
            }
        }

        public Task Notify(string method, object p) => Send(new { jsonrpc = "2.0", method, @params = p });

        async Task Send(object message)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(message);
            await toServer.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
            await toServer.WriteAsync(body);
            await toServer.FlushAsync();
        }
    }

    [Fact]
    public async Task Lenses_are_resolved_from_their_set_and_a_twice_replaced_set_is_content_modified()
    {
        using var dir = new TempDir();
        var file = dir.File("Hot.cs");
        File.WriteAllText(file, Source);
        var storePath = dir.File("s.db");
        WriteStore(storePath, file);

        using var toServer = new AnonymousPipeServerStream(PipeDirection.Out);
        using var fromServer = new AnonymousPipeServerStream(PipeDirection.In);
        using var serverIn = new AnonymousPipeClientStream(PipeDirection.In, toServer.ClientSafePipeHandle);
        using var serverOut = new AnonymousPipeClientStream(PipeDirection.Out, fromServer.ClientSafePipeHandle);
        var server = new Server(serverIn, serverOut, TextWriter.Null, storePath);
        var running = Task.Run(server.RunAsync);
        var c = new Client(toServer, new FrameReader(fromServer));

        await c.Request("initialize", new { processId = Environment.ProcessId, rootUri = new Uri(dir.Path).AbsoluteUri, capabilities = new { } });
        var uri = new Uri(file).AbsoluteUri;
        await c.Notify("textDocument/didOpen", new { textDocument = new { uri, languageId = "csharp", version = 1, text = Source } });
        var first = (await c.Request("textDocument/codeLens", new { textDocument = new { uri } })).GetProperty("result");
        // The method lens (60% CPU) and the site lens (40%), unresolved: a range and a data key, no command.
        Assert.Equal(2, first.GetArrayLength());
        Assert.All(first.EnumerateArray(), l => Assert.False(l.TryGetProperty("command", out _)));
        var again = (await c.Request("textDocument/codeLens", new { textDocument = new { uri } })).GetProperty("result");
        Assert.Equal(first.GetRawText(), again.GetRawText());

        var site = first.EnumerateArray().Single(l => l.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32() == 7);
        var resolved = (await c.Request("codeLens/resolve", site)).GetProperty("result");
        Assert.Equal("40.0% CPU · not inlined: too many il bytes", resolved.GetProperty("command").GetProperty("title").GetString());
        Assert.Equal("inlineAdvisor.showEvidence", resolved.GetProperty("command").GetProperty("command").GetString());
        var args = resolved.GetProperty("command").GetProperty("arguments");
        Assert.Equal(uri, args[0].GetString());
        Assert.Equal(Source.Split('\n')[7].IndexOf("Callee", StringComparison.Ordinal), args[1].GetProperty("character").GetInt32());

        // Two edits (a line inserted above each time): the lens of the first set still resolves after one, not after two.
        var text = Source;
        for (int version = 2; version <= 3; version++)
        {
            text = "// edit\n" + text;
            await c.Notify("textDocument/didChange", new { textDocument = new { uri, version }, contentChanges = new[] { new { text } } });
            var lenses = (await c.Request("textDocument/codeLens", new { textDocument = new { uri } })).GetProperty("result");
            Assert.Contains(lenses.EnumerateArray(), l => l.GetProperty("range").GetProperty("start").GetProperty("line").GetInt32() == 7 + version - 1);
            var old = await c.Request("codeLens/resolve", site);
            if (version == 2) Assert.Equal(resolved.GetProperty("command").GetProperty("title").GetString(), old.GetProperty("result").GetProperty("command").GetProperty("title").GetString());
            else Assert.Equal(ErrorCodes.ContentModified, old.GetProperty("error").GetProperty("code").GetInt32());
        }

        await c.Request("shutdown", null);
        await c.Notify("exit", new { });
        Assert.Equal(0, await running.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
