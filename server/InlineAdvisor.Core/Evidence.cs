// Measured evidence: what an A/B experiment did and found, as the store keeps it and reports show it.
namespace InlineAdvisor.Core;

public enum ExperimentVerdict
{
    /// <summary>The interval excludes zero and clears the A/A control.</summary>
    Effect,
    /// <summary>The interval lies within ±ε: no effect larger than ε.</summary>
    NoEffect,
    /// <summary>The budget ran out first ("not resolved at n=…").</summary>
    NotResolved,
}

/// <summary>One metric's comparison: variant vs baseline and the unmodified copy vs baseline (the control).</summary>
public sealed record MetricEffect(
    string Metric,
    string Unit,
    bool LowerIsBetter,
    int N,
    double MedianBaseline,
    double MedianVariant,
    double Effect,          // relative change variant/baseline − 1 (geometric mean over pairs)
    double Low,             // 95% interval of Effect (sequentially adjusted for the deciding metric)
    double High,
    double ControlEffect,   // the same for the unmodified copy: what "no change" looks like here
    double ControlLow,
    double ControlHigh);

/// <summary>A MethodImpl flag edit made in the variant copy.</summary>
public sealed record FlagEdit(MethodIdentity Method, InlineAction Action, MethodImplFlags Before, MethodImplFlags After);

/// <summary>Whether the JIT did what the variant asked, read from its inlining events in one traced run.</summary>
public sealed record FlipCheck(int Sites, int Honoured, IReadOnlyList<string> Details)
{
    public bool Verified => Sites > 0 && Honoured == Sites;
}

/// <summary>One measured run of one arm.</summary>
public sealed record ArmRun(string Arm, int Round, double WallSeconds, double? CpuSeconds, long? PeakRssBytes, double? TaskClockSeconds,
    double? Metric, double? JitMilliseconds, long? Tier1CodeBytes);

public sealed record ExperimentRecord
{
    public long Id { get; init; }                        // assigned by the store
    public long? ProfileRunId { get; init; }             // the profile the sites came from
    public DateTime StartedUtc { get; init; }
    public double Seconds { get; init; }
    public required string AppDir { get; init; }
    public required string Command { get; init; }
    public IReadOnlyList<CallSite> Sites { get; init; } = [];   // the sites the edits were chosen for
    public IReadOnlyList<FlagEdit> Edits { get; init; } = [];
    public required ExperimentVerdict Verdict { get; init; }
    public required string DecidingMetric { get; init; }
    public int Pairs { get; init; }
    public double Epsilon { get; init; }
    public IReadOnlyList<MetricEffect> Metrics { get; init; } = [];
    public FlipCheck? Flip { get; init; }
    public string RuntimeConfig { get; init; } = "";
    public string Machine { get; init; } = "";
    /// <summary>Which counters were measured, or why hardware counters were not.</summary>
    public string Counters { get; init; } = "";
    public IReadOnlyList<string> Notes { get; init; } = [];
    public IReadOnlyList<ArmRun> Runs { get; init; } = [];
}

/// <summary>The names of the metrics an experiment records (the runner writes them, every reader looks them up).</summary>
public static class Metrics
{
    public const string Wall = "wall time", Cpu = "CPU time (user+sys)", TaskClock = "task-clock", PeakRss = "peak RSS",
        JitTime = "JIT time", Tier1Code = "Tier1 code";

    /// <summary>One run's value of a named metric (a workload's own `metric /…/` is the run's Metric); null when not measured.
    /// The one mapping from names to run fields: the runner measures through it and the HTML report plots through it.</summary>
    public static double? RunValue(ArmRun run, string metric) => metric switch
    {
        Wall => run.WallSeconds,
        Cpu => run.CpuSeconds,
        TaskClock => run.TaskClockSeconds,
        PeakRss => run.PeakRssBytes,
        JitTime => run.JitMilliseconds,
        Tier1Code => run.Tier1CodeBytes,
        _ => run.Metric,
    };
}

/// <summary>
/// What an experiment's numbers mean for advice: the one reading shared by `export`, `advise` and the editor, so they
/// never recommend differently from the same evidence.
/// </summary>
public static class MeasuredOutcome
{
    /// <summary>The deciding metric, when it has a finite interval (fewer than two pairs or an unmeasured metric has none).</summary>
    public static MetricEffect? Deciding(ExperimentRecord e) =>
        e.Metrics.FirstOrDefault(m => m.Metric == e.DecidingMetric) is { } d && double.IsFinite(d.Effect) && double.IsFinite(d.Low) && double.IsFinite(d.High)
            ? d : null;

    /// <summary>The change improved the deciding metric: an effect clear of the A/A control, its interval on the good side.</summary>
    public static bool Improves(ExperimentRecord e) =>
        e.Verdict == ExperimentVerdict.Effect && Deciding(e) is { } d && (d.LowerIsBetter ? d.High < 0 : d.Low > 0);

    /// <summary>The deciding metric did not measurably get worse and the Tier1 code shrank (its interval below zero; the
    /// metric is then present, so callers may read it):
    /// what makes removing an attribute worth it.</summary>
    public static bool CostsNothingAndShrinksCode(ExperimentRecord e) =>
        Deciding(e) is { } d && !(d.LowerIsBetter ? d.Low > 0 : d.High < 0)
        && e.Metrics.FirstOrDefault(m => m.Metric == Metrics.Tier1Code) is { High: < 0 };
}

/// <summary>
/// The one rule for which experiments speak for a call site: every experiment whose sites include its caller → callee
/// (any IL offset, matched by method identity, so evidence spans builds and runs), newest first (started, then id).
/// The report, advise and the editor all read evidence through it.
/// </summary>
public sealed class SiteEvidence
{
    public static readonly SiteEvidence None = new([]);

    readonly Dictionary<(MethodIdentity Caller, MethodIdentity Callee), IReadOnlyList<ExperimentRecord>> _byEdge;

    public SiteEvidence(IEnumerable<ExperimentRecord> experiments)
    {
        _byEdge = experiments.SelectMany(e => e.Sites.Select(s => (Key: (s.Caller, s.Callee), e)))
            .GroupBy(x => x.Key)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ExperimentRecord>)NewestFirst(g.Select(x => x.e).Distinct()).ToList());
    }

    public static IOrderedEnumerable<ExperimentRecord> NewestFirst(IEnumerable<ExperimentRecord> experiments) =>
        experiments.OrderByDescending(e => e.StartedUtc).ThenByDescending(e => e.Id);

    /// <summary>Every experiment at the site's caller → callee, newest first.</summary>
    public IReadOnlyList<ExperimentRecord> For(CallSite site) => For(site.Caller, site.Callee);

    public IReadOnlyList<ExperimentRecord> For(MethodIdentity caller, MethodIdentity callee) =>
        _byEdge.TryGetValue((caller, callee), out var list) ? list : [];

    /// <summary>The newest experiment at the site, the one a one-line view shows.</summary>
    public ExperimentRecord? Newest(CallSite site) => For(site) is [var first, ..] ? first : null;
}

/// <summary>One flag change of a screen: its main effect per metric, estimated from every run of the design.</summary>
/// <param name="Metrics">Effect/Low/High: the change on vs off; Control*: the design's control column (no change assigned),
/// the same for every candidate; N: mirror pairs; medians over the runs with the change applied and without.</param>
/// <param name="Futile">Not resolved because an effect of ±ε can no longer be shown within the budget (futility stop).</param>
/// <param name="DecidedAtPairs">The look (in mirror pairs) that gave the verdict; the deciding metric's interval is that look's.</param>
/// <param name="Flip">Did the JIT do what was asked, over every design row that applies this change.</param>
public sealed record ScreenCandidate(FlagEdit Edit, IReadOnlyList<CallSite> Sites, ExperimentVerdict Verdict, bool Futile, int DecidedAtPairs,
    IReadOnlyList<MetricEffect> Metrics, FlipCheck? Flip);

/// <summary>An alias chain of two-change interactions found by a screen (descriptive, Bonferroni 95% over the chains).</summary>
/// <param name="Pairs">Candidate ordinals (a, b): the design cannot tell these pairs apart.</param>
/// <param name="Effect">Non-additivity on the deciding metric: the pair together vs the sum of their separate effects.</param>
public sealed record ScreenInteraction(IReadOnlyList<CandidatePair> Pairs, double Effect, double Low, double High, bool Detected);

/// <summary>Two candidates of a screen, by ordinal.</summary>
public sealed record CandidatePair(int A, int B);

/// <summary>
/// A screening experiment: K flag changes measured together in a two-level design (see Statistics.ScreeningDesign).
/// Screens rank; they never become advice on their own: a winner is confirmed by an ordinary experiment.
/// </summary>
public sealed record ScreenRecord
{
    public long Id { get; init; }                        // assigned by the store
    public long? ProfileRunId { get; init; }
    public DateTime StartedUtc { get; init; }
    public double Seconds { get; init; }
    public required string AppDir { get; init; }
    public required string Command { get; init; }
    public required string DecidingMetric { get; init; }
    public double Epsilon { get; init; }
    /// <summary>m, the Hadamard order: a replicate is 2m runs, one per design row.</summary>
    public int Order { get; init; }
    public int Replicates { get; init; }
    public IReadOnlyList<ScreenCandidate> Candidates { get; init; } = [];
    /// <summary>The design matrix: per row, the ordinals of the candidates applied in that row's copy.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Design { get; init; } = [];
    public IReadOnlyList<ScreenInteraction> Interactions { get; init; } = [];
    public string RuntimeConfig { get; init; } = "";
    public string Machine { get; init; } = "";
    public string Counters { get; init; } = "";
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>Every measured run: Arm is the design row ("row 3"), Round the replicate (negative: warm-up).</summary>
    public IReadOnlyList<ArmRun> Runs { get; init; } = [];

    public static string RowArm(int row) => $"row {row}";
}
