// The corpus program's harness (copied verbatim by the generator): warms every driver up to Tier1, then measures all
// sites' variants interleaved in this one process, and writes measurements.json with the JIT's own record of each.
using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Corpus;

public sealed record VariantInfo(string Name, Func<int, long> Driver, Type CalleeType, string CalleeName)
{
    public string CallerKey => Driver.Method.DeclaringType!.FullName + "::" + Driver.Method.Name;
    public string CalleeKey => CalleeType.FullName + "::" + CalleeName;
}

public sealed record SiteInfo(string Id, string Family, string ShapeJson, VariantInfo Default, VariantInfo Force, VariantInfo Block, VariantInfo Control)
{
    public VariantInfo[] Variants => [Default, Force, Block, Control];
}

public struct Pair(int x, int y) : IEquatable<Pair>
{
    public int X = x, Y = y;
    public readonly bool Equals(Pair other) => X == other.X && Y == other.Y;
    public override readonly bool Equals(object? obj) => obj is Pair p && Equals(p);
    public override readonly int GetHashCode() => X * 31 + Y;
}

public sealed class Node(int value) : IEquatable<Node>
{
    public readonly int Value = value;
    public bool Equals(Node? other) => other is not null && other.Value == Value;
    public override bool Equals(object? obj) => Equals(obj as Node);
    public override int GetHashCode() => Value;
}

/// <summary>Inputs shared by every variant of every site, deterministic from the seed.</summary>
public static class Data
{
    public static readonly int[] Ints = new int[4096];
    public static readonly Pair[] Pairs = new Pair[4096];
    public static readonly string[] Strings = new string[64];
    public static readonly Node[] Nodes = new Node[64];
    public static readonly float[] Floats = new float[512 * 8 + 8];
    public static int Counter;

    static Data()
    {
        ulong s = unchecked(Registry.Seed * 0x2545F4914F6CDD1DUL + 1);   // a constant expression: checked at compile time unless said
        ulong Next() { ulong z = s += 0x9E3779B97F4A7C15UL; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL; z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL; return z ^ (z >> 31); }
        for (int i = 0; i < Ints.Length; i++) Ints[i] = (int)(Next() % 65536);
        for (int i = 0; i < Pairs.Length; i++) Pairs[i] = new Pair((int)(Next() % 16), (int)(Next() % 16));
        for (int i = 0; i < Strings.Length; i++) Strings[i] = "s" + (Next() % 16);
        for (int i = 0; i < Nodes.Length; i++) Nodes[i] = new Node((int)(Next() % 16));
        for (int i = 0; i < Floats.Length; i++) Floats[i] = (float)((Next() % 2001) / 1000.0 - 1.0);
    }
}

public static class Program
{
    const string Usage = "usage: Corpus [--out measurements.json] [--rounds 30] [--target-ms 3] [--warmup-iterations 16384] [--sites id,id] [--command TEXT]\n" +
                         "       Corpus --only <siteId> --variant default|force|block|control --iterations N --calls C\n" +
                         "       Corpus --list";

    public static int Main(string[] args)
    {
        var o = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--list") { o["list"] = "1"; continue; }
            if (!args[i].StartsWith("--") || i + 1 >= args.Length) { Console.Error.WriteLine($"corpus: bad argument '{args[i]}'\n{Usage}"); return 2; }
            o[args[i][2..]] = args[++i];
        }
        try
        {
            if (o.ContainsKey("list"))
            {
                foreach (var s in Registry.All) Console.WriteLine($"{s.Id}\t{s.Family}\t{s.ShapeJson}");
                return 0;
            }
            if (o.TryGetValue("only", out var only)) return Standalone(only, o);
            return Interleaved(o);
        }
        catch (UsageError e)
        {
            Console.Error.WriteLine($"corpus: {e.Message}\n{Usage}");
            return 2;
        }
    }

    sealed class UsageError(string m) : Exception(m);

    static int Int(Dictionary<string, string> o, string key, int fallback) =>
        !o.TryGetValue(key, out var v) ? fallback : int.TryParse(v, out var n) && n > 0 ? n : throw new UsageError($"--{key} must be a positive integer");

    static VariantInfo Find(string siteId, string variant)
    {
        var site = Registry.All.FirstOrDefault(s => s.Id == siteId) ?? throw new UsageError($"no site '{siteId}' (see --list)");
        return site.Variants.FirstOrDefault(v => v.Name == variant) ?? throw new UsageError($"no variant '{variant}'");
    }

    /// <summary>One site's one variant for a fixed amount of work: the program the full A/B experiments run (they
    /// patch this variant's callee in their copies, so "--variant default" is the usual baseline).</summary>
    static int Standalone(string siteId, Dictionary<string, string> o)
    {
        var v = Find(siteId, o.GetValueOrDefault("variant", "default"));
        int n = Int(o, "iterations", 100_000), calls = Int(o, "calls", 500);
        long checksum = 0;
        var sw = Stopwatch.StartNew();
        for (int c = 0; c < calls; c++) checksum += v.Driver(n);
        Console.WriteLine($"{siteId} {v.Name}: {calls} calls × {n} iterations in {sw.Elapsed.TotalMilliseconds:F0} ms; checksum {checksum}");
        return 0;
    }

    static int Interleaved(Dictionary<string, string> o)
    {
        int rounds = Int(o, "rounds", 30);
        double targetMs = Int(o, "target-ms", 3);
        string outPath = o.GetValueOrDefault("out", "measurements.json");
        var sites = Registry.All;
        if (o.TryGetValue("sites", out var filter))
        {
            var ids = filter.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            sites = sites.Where(s => ids.Contains(s.Id)).ToArray();
            if (sites.Length != ids.Count) throw new UsageError($"--sites: unknown id(s) {string.Join(", ", ids.Except(sites.Select(s => s.Id)))}");
        }
        var total = Stopwatch.StartNew();
        using var jit = new JitListener();
        long checksum = 0;

        // 1. Warm-up until every driver has optimized (Tier1) code. Tier0 code is call-counted only after the tiering
        // delay (100 ms without new Tier0 compiles), then instrumented, then Tier1: a few passes with pauses.
        // Each warm-up call runs a realistic trip count: dynamic PGO weighs a call site by its count per method entry,
        // and the JIT's inlining decisions follow (a 1-in-1024 branch is cold at 64 iterations per call, hot at
        // millions); the measured calls and the standalone runs use 10^5–10^7 iterations.
        int warmN = Int(o, "warmup-iterations", 16384);
        int passes = 0;
        string[] missing = [];
        // The variant order rotates by site and pass: the first compile in a process pays one-time costs (type loads,
        // first use of an intrinsic), which must not land on the same variant at every site.
        void Pass(int pass)
        {
            for (int k = 0; k < sites.Length; k++)
                for (int j = 0; j < 4; j++)
                    for (int c = 0; c < 40; c++) checksum += sites[k].Variants[(k + j + pass) % 4].Driver(warmN);
        }
        for (; passes < 30; passes++)
        {
            Pass(passes);
            Thread.Sleep(300);
            missing = sites.SelectMany(s => s.Variants).Where(v => !jit.HasOptimized(v.CallerKey)).Select(v => v.CallerKey).ToArray();
            if (missing.Length == 0) break;
        }
        // One more pass so callees that are called out of line reach Tier1 too.
        Pass(passes + 1);
        Thread.Sleep(500);
        Console.Error.WriteLine($"corpus: warm-up {passes + 1} passes, {(missing.Length == 0 ? "every driver at Tier1" : $"{missing.Length} drivers never reached Tier1")} ({total.Elapsed.TotalSeconds:F1} s)");

        // 2. Calibrate once per site on the default variant: iterations per call so a call takes about targetMs.
        var iterations = new int[sites.Length];
        for (int k = 0; k < sites.Length; k++)
        {
            int n = 256;
            while (true)
            {
                double best = double.MaxValue;
                for (int r = 0; r < 3; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    checksum += sites[k].Default.Driver(n);
                    best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                if (best >= targetMs / 4 || n >= 1 << 28) { iterations[k] = (int)Math.Clamp(n * targetMs / Math.Max(best, 1e-3), 64, int.MaxValue / 2); break; }
                n *= 4;
            }
        }
        Console.Error.WriteLine($"corpus: calibrated {sites.Length} sites ({total.Elapsed.TotalSeconds:F1} s)");

        // 3. Rounds: each site's four variants back to back, their order rotated (a Latin square over rounds and
        // sites, so each variant goes first equally often), the site order shuffled per round.
        var results = new (long Elapsed, long Cpu)[rounds, sites.Length, 4];
        var order = Enumerable.Range(0, sites.Length).ToArray();
        var rng = new Random(unchecked((int)Registry.Seed) ^ 0x5EED);
        var ticksToNs = 1e9 / Stopwatch.Frequency;
        for (int round = 0; round < rounds; round++)
        {
            rng.Shuffle(order);
            foreach (int k in order)
            {
                var variants = sites[k].Variants;
                for (int j = 0; j < 4; j++)
                {
                    int vi = (round + k + j) % 4;
                    var driver = variants[vi].Driver;
                    long c0 = ThreadCpu.Nanoseconds();
                    long t0 = Stopwatch.GetTimestamp();
                    long r = driver(iterations[k]);
                    long t1 = Stopwatch.GetTimestamp();
                    long c1 = ThreadCpu.Nanoseconds();
                    checksum += r;
                    results[round, k, vi] = ((long)((t1 - t0) * ticksToNs), c1 - c0);
                }
            }
        }
        Console.Error.WriteLine($"corpus: {rounds} rounds done ({total.Elapsed.TotalSeconds:F1} s)");

        // Callees the JIT never compiled on their own (inlined everywhere, or never called) still need their runtime
        // identity: compiling them once on purpose prints it. This happens after the rounds, so it costs them nothing.
        foreach (var v in sites.SelectMany(s => s.Variants))
            if (!jit.Seen(v.CalleeKey) && Callee(v) is { IsGenericMethodDefinition: false } m)
                RuntimeHelpers.PrepareMethod(m.MethodHandle);
        Thread.Sleep(1000); // the listener's events arrive asynchronously
        var jitSnapshot = jit.Snapshot();

        Write(outPath, Render(o, sites, iterations, results, jitSnapshot, rounds, targetMs, passes + 1, missing, checksum));
        Console.WriteLine($"corpus: {sites.Length} sites × 4 variants × {rounds} rounds in {total.Elapsed.TotalSeconds:F1} s; checksum {checksum}; wrote {outPath}");
        return 0;
    }

    static MethodInfo? Callee(VariantInfo v) =>
        v.CalleeType.GetMethod(v.CalleeName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance);

    static string Render(Dictionary<string, string> o, SiteInfo[] sites, int[] iterations, (long Elapsed, long Cpu)[,,] results,
                         Dictionary<string, List<Compile>> compiles, int rounds, double targetMs, int passes, string[] missing, long checksum)
    {
        var root = new JsonObject
        {
            ["format"] = 1,
            ["assembly"] = typeof(Program).Assembly.GetName().Name,
            ["seed"] = Registry.Seed,
            ["command"] = o.GetValueOrDefault("command", "dotnet Corpus.dll " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1))),
            ["machine"] = Machine(),
            ["runtime"] = Environment.Version.ToString(),
            ["settings"] = Settings(),
            ["rounds"] = rounds,
            ["targetMs"] = targetMs,
            ["warmupPasses"] = passes,
            ["warmupIterations"] = Int(o, "warmup-iterations", 16384),
            ["driversNotAtTier1"] = new JsonArray(missing.Select(m => (JsonNode)m).ToArray()),
            ["checksum"] = checksum,
        };
        var list = new JsonArray();
        for (int k = 0; k < sites.Length; k++)
        {
            var s = sites[k];
            var shape = JsonNode.Parse(s.ShapeJson)!.AsObject();
            if (Callee(s.Default)?.GetMethodBody()?.GetILAsByteArray() is { } il) shape["calleeIlBytes"] = il.Length;
            if (s.Default.Driver.Method.GetMethodBody()?.GetILAsByteArray() is { } cil) shape["callerIlBytes"] = cil.Length;
            var variants = new JsonObject();
            var jitNode = new JsonObject();
            foreach (var v in s.Variants)
            {
                compiles.TryGetValue(v.CallerKey, out var callerCompiles);
                compiles.TryGetValue(v.CalleeKey, out var calleeCompiles);
                variants[v.Name] = new JsonObject { ["caller"] = Identity(callerCompiles, v.CallerKey), ["callee"] = Identity(calleeCompiles, v.CalleeKey) };
                var callerOpt = callerCompiles?.LastOrDefault(c => c.Optimized);
                var calleeOpt = calleeCompiles?.LastOrDefault(c => c.Optimized);
                var all = (callerCompiles ?? []).Concat(calleeCompiles ?? []).Where(c => c.Done).ToList();
                var decision = callerOpt?.Decisions.LastOrDefault(d => d.InlineeKey == v.CalleeKey);
                jitNode[v.Name] = new JsonObject
                {
                    ["callerOptimizedBytes"] = callerOpt?.NativeBytes ?? 0,
                    ["calleeOptimizedBytes"] = calleeOpt?.NativeBytes ?? 0,
                    ["jitMs"] = Math.Round(all.Sum(c => c.Milliseconds), 4),
                    // Only the optimized compiles (Tier1, OSR): where inlining changes the JIT's work; Tier0 never inlines.
                    ["jitMsOptimized"] = Math.Round(all.Where(c => c.Tier is 2 or 4 or 5).Sum(c => c.Milliseconds), 4),
                    ["compiles"] = all.Count,
                    ["callerTiers"] = string.Join(",", (callerCompiles ?? []).Where(c => c.Done).Select(c => c.TierName)),
                    ["calleeTiers"] = string.Join(",", (calleeCompiles ?? []).Where(c => c.Done).Select(c => c.TierName)),
                    // What the caller's last optimized compile did with this call (null: no decision event seen).
                    ["calleeDecision"] = decision is null ? null : decision.Inlined ? "inlined" : "not inlined: " + decision.Reason,
                };
            }
            var roundsNode = new JsonArray();
            for (int r = 0; r < rounds; r++)
            {
                var rn = new JsonObject();
                for (int vi = 0; vi < 4; vi++)
                    rn[s.Variants[vi].Name] = new JsonObject { ["elapsedNs"] = results[r, k, vi].Elapsed, ["cpuNs"] = results[r, k, vi].Cpu };
                roundsNode.Add(rn);
            }
            list.Add(new JsonObject
            {
                ["id"] = s.Id, ["family"] = s.Family, ["shape"] = shape, ["iterationsPerCall"] = iterations[k],
                ["variants"] = variants, ["rounds"] = roundsNode, ["jit"] = jitNode,
            });
        }
        root["sites"] = list;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static JsonObject Identity(List<Compile>? compiles, string key)
    {
        var c = compiles?.FirstOrDefault();
        int sep = key.IndexOf("::", StringComparison.Ordinal);
        // The identity as the runtime's events print it (type without instantiation, as the product normalizes it).
        return new JsonObject
        {
            ["type"] = c is null ? key[..sep] : JitListener.NormalizeTypeName(c.Namespace),
            ["name"] = c is null ? key[(sep + 2)..] : c.Name,
            ["signature"] = c?.Signature,
        };
    }

    static void Write(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp";
        File.WriteAllText(tmp, text, new UTF8Encoding(false));
        File.Move(tmp, full, overwrite: true);
    }

    static string Machine()
    {
        string cpu = "unknown CPU";
        try { cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? cpu; } catch (IOException) { }
        string load = "";
        try { load = ", load " + string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); } catch (IOException) { }
        return $"{Environment.ProcessorCount} cores, {cpu}, {RuntimeInformation.OSDescription}{load} at start";
    }

    static string Settings()
    {
        var env = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("COMPlus_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}").ToArray();
        return env.Length == 0 ? "(none)" : string.Join(" ", env);
    }
}

/// <summary>CPU time of the calling thread: the JIT's background compiles and other processes do not count.</summary>
static class ThreadCpu
{
    [StructLayout(LayoutKind.Sequential)]
    struct Timespec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    static extern int ClockGetTime(int clock, out Timespec value);

    const int ClockThreadCpuTimeId = 3;

    public static long Nanoseconds() => ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : -1;
}

public sealed class Compile
{
    public required string Namespace, Name, Signature;
    public DateTime Started, Loaded;
    public bool Done;
    public int Tier;
    public long NativeBytes;
    public readonly List<Decision> Decisions = [];
    public double Milliseconds => (Loaded - Started).TotalMilliseconds;
    // MethodFlags bits 7–9 (the runtime's ETW OptimizationTier): 2 Optimized, 4 Tier1, 5 Tier1 OSR, 7 Tier1 instrumented.
    public bool Optimized => Done && Tier is 2 or 4;
    public string TierName => Tier switch
    {
        1 => "MinOpt", 2 => "Optimized", 3 => "Tier0", 4 => "Tier1", 5 => "Tier1OSR", 6 => "Tier0Instrumented", 7 => "Tier1Instrumented", _ => "Unknown",
    };
}

public sealed record Decision(string InlineeKey, bool Inlined, string Reason);

/// <summary>The runtime's JIT events in this process (keyword Jit 0x10 and JitTracing 0x1000, verbose): each compile's
/// method, tier, native size and time (MethodJittingStarted → MethodLoadVerbose on the same thread), and the inlining
/// decisions made inside it. Keys are "Type::Name" with the type's instantiation removed.</summary>
sealed class JitListener : EventListener
{
    readonly object gate = new();
    readonly Dictionary<string, List<Compile>> byKey = [];
    readonly Dictionary<long, Compile> current = [];   // OS thread → the compile in progress on it

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)(0x10 | 0x1000));
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId is not (145 or 143 or 185 or 192) || e.Payload is null || e.PayloadNames is null) return;
        object? P(string name) { int i = e.PayloadNames!.IndexOf(name); return i < 0 ? null : e.Payload![i]; }
        string S(string name) => P(name) as string ?? "";
        lock (gate)
        {
            switch (e.EventId)
            {
                case 145: // MethodJittingStarted
                {
                    var c = new Compile { Namespace = S("MethodNamespace"), Name = S("MethodName"), Signature = S("MethodSignature"), Started = e.TimeStamp };
                    current[e.OSThreadId] = c;
                    string key = NormalizeTypeName(c.Namespace) + "::" + c.Name;
                    if (!byKey.TryGetValue(key, out var l)) byKey[key] = l = [];
                    l.Add(c);
                    break;
                }
                case 143: // MethodLoadVerbose
                {
                    string key = NormalizeTypeName(S("MethodNamespace")) + "::" + S("MethodName");
                    if (current.TryGetValue(e.OSThreadId, out var c) && NormalizeTypeName(c.Namespace) + "::" + c.Name == key)
                    {
                        c.Loaded = e.TimeStamp;
                        c.Done = true;
                        c.Tier = (int)((Convert.ToUInt32(P("MethodFlags")) >> 7) & 0x7);
                        c.NativeBytes = Convert.ToInt64(P("MethodSize"));
                        current.Remove(e.OSThreadId);
                    }
                    break;
                }
                default: // 185 MethodJitInliningSucceeded, 192 MethodJitInliningFailed
                    if (current.TryGetValue(e.OSThreadId, out var compile))
                        compile.Decisions.Add(new Decision(NormalizeTypeName(S("InlineeNamespace")) + "::" + S("InlineeName"), e.EventId == 185, e.EventId == 185 ? "" : S("FailReason")));
                    break;
            }
        }
    }

    public bool HasOptimized(string key) { lock (gate) return byKey.TryGetValue(key, out var l) && l.Any(c => c.Optimized); }
    public bool Seen(string key) { lock (gate) return byKey.ContainsKey(key); }
    public Dictionary<string, List<Compile>> Snapshot() { lock (gate) return byKey.ToDictionary(p => p.Key, p => p.Value.ToList()); }

    /// <summary>"Ns.Box`1[System.Int32]" → "Ns.Box`1": removes top-level instantiation groups, keeps array suffixes
    /// ("[]", "[,]"); the same rule as the product's RuntimeNames.NormalizeTypeName.</summary>
    public static string NormalizeTypeName(string name)
    {
        if (name.IndexOf('[') < 0) return name;
        var sb = new StringBuilder(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c == '\\' && i + 1 < name.Length) { sb.Append(c).Append(name[++i]); continue; }
            if (c != '[') { sb.Append(c); continue; }
            int depth = 0, end = i;
            for (; end < name.Length; end++) { if (name[end] == '[') depth++; else if (name[end] == ']' && --depth == 0) break; }
            if (end >= name.Length) { sb.Append(name, i, name.Length - i); break; }
            string inside = name.Substring(i + 1, end - i - 1);
            if (inside.All(ch => ch is ',' or '*')) sb.Append(name, i, end - i + 1);
            i = end;
        }
        return sb.ToString();
    }
}
