// The store's newest run, indexed once by source document and by method, so each editor request is a lookup.
using InlineAdvisor.Core;
using InlineAdvisor.Metadata;
using InlineAdvisor.Model;
using InlineAdvisor.Store;

namespace InlineAdvisor.LanguageServer;

/// <summary>A site with its report row (the one result model), every experiment on the same caller → callee, newest first,
/// and the advisor's advice for it (null without an app folder or a model).</summary>
public sealed record SiteEntry(SiteRow Row, IReadOnlyList<ExperimentRecord> Experiments, SiteAdvice? Advice = null)
{
    public CallSite Site => Row.Site;
}

/// <summary>A profiled method: its share of all samples and the sites whose caller it is.</summary>
public sealed record MethodEntry(MethodProfile Profile, double InclusiveShare, double ExclusiveShare);

/// <summary>Sites whose PDB document is one file, sorted by line.</summary>
public sealed record DocumentSites(string PdbPath, IReadOnlyList<SiteEntry> Sites);

/// <summary>
/// Immutable snapshot of what the editor shows: built once per store change (never per request). Documents are matched
/// to PDB paths exactly, else by the longest whole-segment path suffix (a clone elsewhere still matches).
/// </summary>
public sealed class ProfileIndex
{
    readonly Dictionary<string, List<DocumentSites>> _byFileName = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, List<MethodEntry>> _methodsByTypeAndName = new(StringComparer.Ordinal);

    public RunInfo Run { get; }
    public RunTotals Totals { get; }
    /// <summary>The run as loaded (sites from the load floor up), and the store's experiments and screens: what the HTML report renders.</summary>
    public RunProfile Profile { get; }
    public IReadOnlyList<ExperimentRecord> Experiments { get; }
    public IReadOnlyList<ScreenRecord> Screens { get; }
    public int ExperimentCount { get; }
    /// <summary>Sites indexed (those with a source line and at least the load floor of samples).</summary>
    public int SiteCount { get; }

    /// <summary>The run's compiles that ran out of inline budget (shown in the hovers of the methods involved).</summary>
    public IReadOnlyList<BudgetCase> Budget { get; }

    /// <summary>Each callee over all its sites (the report's per-method view), for the hover of its declaration.</summary>
    public IReadOnlyDictionary<MethodIdentity, MethodRow> AsCallee { get; }

    /// <summary>Why sites carry no predictions, when they don't (shown in the status and in hovers).</summary>
    public string? PredictionNote { get; }

    ProfileIndex(RunProfile profile, IReadOnlyList<ExperimentRecord> experiments, Func<RunProfile, Func<CallSite, IReadOnlyList<ExperimentRecord>>, SitePredictions>? predict,
        IReadOnlyList<ScreenRecord>? screens = null)
    {
        Run = profile.Run;
        Profile = profile;
        Experiments = experiments;
        Screens = screens ?? [];
        Totals = profile.Totals;
        ExperimentCount = experiments.Count;
        SiteCount = profile.Sites.Count;
        var evidence = new SiteEvidence(experiments);
        var predictions = predict?.Invoke(profile, evidence.For) ?? SitePredictions.None;
        PredictionNote = predictions.Note;
        // Every site with a source line, in the report's own rows (threshold 0: the editor filters by its setting).
        var report = ReportBuilder.Build(profile, top: int.MaxValue, hotThreshold: 0,
            evidence: evidence.Newest,
            hideSite: s => s.Source is null);
        Budget = report.Budget;
        AsCallee = ReportBuilder.Methods(profile).ToDictionary(m => m.Method);
        foreach (var group in report.Sites.GroupBy(r => r.Site.Source!.File, StringComparer.Ordinal))
        {
            var sites = group.Select(r => new SiteEntry(r, evidence.For(r.Site), predictions.For(r.Site)))
                .OrderBy(e => e.Site.Source!.Line).ThenBy(e => e.Site.IlOffset).ToList();
            var name = FileName(group.Key);
            if (!_byFileName.TryGetValue(name, out var bucket)) _byFileName[name] = bucket = [];
            bucket.Add(new DocumentSites(group.Key, sites));
        }
        double total = Math.Max(1, profile.Totals.Samples);
        foreach (var m in profile.Methods)
        {
            var key = TypeAndName(RuntimeNames.NormalizeTypeName(m.Method.Type), m.Method.Name);
            if (!_methodsByTypeAndName.TryGetValue(key, out var list)) _methodsByTypeAndName[key] = list = [];
            list.Add(new MethodEntry(m, m.InclusiveSamples / total, m.ExclusiveSamples / total));
        }
    }

    public static ProfileIndex Build(RunProfile profile, IReadOnlyList<ExperimentRecord> experiments,
        Func<RunProfile, Func<CallSite, IReadOnlyList<ExperimentRecord>>, SitePredictions>? predict = null) => new(profile, experiments, predict);

    /// <summary>Loads the newest run (its sites of at least <paramref name="minShare"/> of the samples, which is all a lens
    /// can show) and all experiments from an open store; <paramref name="predict"/> adds the model's advice.</summary>
    public static ProfileIndex? Load(ProfileStore store, double minShare = 0.001,
        Func<RunProfile, Func<CallSite, IReadOnlyList<ExperimentRecord>>, SitePredictions>? predict = null)
    {
        var latest = store.LatestRun();
        if (latest is null) return null;
        var profile = store.LoadRunForEditor(latest.Id, minShare)!;
        return new ProfileIndex(profile, store.ListExperiments(), predict, store.ListScreens());
    }

    static string TypeAndName(string type, string name) => type + "::" + name;

    static string FileName(string path)
    {
        int i = path.LastIndexOfAny(['/', '\\']);
        return i < 0 ? path : path[(i + 1)..];
    }

    /// <summary>The profiled sites of a local file: exact PDB path, else the longest whole-segment suffix match.</summary>
    public DocumentSites? SitesFor(string localPath)
    {
        if (!_byFileName.TryGetValue(FileName(localPath), out var candidates)) return null;
        DocumentSites? best = null;
        int bestSegments = 0;
        var mine = Segments(localPath);
        foreach (var c in candidates)
        {
            var theirs = Segments(c.PdbPath);
            int n = 0;
            while (n < mine.Length && n < theirs.Length && string.Equals(mine[^(n + 1)], theirs[^(n + 1)], StringComparison.Ordinal)) n++;
            if (n > bestSegments || (n == bestSegments && best is not null && n == theirs.Length)) { best = c; bestSegments = n; }
        }
        return best;
    }

    static string[] Segments(string path) => path.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Profiled methods of a type (runtime name, instantiation stripped) and name.</summary>
    public IReadOnlyList<MethodEntry> Methods(string type, string name) =>
        _methodsByTypeAndName.TryGetValue(TypeAndName(type, name), out var list) ? list : [];
}
