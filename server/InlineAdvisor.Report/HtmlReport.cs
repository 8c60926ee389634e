// The HTML report: one self-contained page rendered from the evidence model (ProfileReport, MethodRow, BudgetCase,
// ExperimentRecord, ScreenRecord, SiteAdvice). The records are serialized as JSON into the page and drawn there by a
// small script; the page fetches nothing. The CLI (`advisor report --html`) and the language server both call Render.
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using InlineAdvisor.Core;
using InlineAdvisor.Model;

namespace InlineAdvisor.Report;

/// <summary>What one page shows. Advice and Calibration are null when they could not be computed; the notes say why.</summary>
/// <param name="HideSite">Sites left out of every view (the CLI hides framework-internal calls unless --all).</param>
public sealed record HtmlReportInput(
    RunProfile Profile,
    IReadOnlyList<ExperimentRecord> Experiments,
    IReadOnlyList<ScreenRecord> Screens,
    AdviceReport? Advice,
    string? AdviceNote,
    IReadOnlyList<CalibrationPoint>? Calibration,
    string? CalibrationNote,
    double HotThreshold = 0.01,
    Func<CallSite, bool>? HideSite = null)
{
    /// <summary>Caveats about what the page holds, shown under the run's own notes (e.g. the editor's snapshot leaves cold sites out).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>An experiment with the per-run values of its deciding metric by arm (A baseline, B variant, C the A/A control).</summary>
public sealed record ExperimentView(ExperimentRecord Record, string Summary, IReadOnlyDictionary<string, IReadOnlyList<double>> Distributions);

/// <summary>A <see cref="MethodRow"/> without its sites (they are in the report's rows already; 10k sites twice would double the page).</summary>
public sealed record MethodView(MethodIdentity Method, string ExistingAttribute, int Sites, int Callers, double SummedShare, int InlinedSites,
    IReadOnlyDictionary<string, int> RefusedByReason, int UndecidedSites, double CallersJitMilliseconds, long? InlinedCodeBytes)
{
    public static MethodView Of(MethodRow m) => new(m.Method, m.ExistingAttribute, m.Sites.Count, m.Callers, m.SummedShare, m.InlinedSites,
        m.RefusedByReason, m.UndecidedSites, m.CallersJitMilliseconds, m.InlinedCodeBytes);
}

/// <summary>The JSON the page reads (its schema is this record: the script names these fields).</summary>
public sealed record ReportPageData(
    string Generator,
    ProfileReport Report,
    IReadOnlyList<MethodView> Methods,
    IReadOnlyList<BudgetCompile> BudgetCompiles,
    IReadOnlyList<ExperimentView> Experiments,
    IReadOnlyList<ScreenRecord> Screens,
    AdviceReport? Advice,
    string? AdviceNote,
    IReadOnlyList<CalibrationPoint>? Calibration,
    string? CalibrationNote,
    IReadOnlyList<string> Notes);

public static partial class HtmlReport
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Relaxed: names stay readable and short (the default encoder writes `, +, & as \uXXXX too); Render escapes "<".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // MethodIdentity.NameKey repeats type, name and signature: the page keys methods by those fields itself.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers = { t => { if (t.Type == typeof(MethodIdentity)) t.Properties.Remove(t.Properties.Single(p => p.Name == "nameKey")); } },
        },
    };

    /// <summary>
    /// The page's input for a run: the advice list and the calibration need the app's built assemblies (the model's IL
    /// features) and a model; without them those panels say why (<paramref name="noAppDir"/> tells how to give the folder).
    /// </summary>
    public static HtmlReportInput Input(RunProfile profile, IReadOnlyList<ExperimentRecord> experiments, IReadOnlyList<ScreenRecord> screens,
        string? appDir, string? modelPath, string noAppDir, double hotThreshold = 0.01, Func<CallSite, bool>? hideSite = null)
    {
        var onRun = screens.Where(x => x.ProfileRunId == profile.Run.Id).ToList();
        HtmlReportInput Without(string why) => new(profile, experiments, onRun, null, why, null, why, hotThreshold, hideSite);
        if (appDir is null) return Without($"no advice or calibration: {noAppDir}");
        if (!Directory.Exists(appDir)) return Without($"no advice or calibration: the application folder {appDir} does not exist");
        modelPath ??= ModelFile.FindDefault();
        try
        {
            var model = modelPath is null ? null : ModelFile.Load(modelPath);
            using var il = new ILFeatureReader(appDir);
            var evidence = new SiteEvidence(experiments);
            var advice = Advisor.Advise(profile, evidence.For, il, model, modelPath, new AdviseOptions(Top: int.MaxValue));
            if (model is null) return new(profile, experiments, onRun, advice, null, null, "no calibration: no model found (models/inline-model.json beside the advisor)", hotThreshold, hideSite);
            var points = Calibration.Points(profile, experiments, il, model);
            return new(profile, experiments, onRun, advice, null, points,
                points.Count == 0 ? "no stored experiment of one flag change at a site of this run has a model prediction for the same site and action (wall or CPU time deciding)" : null,
                hotThreshold, hideSite);
        }
        catch (ModelException e)
        {
            return Without("no advice or calibration: " + e.Message);
        }
    }

    /// <summary>The page's data from the evidence model, every site the run shows (not a top N: the page pages through them).</summary>
    public static ReportPageData Data(HtmlReportInput input)
    {
        var profile = input.Profile;
        var evidence = new SiteEvidence(input.Experiments);
        var report = ReportBuilder.Build(profile, top: int.MaxValue, input.HotThreshold, evidence.Newest, input.HideSite);
        var methods = ReportBuilder.Methods(profile, input.HideSite is { } hide ? s => !hide(s) : null).Select(MethodView.Of).ToList();
        // The experiments that speak for a site of this run (the report's one rule), or were planned on it.
        var edges = profile.Sites.Select(s => (s.Caller, s.Callee)).ToHashSet();
        var experiments = SiteEvidence.NewestFirst(input.Experiments
                .Where(e => e.ProfileRunId == profile.Run.Id || e.Sites.Any(s => edges.Contains((s.Caller, s.Callee)))))
            .Select(e => new ExperimentView(e, ReportBuilder.DescribeEvidence(e), Distributions(e))).ToList();
        return new ReportPageData("InlineAdvisor", report, methods, profile.BudgetCompiles, experiments, input.Screens,
            input.Advice, input.AdviceNote, input.Calibration, input.CalibrationNote, input.Notes);
    }

    /// <summary>Per arm, the measured runs' values of the deciding metric (warm-ups, negative rounds, left out).</summary>
    static IReadOnlyDictionary<string, IReadOnlyList<double>> Distributions(ExperimentRecord e) =>
        e.Runs.Where(r => r.Round >= 0).GroupBy(r => r.Arm).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<double>)g.Select(r => Metrics.RunValue(r, e.DecidingMetric))
                .OfType<double>().Where(double.IsFinite).ToList());

    /// <summary>The whole page as one string.</summary>
    public static string Render(HtmlReportInput input) => Render(Data(input));

    public static string Render(ReportPageData data)
    {
        // In JSON text "<" occurs only inside strings, where \u003c is the same character: with none left, no method name
        // (List<T>.<Add>b__0, a "</script>" in a path) can end the script element or open a comment or a tag.
        var json = JsonSerializer.Serialize(data, Json).Replace("<", "\\u003c", StringComparison.Ordinal);
        var run = data.Report.Run;
        var values = new Dictionary<string, string>
        {
            ["TITLE"] = WebUtility.HtmlEncode($"InlineAdvisor report: run {run.Id} {run.Program}"),
            ["CSS"] = Resource("report.css"),
            ["JS"] = Resource("report.js"),
            ["DATA"] = json,
        };
        // One pass over the template, so a value can never introduce another placeholder.
        return Placeholder().Replace(Resource("report.html"), m => values[m.Groups[1].Value]);
    }

    /// <summary>Writes the page atomically: a reader (or a failed write) never sees half a file.</summary>
    public static void Write(string path, HtmlReportInput input) => AtomicFile.WriteAllText(path, Render(input));

    static string Resource(string name)
    {
        using var stream = typeof(HtmlReport).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the report template {name} is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\{\{([A-Z]+)\}\}")]
    private static partial Regex Placeholder();
}
