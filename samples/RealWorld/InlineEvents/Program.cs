// InlineEvents <trace.nettrace> --app <dir> [--ns PREFIX]... : what the JIT's inlining events say, counted.
//   inlinees: per inlinee in the PREFIX namespaces: its MethodImpl flag (from the assemblies in --app), successes,
//             failures by reason, distinct inliners (root methods being compiled) and compiles it took part in.
//   reasons:  every failure reason in the whole trace with its count, and for each the methods being compiled.
//   budget:   every compile with a refusal for budget ("inline exceeds budget", "too many local variables", ...
//             any reason containing "budget"): the refused inlinees, and the AggressiveInlining inlinees inlined
//             in that same compile before the first refusal (events keep the JIT's order within a compile).
// Compiles are delimited as the advisor's TraceReader does: MethodJittingStarted .. MethodLoadVerbose per thread.
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

if (args.Length < 1) { Console.Error.WriteLine("usage: InlineEvents <trace.nettrace> --app <dir> [--ns PREFIX]..."); return 2; }
string trace = args[0];
string? app = null;
var prefixes = new List<string>();
for (int i = 1; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--app") app = args[i + 1];
    else if (args[i] == "--ns") prefixes.Add(args[i + 1]);
    else { Console.Error.WriteLine($"unknown option {args[i]}"); return 2; }
}
var flags = app is null ? new Dictionary<string, string>() : Flags.Read(app);
bool Mine(string ns) => prefixes.Count == 0 || prefixes.Any(p => ns.StartsWith(p, StringComparison.Ordinal));

var open = new Dictionary<int, Compile>();
var compiles = new List<Compile>();
using (var source = new EventPipeEventSource(trace))
{
    var clr = source.Clr;
    clr.MethodJittingStarted += e =>
    {
        var c = new Compile($"{e.MethodNamespace}::{e.MethodName}");
        open[e.ThreadID] = c;
        compiles.Add(c);
    };
    clr.MethodInliningSucceeded += e => Of(e.ThreadID, $"{e.MethodBeingCompiledNamespace}::{e.MethodBeingCompiledName}")
        .Events.Add(new Ev($"{e.InlinerNamespace}::{e.InlinerName}", $"{e.InlineeNamespace}::{e.InlineeName}", e.InlineeNamespace, true, ""));
    clr.MethodInliningFailed += e => Of(e.ThreadID, $"{e.MethodBeingCompiledNamespace}::{e.MethodBeingCompiledName}")
        .Events.Add(new Ev($"{e.InlinerNamespace}::{e.InlinerName}", $"{e.InlineeNamespace}::{e.InlineeName}", e.InlineeNamespace, false, e.FailReason));
    clr.MethodLoadVerbose += e => { if (open.Remove(e.ThreadID, out var c)) c.Tier = e.OptimizationTier.ToString(); };
    source.Process();
}

Compile Of(int thread, string method)
{
    if (!open.TryGetValue(thread, out var c) || c.Method != method)
    {
        open[thread] = c = new Compile(method);
        compiles.Add(c);
    }
    return c;
}

string Flag(string inlinee) => flags.TryGetValue(inlinee, out var f) ? f : "-";
var all = compiles.SelectMany(c => c.Events.Select(e => (c, e))).ToList();
Console.WriteLine($"# {trace}");
Console.WriteLine($"compiles with inlining events: {compiles.Count(c => c.Events.Count > 0)}; events: {all.Count} ({all.Count(x => x.e.Ok)} succeeded, {all.Count(x => !x.e.Ok)} failed)");

Console.WriteLine();
Console.WriteLine("## inlinees" + (prefixes.Count > 0 ? $" in {string.Join(", ", prefixes)}" : ""));
Console.WriteLine("flag\tsucceeded\tfailed\tinliners\tcompiles\tinlinee\tfailure reasons");
foreach (var g in all.Where(x => Mine(x.e.InlineeNs)).GroupBy(x => x.e.Inlinee)
             .OrderByDescending(g => g.Count(x => x.e.Ok)).ThenByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
{
    var reasons = string.Join("; ", g.Where(x => !x.e.Ok).GroupBy(x => x.e.Reason).OrderByDescending(r => r.Count()).Select(r => $"{r.Key} ×{r.Count()}"));
    Console.WriteLine($"{Flag(g.Key)}\t{g.Count(x => x.e.Ok)}\t{g.Count(x => !x.e.Ok)}\t{g.Select(x => x.c.Method).Distinct().Count()}\t{g.Select(x => x.c).Distinct().Count()}\t{g.Key}\t{reasons}");
}

Console.WriteLine();
Console.WriteLine("## failure reasons (whole trace)");
Console.WriteLine("count\tof them library inlinees\treason\tmethods being compiled (top 5)");
foreach (var g in all.Where(x => !x.e.Ok).GroupBy(x => x.e.Reason).OrderByDescending(g => g.Count()))
{
    var top = string.Join("; ", g.GroupBy(x => x.c.Method).OrderByDescending(m => m.Count()).Take(5).Select(m => $"{m.Key} ×{m.Count()}"));
    Console.WriteLine($"{g.Count()}\t{g.Count(x => Mine(x.e.InlineeNs))}\t{g.Key}\t{top}");
}

Console.WriteLine();
Console.WriteLine("## compiles with budget refusals");
var budget = compiles.Where(c => c.Events.Any(e => !e.Ok && e.Reason.Contains("budget", StringComparison.OrdinalIgnoreCase))).ToList();
Console.WriteLine($"{budget.Count} compiles");
foreach (var c in budget)
{
    int first = c.Events.FindIndex(e => !e.Ok && e.Reason.Contains("budget", StringComparison.OrdinalIgnoreCase));
    var refused = c.Events.Where(e => !e.Ok && e.Reason.Contains("budget", StringComparison.OrdinalIgnoreCase)).GroupBy(e => e.Inlinee).Select(r => $"{r.Key} ×{r.Count()}");
    var forcedBefore = c.Events.Take(first).Where(e => e.Ok && Flag(e.Inlinee) == "AggressiveInlining").GroupBy(e => e.Inlinee)
        .OrderByDescending(f => f.Count()).Select(f => $"{f.Key} ×{f.Count()}");
    int okBefore = c.Events.Take(first).Count(e => e.Ok);
    Console.WriteLine($"- {c.Method} [{c.Tier}]: {c.Events.Count} events; refused for budget: {string.Join(", ", refused)}; " +
        $"before the first refusal {okBefore} inlines succeeded, forced (AggressiveInlining, per --app) among them: {(forcedBefore.Any() ? string.Join(", ", forcedBefore) : "none")}");
}
return 0;

sealed record Ev(string Inliner, string Inlinee, string InlineeNs, bool Ok, string Reason);

sealed class Compile(string method)
{
    public string Method { get; } = method;
    public string Tier { get; set; } = "?";
    public List<Ev> Events { get; } = [];
}

static class Flags
{
    /// <summary>"Namespace.Type+Nested::Name" → AggressiveInlining / NoInlining (any overload), for every assembly in dir.</summary>
    public static Dictionary<string, string> Read(string dir)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(dir, "*.dll"))
        {
            try
            {
                using var pe = new PEReader(File.OpenRead(file));
                if (!pe.HasMetadata) continue;
                var md = pe.GetMetadataReader();
                foreach (var th in md.TypeDefinitions)
                {
                    var t = md.GetTypeDefinition(th);
                    string name = TypeName(md, t);
                    foreach (var mh in t.GetMethods())
                    {
                        var m = md.GetMethodDefinition(mh);
                        var impl = m.ImplAttributes;
                        string? f = (impl & MethodImplAttributes.AggressiveInlining) != 0 ? "AggressiveInlining"
                            : (impl & MethodImplAttributes.NoInlining) != 0 ? "NoInlining" : null;
                        if (f is not null) map[$"{name}::{md.GetString(m.Name)}"] = f;
                    }
                }
            }
            catch (BadImageFormatException) { }
        }
        return map;
    }

    private static string TypeName(MetadataReader md, TypeDefinition t)
    {
        var declaring = t.GetDeclaringType();
        if (!declaring.IsNil) return TypeName(md, md.GetTypeDefinition(declaring)) + "+" + md.GetString(t.Name);
        var ns = md.GetString(t.Namespace);
        return ns.Length == 0 ? md.GetString(t.Name) : ns + "." + md.GetString(t.Name);
    }
}
