// `bench lsp`: code-lens latency of the language server over the real protocol (in-process pipes, the same Server and
// StreamJsonRpc connection `advisor lsp` runs), against a store of ~1M call-site edges and a generated 3,000-line C# file.
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipes;
using System.Text;
using System.Text.Json;
using InlineAdvisor.Core;
using InlineAdvisor.LanguageServer;
using InlineAdvisor.LanguageServer.JsonRpc;
using InlineAdvisor.Store;

internal static class LspBench
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> Run(string[] args)
    {
        int edges = args.SkipWhile(a => a != "--edges").Skip(1).Select(int.Parse).FirstOrDefault(1_000_000);
        int requests = args.SkipWhile(a => a != "--requests").Skip(1).Select(int.Parse).FirstOrDefault(500);
        var dir = Path.Combine(Path.GetTempPath(), "ia-bench-lsp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "src", "Generated.cs");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var (text, fileSites) = GenerateFile(file);
            var storePath = Path.Combine(dir, "s.db");
            var sw = Stopwatch.StartNew();
            var profile = SyntheticProfile(file, fileSites, edges);
            using (var store = ProfileStore.Open(storePath)) store.SaveRun(profile);
            Console.WriteLine(string.Create(Inv, $"lsp: store with {profile.Sites.Count:N0} call-site edges ({fileSites.Count:N0} in a {text.Split('\n').Length:N0}-line file) written in {sw.Elapsed.TotalSeconds:0.0} s"));

            // Baseline: what reading the run costs at all (the server cannot show lenses before this).
            sw.Restart();
            using (var store = ProfileStore.Open(storePath)) store.LoadRun(store.LatestRun()!.Id);
            var rawLoad = sw.Elapsed.TotalMilliseconds;

            var serverIn = new AnonymousPipeServerStream(PipeDirection.Out);
            var serverOut = new AnonymousPipeServerStream(PipeDirection.In);
            var sIn = new AnonymousPipeClientStream(PipeDirection.In, serverIn.ClientSafePipeHandle);
            var sOut = new AnonymousPipeClientStream(PipeDirection.Out, serverOut.ClientSafePipeHandle);
            var replies = new FrameReader(serverOut);
            int id = 0;
            async Task<JsonElement> Request(string method, object? p)
            {
                var body = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", id = ++id, method, @params = p });
                await serverIn.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
                await serverIn.WriteAsync(body);
                await serverIn.FlushAsync();
                while (true)
                {
                    var f = await replies.ReadAsync() ?? throw new InvalidOperationException("server closed");
                    var msg = JsonDocument.Parse(f.Body!).RootElement.Clone();
                    if (msg.TryGetProperty("id", out var rid) && rid.ValueKind == JsonValueKind.Number && rid.GetInt32() == id) return msg;
                }
            }
            async Task Notify(string method, object p)
            {
                var body = JsonSerializer.SerializeToUtf8Bytes(new { jsonrpc = "2.0", method, @params = p });
                await serverIn.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
                await serverIn.WriteAsync(body);
                await serverIn.FlushAsync();
            }

            sw.Restart();
            var server = new Server(sIn, sOut, args.Contains("--log") ? Console.Error : TextWriter.Null, storePath);
            var running = Task.Run(server.RunAsync);
            await Request("initialize", new { processId = Environment.ProcessId, rootUri = new Uri(dir).AbsoluteUri, capabilities = new { } });
            var uri = new Uri(file).AbsoluteUri;
            await Notify("textDocument/didOpen", new { textDocument = new { uri, languageId = "csharp", version = 1, text } });
            var first = await Request("textDocument/codeLens", new { textDocument = new { uri } });
            var firstLenses = sw.Elapsed.TotalMilliseconds;
            int lensCount = first.GetProperty("result").GetArrayLength();

            var cached = new List<double>();
            var edited = new List<double>();
            var resolveCached = new List<double>();
            var resolveEdited = new List<double>();
            var inserted = new List<double>();
            var top = "";   // the lines inserted above the file so far: toggles between none and one
            // codeLens/resolve of one lens: the editor resolves only the lenses in view, one request each.
            async Task<double> Resolve(JsonElement lenses, int i)
            {
                var lens = lenses.GetProperty("result")[i % lenses.GetProperty("result").GetArrayLength()];
                var t = Stopwatch.StartNew();
                var r = await Request("codeLens/resolve", lens);
                var ms = t.Elapsed.TotalMilliseconds;
                if (!r.TryGetProperty("result", out var res) || res.GetProperty("command").GetProperty("title").GetString() is not { Length: > 0 })
                    throw new InvalidOperationException($"resolve gave no title: {r}");
                return ms;
            }
            for (int i = 0; i < requests; i++)
            {
                sw.Restart();
                var unchanged = await Request("textDocument/codeLens", new { textDocument = new { uri } });
                cached.Add(sw.Elapsed.TotalMilliseconds);
                resolveCached.Add(await Resolve(unchanged, i * 7));
                // After an edit (full sync) that moves nothing: re-parse, declarations compared, anchors and lenses kept.
                var changed = top + text.Replace("// edit-point", $"// edit {i}");
                await Notify("textDocument/didChange", new { textDocument = new { uri, version = i + 2 }, contentChanges = new[] { new { text = changed } } });
                sw.Restart();
                var after = await Request("textDocument/codeLens", new { textDocument = new { uri } });
                edited.Add(sw.Elapsed.TotalMilliseconds);
                resolveEdited.Add(await Resolve(after, i * 7 + 3));
                // A line inserted at (or removed from) the top: every declaration and call moves, so every method is re-anchored.
                await Notify("textDocument/didChange", new { textDocument = new { uri, version = requests + i + 2 }, contentChanges = new[] { new { text = (top = top.Length == 0 ? "\n" : "") + changed.TrimStart('\n') } } });
                sw.Restart();
                await Request("textDocument/codeLens", new { textDocument = new { uri } });
                inserted.Add(sw.Elapsed.TotalMilliseconds);
            }
            await Request("shutdown", null);
            await Notify("exit", new { });
            await running;

            Console.WriteLine(string.Create(Inv, $"  raw store load (ProfileStore.LoadRun, baseline)      {rawLoad,8:0} ms"));
            Console.WriteLine(string.Create(Inv, $"  server start → first lenses ({lensCount} lenses)         {firstLenses,8:0} ms  ({firstLenses / rawLoad:0.00}x the raw load; target < 1000 ms)"));
            Console.WriteLine(string.Create(Inv, $"  codeLens, unchanged document   p50 {Pct(cached, 50),6:0.00} ms  p99 {Pct(cached, 99),6:0.00} ms  (n={requests}; target p99 < 10 ms)"));
            Console.WriteLine(string.Create(Inv, $"  codeLens after each edit       p50 {Pct(edited, 50),6:0.00} ms  p99 {Pct(edited, 99),6:0.00} ms  (a comment edited: re-parse; nothing moved)"));
            Console.WriteLine(string.Create(Inv, $"  codeLens after a line insert   p50 {Pct(inserted, 50),6:0.00} ms  p99 {Pct(inserted, 99),6:0.00} ms  (re-parse + re-anchor of {text.Split('\n').Length:N0} lines)"));
            Console.WriteLine(string.Create(Inv, $"  resolve, unchanged document    p50 {Pct(resolveCached, 50),6:0.00} ms  p99 {Pct(resolveCached, 99),6:0.00} ms  (one lens per request)"));
            Console.WriteLine(string.Create(Inv, $"  resolve after each edit        p50 {Pct(resolveEdited, 50),6:0.00} ms  p99 {Pct(resolveEdited, 99),6:0.00} ms"));
            Console.WriteLine(string.Create(Inv, $"  codeLens response size {first.GetProperty("result").GetRawText().Length / 1024.0:0} KB (unresolved: ranges + data keys)"));
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    static double Pct(List<double> xs, double p)
    {
        var s = xs.Order().ToList();
        return s[Math.Min(s.Count - 1, (int)Math.Ceiling(p / 100 * s.Count) - 1)];
    }

    /// <summary>A 3,000-line file: 150 methods of 20 lines, each with 15 calls to 15 callees; returns (text, call lines).</summary>
    static (string Text, List<(string Caller, string Callee, int Line)> Sites) GenerateFile(string path)
    {
        var sb = new StringBuilder();
        var sites = new List<(string, string, int)>();
        int line = 1;
        void L(string s) { sb.Append(s).Append('\n'); line++; }
        L("// Generated for `bench lsp`. edit-point");
        L("namespace Bench.Generated;");
        L("");
        L("public static class Hot");
        L("{");
        for (int m = 0; line < 2990; m++)
        {
            L($"    public static long Caller{m}(long x)");
            L("    {");
            L("        long a = x;");
            for (int c = 0; c < 15; c++)
            {
                sites.Add(($"Caller{m}", $"Callee{c}", line));
                L($"        a += Callee{c}(a);");
            }
            L("        return a;");
            L("    }");
        }
        for (int c = 0; c < 15; c++) L($"    static long Callee{c}(long v) => v ^ {c};");
        L("}");
        return (sb.ToString(), sites);
    }

    static RunProfile SyntheticProfile(string file, List<(string Caller, string Callee, int Line)> fileSites, int edges)
    {
        const string Sig = "int64  (int64)";
        MethodIdentity M(string type, string name) => new("Bench", type, name, Sig);
        var methods = new Dictionary<MethodIdentity, MethodProfile>();
        var sites = new List<CallSite>(edges);
        var rng = new Random(1);
        int id = 0;
        foreach (var (caller, callee, line) in fileSites)
        {
            var c = M("Bench.Generated.Hot", caller);
            var e = M("Bench.Generated.Hot", callee);
            methods.TryAdd(c, new MethodProfile { Method = c, InclusiveSamples = 50_000, ExclusiveSamples = 1_000, IlSize = 200 });
            methods.TryAdd(e, new MethodProfile { Method = e, IlSize = 8 });
            sites.Add(new CallSite
            {
                Id = ++id, Caller = c, Callee = e, IlOffset = sites.Count % 200, Source = new SourceLocation(file, line, 9),
                StatementSamples = rng.Next(0, 30_000), Decision = new InlineDecision(InlineOutcome.Inlined, "", ["OptimizedTier1:inlined"], false),
            });
        }
        // The rest: other files and methods of a large program, mostly cold.
        for (int k = 0; sites.Count < edges; k++)
        {
            var c = M($"Bench.Other.Type{k / 50}", $"Method{k}");
            methods.TryAdd(c, new MethodProfile { Method = c, InclusiveSamples = rng.Next(0, 100), IlSize = 100 });
            for (int j = 0; j < 10 && sites.Count < edges; j++)
            {
                var e = M($"Bench.Other.Type{(k + j) / 50}", $"Method{k + j + 1}");
                sites.Add(new CallSite
                {
                    Id = ++id, Caller = c, Callee = e, IlOffset = j * 7, Source = new SourceLocation($"/src/other/File{k / 20}.cs", 10 + j, 9),
                    CallSamples = rng.Next(0, 3), Decision = new InlineDecision(InlineOutcome.NotInlined, "too many il bytes", ["OptimizedTier1:failed"], false),
                });
            }
        }
        return new RunProfile(
            new RunInfo { Program = "Bench", CommandLine = "bench lsp", Mode = CollectMode.File, TracePath = "none", StartedUtc = DateTime.UtcNow },
            methods.Values.ToList(), sites, new RunTotals(1_000_000, 0, 0, 0, 0, 0));
    }
}
