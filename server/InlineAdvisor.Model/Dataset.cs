// Labelled examples: the corpus measurements (format 1, written by samples/Corpus/Generator/Template/Harness.cs) joined with profile + IL features, store experiments, and the CSV they live in.
using System.Globalization;
using System.Text;
using System.Text.Json;
using InlineAdvisor.Core;
using InlineAdvisor.Statistics;

namespace InlineAdvisor.Model;

/// <summary>
/// A measured effect on the log scale with its 95% interval. Resolved when the interval excludes zero and — where an
/// A/A control was measured — the same comparison against the control copy excludes zero on the same side: the rule
/// the experiment runner's "effect" verdict uses, so noise that also separates two identical copies is not a label.
/// </summary>
public readonly record struct LogEffect(double Value, double Low, double High, int N, bool? ClearOfControl = null)
{
    public bool Resolved => (Low > 0 || High < 0) && ClearOfControl != false;

    public static LogEffect From(PairedLogRatio r)
    {
        double half = r.N < 2 ? double.PositiveInfinity : r.CriticalValue(0.95) * r.StandardError;
        return new LogEffect(r.MeanLog, r.MeanLog - half, r.MeanLog + half, r.N);
    }
}

/// <summary>
/// One labelled example. Runtime and CPU are LOCAL effects: ln(variant/baseline) of the work the change acts on (for the
/// corpus, one caller with its callee; for store experiments, the app's ln ratio over StoreExamples' local scope). JIT ms and code bytes are absolute deltas
/// variant − baseline; the *_base columns are the baseline's values, so relative changes can be formed.
/// </summary>
public sealed record Example(string Id, string Family, InlineAction Action, string Source, double[] Features,
    LogEffect Runtime, LogEffect Cpu, double JitMs, double JitMsBase, double CodeBytes, double CodeBytesBase)
{
    public double Target(TargetKind t) => t switch
    {
        TargetKind.Runtime => Runtime.Value, TargetKind.Cpu => Cpu.Value, TargetKind.JitMs => JitMs, _ => CodeBytes,
    };

    /// <summary>Whether the measured value counts for sign accuracy: resolved and beyond ±1% (relative to the base for absolute targets).</summary>
    public bool CountsForSign(TargetKind t) => t switch
    {
        TargetKind.Runtime => Runtime.Resolved && Math.Abs(Runtime.Value) > Math.Log(1.01),
        TargetKind.Cpu => Cpu.Resolved && Math.Abs(Cpu.Value) > Math.Log(1.01),
        TargetKind.JitMs => JitMsBase > 0 && Math.Abs(JitMs) > 0.01 * JitMsBase,
        _ => CodeBytesBase > 0 && Math.Abs(CodeBytes) > 0.01 * CodeBytesBase,
    };
}

public enum TargetKind { Runtime, Cpu, JitMs, CodeBytes }

public static class Targets
{
    public static readonly TargetKind[] All = [TargetKind.Runtime, TargetKind.Cpu, TargetKind.JitMs, TargetKind.CodeBytes];
    public static string Name(TargetKind t) => t switch
    {
        TargetKind.Runtime => "runtime", TargetKind.Cpu => "cpu", TargetKind.JitMs => "jit_ms", _ => "code_bytes",
    };
    public static string Unit(TargetKind t) => t switch
    {
        TargetKind.Runtime or TargetKind.Cpu => "ln ratio (local)", TargetKind.JitMs => "ms", _ => "bytes",
    };
}

/// <summary>The dataset file: one row per example, invariant culture, columns in a fixed order.</summary>
public static class DatasetCsv
{
    static readonly string[] Head = ["id", "family", "action", "source"];
    static readonly string[] Tail =
    [
        "runtime", "runtime_low", "runtime_high", "runtime_n", "cpu", "cpu_low", "cpu_high", "cpu_n",
        "jit_ms", "jit_ms_base", "code_bytes", "code_bytes_base", "runtime_clear_of_control", "cpu_clear_of_control",
    ];

    public static string Header => string.Join(",", Head.Concat(FeatureSchema.Names).Concat(Tail));

    static string N(double v) => double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", CultureInfo.InvariantCulture);
    static double P(string s) => s switch
    {
        "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity, _ => double.Parse(s, CultureInfo.InvariantCulture),
    };
    // 1: clear of the A/A control, 0: not, empty: no control was measured (store experiments).
    static string Clear(bool? c) => c switch { true => "1", false => "0", null => "" };
    static bool? ParseClear(string s) => s switch { "1" => true, "0" => false, "" => null, _ => throw new FormatException($"'{s}' is not 1, 0 or empty") };
    static string Q(string s) => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>Rows sorted by family, id, action: the same examples always give the same bytes.</summary>
    public static string Write(IEnumerable<Example> examples)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var e in Sorted(examples))
        {
            sb.Append(string.Join(",", new[] { Q(e.Id), Q(e.Family), InlineActions.Text(e.Action), e.Source }
                .Concat(e.Features.Select(N))
                .Concat(new[] { e.Runtime.Value, e.Runtime.Low, e.Runtime.High, e.Runtime.N, e.Cpu.Value, e.Cpu.Low, e.Cpu.High, e.Cpu.N,
                                e.JitMs, e.JitMsBase, e.CodeBytes, e.CodeBytesBase }.Select(N))
                .Concat(new[] { Clear(e.Runtime.ClearOfControl), Clear(e.Cpu.ClearOfControl) })));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    public static IReadOnlyList<Example> Sorted(IEnumerable<Example> examples) => examples
        .OrderBy(e => e.Family, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal).ThenBy(e => e.Action).ToList();

    /// <summary>Reads a dataset; a header that differs from this build's schema is refused (one line).</summary>
    public static IReadOnlyList<Example> Read(string text, string what)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0] != Header)
            throw new ModelException($"{what}: its columns are not this build's feature schema v{FeatureSchema.Version} ({FeatureSchema.Hash}); rebuild it with `advisor dataset`");
        int nf = FeatureSchema.Names.Count;
        var result = new List<Example>();
        for (int i = 1; i < lines.Length; i++)
        {
            var c = Split(lines[i]);
            if (c.Count != Head.Length + nf + Tail.Length) throw new ModelException($"{what}: line {i + 1} has {c.Count} fields, expected {Head.Length + nf + Tail.Length}");
            try
            {
                var f = c.Skip(Head.Length).Take(nf).Select(P).ToArray();
                var t = c.Skip(Head.Length + nf).Take(12).Select(P).ToArray();
                var clear = c.Skip(Head.Length + nf + 12).Select(ParseClear).ToArray();
                result.Add(new Example(c[0], c[1], InlineActions.ParseEdit(c[2]), c[3], f,
                    new LogEffect(t[0], t[1], t[2], (int)t[3], clear[0]), new LogEffect(t[4], t[5], t[6], (int)t[7], clear[1]), t[8], t[9], t[10], t[11]));
            }
            catch (FormatException e)
            {
                throw new ModelException($"{what}: line {i + 1}: {e.Message}");
            }
        }
        return result;
    }

    static List<string> Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}

/// <summary>A failure a user can cause in the model layer (bad dataset, wrong schema): one line, no stack trace.</summary>
public sealed class ModelException(string message) : Exception(message);

/// <summary>Reads the corpus helper's measurements.json and turns each site into three labelled examples.</summary>
public static class CorpusDataset
{
    public sealed record Result(IReadOnlyList<Example> Examples, IReadOnlyList<string> Notes);

    static readonly (InlineAction Action, string From, string To)[] Transitions =
        [(InlineAction.Force, "default", "force"), (InlineAction.Block, "default", "block"), (InlineAction.Remove, "force", "default")];

    public static Result Build(string measurementsJson, RunProfile profile, ILFeatureReader il)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(measurementsJson); }
        catch (JsonException e) { throw new ModelException($"measurements: not valid JSON ({e.Message})"); }
        using var _ = doc;
        var root = doc.RootElement;
        if (!root.TryGetProperty("format", out var format) || format.GetInt32() != 1)
            throw new ModelException("measurements: expected \"format\": 1 (as samples/Corpus/Generator/Template/Harness.cs writes it)");
        string assembly = root.GetProperty("assembly").GetString() ?? "";
        var examples = new List<Example>();
        var notes = new List<string>();
        int unmatched = 0;
        foreach (var s in root.GetProperty("sites").EnumerateArray())
        {
            string id = s.GetProperty("id").GetString()!, family = s.GetProperty("family").GetString()!;
            var rounds = s.GetProperty("rounds").EnumerateArray().ToList();
            var jit = s.GetProperty("jit");
            foreach (var (action, from, to) in Transitions)
            {
                var v = s.GetProperty("variants").GetProperty(from);
                var caller = Identity(assembly, v.GetProperty("caller"));
                var callee = Identity(assembly, v.GetProperty("callee"));
                var site = profile.Sites.Where(x => x.Caller == caller && x.Callee == callee).MaxBy(x => x.TotalSamples);
                if (site is null) { unmatched++; site = new CallSite { Caller = caller, Callee = callee }; }
                var features = FeatureBuilder.Build(profile, site, action, il.Callee(callee), il.Site(caller, callee, site.IlOffset));
                LogEffect Compare(string a, string b, string field) => LogEffect.From(PairedLogRatio.From(rounds
                    .Select(r => (r.GetProperty(a).GetProperty(field).GetDouble(), r.GetProperty(b).GetProperty(field).GetDouble())).ToList()));
                // The same change measured against the second default copy (the A/A control) where there is one.
                bool hasControl = rounds.Count > 0 && rounds[0].TryGetProperty("control", out var _control);
                string Alt(string v) => v == "default" ? "control" : v;
                LogEffect Paired(string field)
                {
                    var main = Compare(from, to, field);
                    if (!hasControl) return main;
                    var alt = Compare(Alt(from), Alt(to), field);
                    return main with { ClearOfControl = (alt.Low > 0 && main.Value > 0) || (alt.High < 0 && main.Value < 0) };
                }
                double Jit(string variant, string field) => jit.GetProperty(variant).GetProperty(field).GetDouble();
                double Code(string variant) => Jit(variant, "callerOptimizedBytes") + Jit(variant, "calleeOptimizedBytes");
                // Optimized compiles only where the harness separates them: Tier0 compiles inline nothing, so their time
                // cannot be caused by the flag and only adds noise to the label.
                string jitField = jit.GetProperty(from).TryGetProperty("jitMsOptimized", out var _optimized) ? "jitMsOptimized" : "jitMs";
                examples.Add(new Example(id, family, action, "corpus", features, Paired("elapsedNs"), Paired("cpuNs"),
                    Jit(to, jitField) - Jit(from, jitField), Jit(from, jitField), Code(to) - Code(from), Code(from)));
            }
        }
        if (unmatched > 0)
            notes.Add($"{unmatched} site variants had no call site in the run's profile (no samples or decisions seen): their runtime features are 0");
        return new Result(DatasetCsv.Sorted(examples), notes);
    }

    static MethodIdentity Identity(string assembly, JsonElement e) =>
        new(assembly, e.GetProperty("type").GetString()!, e.GetProperty("name").GetString()!, e.GetProperty("signature").GetString()!);
}

/// <summary>
/// Store experiments as examples. The experiment measured the whole app: its local runtime effect is taken as
/// ln(app ratio) / Amdahl bound of the site (the bound floored at 1% so a tiny bound cannot blow it up); JIT ms and
/// Tier1 bytes are the absolute differences of the arms' medians (MetricEffect). Only single-edit experiments with a
/// stored profile run count; IL features need the experiment's AppDir (skipped with a note when it is gone).
/// </summary>
public static class StoreExamples
{
    /// <summary>The family prefix of store examples: measured on real code, where the corpus is synthetic.</summary>
    public const string FamilyPrefix = "store:";

    public static bool IsRealCode(string family) => family.StartsWith(FamilyPrefix, StringComparison.Ordinal);

    /// <summary>Every single-edit experiment with its profile run and app folder as one example, id "<paramref name="idPrefix"/>-N".</summary>
    public static (IReadOnlyList<Example> Examples, IReadOnlyList<string> Notes) Build(IEnumerable<ExperimentRecord> experiments, Func<long, RunProfile?> loadRun,
        string idPrefix = "experiment")
    {
        var examples = new List<Example>();
        var notes = new List<string>();
        foreach (var e in experiments)
        {
            if (e.Edits.Count != 1 || e.Sites.Count == 0 || e.ProfileRunId is not { } runId) continue;
            InlineAction action;
            action = e.Edits[0].Action;
            if (!Directory.Exists(e.AppDir)) { notes.Add($"experiment {e.Id}: app folder {e.AppDir} is gone, skipped (IL features need it)"); continue; }
            var profile = loadRun(runId);
            if (profile is null) { notes.Add($"experiment {e.Id}: its profile run {runId} is not in the store, skipped"); continue; }
            if (e.RuntimeConfig != profile.Run.RuntimeConfig)
                notes.Add($"experiment {e.Id} ran with runtime settings '{e.RuntimeConfig}', its profile run {runId} with '{profile.Run.RuntimeConfig}': the labels may not belong to these features");
            // A method-level experiment changed every site of its callee; the features describe the hottest of them (the
            // method-wide ones say how many there are).
            var matched = e.Sites.Select(s => profile.Sites.Where(x => x.Caller == s.Caller && x.Callee == s.Callee && x.IlOffset == s.IlOffset).FirstOrDefault()
                    ?? profile.Sites.Where(x => x.Caller == s.Caller && x.Callee == s.Callee).MaxBy(x => x.TotalSamples))
                .OfType<CallSite>().Distinct().ToList();
            var site = matched.MaxBy(x => x.TotalSamples) ?? e.Sites[0];
            double bound = LocalScope(profile, matched.Count == 0 ? [site] : matched);
            using var il = new ILFeatureReader(e.AppDir);
            var features = FeatureBuilder.Build(profile, site, action, il.Callee(site.Callee), il.Site(site.Caller, site.Callee, site.IlOffset));
            LogEffect Local(string metric)
            {
                var m = e.Metrics.FirstOrDefault(x => x.Metric == metric);
                if (m is null) return new LogEffect(0, double.NegativeInfinity, double.PositiveInfinity, 0);
                // Clear of the A/A control: for the deciding metric the runner's own verdict; for the others, intervals apart.
                bool clear = metric == e.DecidingMetric ? e.Verdict == ExperimentVerdict.Effect : m.Low > m.ControlHigh || m.High < m.ControlLow;
                return new LogEffect(Math.Log(1 + m.Effect) / bound, Math.Log(1 + Math.Max(-0.99, m.Low)) / bound, Math.Log(1 + m.High) / bound, m.N, clear);
            }
            var jit = e.Metrics.FirstOrDefault(x => x.Metric == Metrics.JitTime);
            var code = e.Metrics.FirstOrDefault(x => x.Metric == Metrics.Tier1Code);
            // One family per library (the callee's assembly): held-out evaluation then never trains on the library it predicts.
            examples.Add(new Example($"{idPrefix}-{e.Id}", FamilyPrefix + site.Callee.Assembly, action, "experiment", features,
                Local(Metrics.Wall), Local(Metrics.Cpu),
                jit is null ? 0 : jit.MedianVariant - jit.MedianBaseline, jit?.MedianBaseline ?? 0,
                code is null ? 0 : code.MedianVariant - code.MedianBaseline, code?.MedianBaseline ?? 0));
        }
        return (examples, notes);
    }

    /// <summary>
    /// The share of the run a flag change acts on, what a local effect is relative to: the time at the changed sites
    /// plus their callers' own time (an inline changes the caller's code, and an inlined callee's time is the caller's).
    /// The corpus's labels are relative to the same thing: each round times one caller with its callee. At least 1%,
    /// so a method whose time all lands elsewhere does not turn a small app effect into an absurd local one.
    /// </summary>
    static double LocalScope(RunProfile profile, IReadOnlyList<CallSite> sites)
    {
        if (profile.Totals.Samples == 0) return 1;
        var callers = sites.Select(s => s.Caller).Distinct().ToHashSet();
        long callersOwn = profile.Methods.Where(m => callers.Contains(m.Method)).GroupBy(m => m.Method).Sum(g => g.Max(m => m.ExclusiveSamples));
        return Math.Clamp(sites.Sum(profile.AmdahlBound) + (double)callersOwn / profile.Totals.Samples, 0.01, 1);
    }
}
