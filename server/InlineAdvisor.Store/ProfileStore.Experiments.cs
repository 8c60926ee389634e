// Writes and reads A/B experiment evidence: whole or not at all, immutable, found again by call-site identity.
using System.Globalization;
using System.Text.Json;
using InlineAdvisor.Core;
using System.Data.Common;

namespace InlineAdvisor.Store;

public sealed partial class ProfileStore
{
    private const string ExperimentColumns = """
        id, profile_run_id, started_utc, seconds, app_dir, command, verdict, deciding_metric, pairs, epsilon,
        runtime_config, machine, counters
        """;

    /// <summary>
    /// Stores <paramref name="experiment"/> as a new immutable experiment in one transaction and returns its id
    /// (<see cref="ExperimentRecord.Id"/> of the argument is ignored). Sites are kept as given (a snapshot,
    /// <see cref="CallSite.Id"/> included); methods are shared with runs by identity. NaN in a non-nullable number
    /// is kept (stored as NULL); NaN in an optional <see cref="ArmRun"/> measurement reads back as null (not available);
    /// −0.0 reads back as 0.0 (SQLite stores whole-valued reals as integers).
    /// </summary>
    /// <exception cref="StoreException">The store failed, or <see cref="ExperimentRecord.ProfileRunId"/> names no stored run;
    /// nothing was written.</exception>
    public long SaveExperiment(ExperimentRecord experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        return InTransaction(write: true, () =>
        {
            if (experiment.ProfileRunId is long runId && !RunExists(runId))
                throw new StoreException(Path,
                    $"'{Path}' has no run with id {runId} for the experiment's profile; save that run first or leave the profile run empty.");
            var id = InsertExperiment(experiment);
            using var ids = new MethodIds(this, experiment.Edits.Select(e => e.Method).Concat(experiment.Sites.SelectMany(s => new[] { s.Caller, s.Callee })));
            Func<MethodIdentity, long> methodId = ids.Id;
            InsertExperimentNotes(id, experiment.Notes);
            InsertEdits(id, experiment.Edits, methodId);
            var owner = new ChildRows("experiment", ("experiment_id", id));
            InsertSites(owner, experiment.Sites, methodId);
            InsertMetrics(owner, experiment.Metrics);
            if (experiment.Flip is { } flip) InsertFlip(id, flip);
            InsertArmRuns(owner, experiment.Runs);
            return id;
        });
    }

    /// <summary>Every stored experiment, whole, newest first (by start time).</summary>
    public IReadOnlyList<ExperimentRecord> ListExperiments() =>
        InTransaction(write: false, () => ReadExperiments(NewestFirst, _ => { }));

    /// <summary>The whole experiment, or null when no experiment has this id.</summary>
    public ExperimentRecord? LoadExperiment(long id) =>
        InTransaction(write: false, () => ReadExperiments("WHERE id = @id", cmd => Set(cmd, ("@id", id)))
            .SingleOrDefault());

    /// <summary>Evidence for a call site caller → callee, by the one rule (<see cref="SiteEvidence"/>): newest first.</summary>
    public IReadOnlyList<ExperimentRecord> ExperimentsFor(MethodIdentity caller, MethodIdentity callee)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(callee);
        return new SiteEvidence(ListExperiments()).For(caller, callee);
    }

    // ---- writing ----

    private bool RunExists(long runId)
    {
        using var cmd = Command("SELECT count(*) FROM runs WHERE id = @run");
        Set(cmd, ("@run", runId));
        return Convert.ToInt64(cmd.ExecuteScalar()) != 0;
    }

    private long InsertExperiment(ExperimentRecord e)
    {
        using var cmd = Command("""
            INSERT INTO experiments (profile_run_id, started_utc, seconds, app_dir, command, verdict, deciding_metric,
                                     pairs, epsilon, runtime_config, machine, counters, saved_utc)
            VALUES (@run, @started_utc, @seconds, @app_dir, @command, @verdict, @deciding_metric,
                    @pairs, @epsilon, @runtime_config, @machine, @counters, @saved_utc)
            RETURNING id
            """);
        Set(cmd,
            ("@run", e.ProfileRunId),
            ("@started_utc", FormatUtc(e.StartedUtc)),
            ("@seconds", Real(e.Seconds)),
            ("@app_dir", e.AppDir),
            ("@command", e.Command),
            ("@verdict", e.Verdict.ToString()),
            ("@deciding_metric", e.DecidingMetric),
            ("@pairs", e.Pairs),
            ("@epsilon", Real(e.Epsilon)),
            ("@runtime_config", e.RuntimeConfig),
            ("@machine", e.Machine),
            ("@counters", e.Counters),
            ("@saved_utc", FormatUtc(DateTime.UtcNow)));
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    private void InsertExperimentNotes(long id, IReadOnlyList<string> notes)
    {
        using var note = Command("INSERT INTO experiment_notes (experiment_id, ordinal, text) VALUES (@e, @ordinal, @text)");
        for (var i = 0; i < notes.Count; i++)
        {
            Set(note, ("@e", id), ("@ordinal", i), ("@text", notes[i]));
            note.ExecuteNonQuery();
        }
    }

    private void InsertEdits(long id, IReadOnlyList<FlagEdit> edits, Func<MethodIdentity, long> methodId)
    {
        using var row = Command("""
            INSERT INTO experiment_edits (experiment_id, ordinal, method_id, action, before_flags, after_flags)
            VALUES (@e, @ordinal, @method, @action, @before, @after)
            """);
        for (var i = 0; i < edits.Count; i++)
        {
            var edit = edits[i];
            Set(row, ("@e", id), ("@ordinal", i), ("@method", methodId(edit.Method)), ("@action", edit.Action.Text()),
                ("@before", (int)edit.Before), ("@after", (int)edit.After));
            row.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The owner of child rows (sites, metrics, runs): an experiment, or one candidate of a screen. Its tables are
    /// "{Prefix}_sites", "{Prefix}_metrics", "{Prefix}_runs", keyed by <see cref="Keys"/> and then an ordinal.
    /// </summary>
    private sealed record ChildRows(string Prefix, params (string Column, long Value)[] Keys)
    {
        public string Columns => string.Concat(Keys.Select(k => k.Column + ", "));
        public string Parameters => string.Concat(Keys.Select(k => "@" + k.Column + ", "));
        public string Where => string.Join(" AND ", Keys.Select(k => $"{k.Column} = @{k.Column}"));
        public (string, object?)[] Values => Keys.Select(k => ("@" + k.Column, (object?)k.Value)).ToArray();
    }

    private void InsertSites(ChildRows owner, IReadOnlyList<CallSite> sites, Func<MethodIdentity, long> methodId)
    {
        using var row = Command($"""
            INSERT INTO {owner.Prefix}_sites ({owner.Columns}ordinal, site_id, caller_id, callee_id, il_offset,
                                          source_file, source_line, source_col, call_samples, statement_samples,
                                          shares_statement, outcome, reason, tiers, fail_always, pgo_count{SiteCodeColumn})
            VALUES ({owner.Parameters}@ordinal, @site_id, @caller, @callee, @il_offset, @file, @line, @col, @call, @statement,
                    @shares, @outcome, @reason, @tiers, @fail_always, @pgo{SiteCodeParameter})
            """);
        for (var i = 0; i < sites.Count; i++)
        {
            SetSite(row, sites[i], methodId);
            Set(row, owner.Values);
            Set(row, ("@ordinal", i), ("@site_id", sites[i].Id));
            row.ExecuteNonQuery();
        }
    }

    private void InsertMetrics(ChildRows owner, IReadOnlyList<MetricEffect> metrics)
    {
        using var row = Command($"""
            INSERT INTO {owner.Prefix}_metrics ({owner.Columns}ordinal, metric, unit, lower_is_better, n,
                                            median_baseline, median_variant, effect, low, high,
                                            control_effect, control_low, control_high)
            VALUES ({owner.Parameters}@ordinal, @metric, @unit, @lower_is_better, @n, @median_baseline, @median_variant,
                    @effect, @low, @high, @control_effect, @control_low, @control_high)
            """);
        for (var i = 0; i < metrics.Count; i++)
        {
            var m = metrics[i];
            Set(row, owner.Values);
            Set(row, ("@ordinal", i), ("@metric", m.Metric), ("@unit", m.Unit),
                ("@lower_is_better", m.LowerIsBetter), ("@n", m.N),
                ("@median_baseline", Real(m.MedianBaseline)), ("@median_variant", Real(m.MedianVariant)),
                ("@effect", Real(m.Effect)), ("@low", Real(m.Low)), ("@high", Real(m.High)),
                ("@control_effect", Real(m.ControlEffect)), ("@control_low", Real(m.ControlLow)),
                ("@control_high", Real(m.ControlHigh)));
            row.ExecuteNonQuery();
        }
    }

    private void InsertFlip(long id, FlipCheck flip)
    {
        using var cmd = Command("""
            INSERT INTO experiment_flip_checks (experiment_id, sites, honoured, details) VALUES (@e, @sites, @honoured, @details)
            """);
        Set(cmd, ("@e", id), ("@sites", flip.Sites), ("@honoured", flip.Honoured),
            ("@details", JsonSerializer.Serialize(flip.Details)));
        cmd.ExecuteNonQuery();
    }

    private void InsertArmRuns(ChildRows owner, IReadOnlyList<ArmRun> runs)
    {
        using var row = Command($"""
            INSERT INTO {owner.Prefix}_runs ({owner.Columns}ordinal, arm, round, wall_seconds, cpu_seconds, peak_rss_bytes,
                                         task_clock_seconds, metric, jit_ms, tier1_code_bytes)
            VALUES ({owner.Parameters}@ordinal, @arm, @round, @wall, @cpu, @rss, @task_clock, @metric, @jit_ms, @tier1)
            """);
        for (var i = 0; i < runs.Count; i++)
        {
            var r = runs[i];
            Set(row, owner.Values);
            Set(row, ("@ordinal", i), ("@arm", r.Arm), ("@round", r.Round), ("@wall", Real(r.WallSeconds)),
                ("@cpu", Real(r.CpuSeconds)), ("@rss", r.PeakRssBytes), ("@task_clock", Real(r.TaskClockSeconds)),
                ("@metric", Real(r.Metric)), ("@jit_ms", Real(r.JitMilliseconds)), ("@tier1", r.Tier1CodeBytes));
            row.ExecuteNonQuery();
        }
    }

    /// <summary>A double as SQLite can hold it: NaN (which Microsoft.Data.Sqlite refuses to bind) becomes NULL.</summary>
    private static object? Real(double? value) => value is { } v && !double.IsNaN(v) ? v : null;

    // ---- reading ----

    private List<ExperimentRecord> ReadExperiments(string filterAndOrder, Action<DbCommand> bind)
    {
        using var cmd = Command($"SELECT {ExperimentColumns} FROM experiments {filterAndOrder}");
        bind(cmd);
        var experiments = new List<ExperimentRecord>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                experiments.Add(new ExperimentRecord
                {
                    Id = r.GetInt64(0),
                    ProfileRunId = r.IsDBNull(1) ? null : r.GetInt64(1),
                    StartedUtc = DateTime.Parse(r.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    Seconds = NaNIfNull(r, 3),
                    AppDir = r.GetString(4),
                    Command = r.GetString(5),
                    Verdict = ParseEnum<ExperimentVerdict>(r.GetString(6)),
                    DecidingMetric = r.GetString(7),
                    Pairs = r.GetInt32(8),
                    Epsilon = NaNIfNull(r, 9),
                    RuntimeConfig = r.GetString(10),
                    Machine = r.GetString(11),
                    Counters = r.GetString(12),
                });
            }
        }
        return experiments.Select(ReadExperimentRows).ToList();
    }

    /// <summary>The experiment with its child rows filled in.</summary>
    private ExperimentRecord ReadExperimentRows(ExperimentRecord e)
    {
        var identities = ReadExperimentIdentities(e.Id);
        var owner = new ChildRows("experiment", ("experiment_id", e.Id));
        return e with
        {
            Notes = ReadTexts("SELECT text FROM experiment_notes WHERE experiment_id = @e ORDER BY ordinal", e.Id),
            Sites = ReadSites(owner, identities),
            Edits = ReadEdits(e.Id, identities),
            Metrics = ReadMetrics(owner),
            Flip = ReadFlip(e.Id),
            Runs = ReadArmRuns(owner),
        };
    }

    private Dictionary<long, MethodIdentity> ReadExperimentIdentities(long id) => ReadIdentityMap("""
        SELECT id, assembly, type, name, signature FROM methods WHERE id IN (
            SELECT caller_id FROM experiment_sites WHERE experiment_id = @id
            UNION SELECT callee_id FROM experiment_sites WHERE experiment_id = @id
            UNION SELECT method_id FROM experiment_edits WHERE experiment_id = @id)
        """, id);

    private List<string> ReadTexts(string sql, long id)
    {
        using var cmd = Command(sql);
        Set(cmd, ("@e", id));
        var texts = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) texts.Add(r.GetString(0));
        return texts;
    }

    private List<CallSite> ReadSites(ChildRows owner, Dictionary<long, MethodIdentity> identities)
    {
        using var cmd = Command($"SELECT site_id, {SiteColumns} FROM {owner.Prefix}_sites WHERE {owner.Where} ORDER BY ordinal");
        Set(cmd, owner.Values);
        var sites = new List<CallSite>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
            sites.Add(SiteFrom(r, 1, identities, id: r.GetInt32(0)));
        return sites;
    }

    private List<FlagEdit> ReadEdits(long id, Dictionary<long, MethodIdentity> identities)
    {
        using var cmd = Command("""
            SELECT method_id, action, before_flags, after_flags FROM experiment_edits WHERE experiment_id = @e ORDER BY ordinal
            """);
        Set(cmd, ("@e", id));
        var edits = new List<FlagEdit>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            edits.Add(new FlagEdit(identities[r.GetInt64(0)], InlineActions.ParseEdit(r.GetString(1)),
                (MethodImplFlags)checked((ushort)r.GetInt32(2)), (MethodImplFlags)checked((ushort)r.GetInt32(3))));
        }
        return edits;
    }

    private List<MetricEffect> ReadMetrics(ChildRows owner)
    {
        using var cmd = Command($"""
            SELECT metric, unit, lower_is_better, n, median_baseline, median_variant, effect, low, high,
                   control_effect, control_low, control_high
            FROM {owner.Prefix}_metrics WHERE {owner.Where} ORDER BY ordinal
            """);
        Set(cmd, owner.Values);
        var metrics = new List<MetricEffect>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            metrics.Add(new MetricEffect(r.GetString(0), r.GetString(1), Bool(r, 2), r.GetInt32(3),
                NaNIfNull(r, 4), NaNIfNull(r, 5), NaNIfNull(r, 6), NaNIfNull(r, 7), NaNIfNull(r, 8),
                NaNIfNull(r, 9), NaNIfNull(r, 10), NaNIfNull(r, 11)));
        }
        return metrics;
    }

    private FlipCheck? ReadFlip(long id)
    {
        using var cmd = Command("SELECT sites, honoured, details FROM experiment_flip_checks WHERE experiment_id = @e");
        Set(cmd, ("@e", id));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        return new FlipCheck(r.GetInt32(0), r.GetInt32(1), JsonSerializer.Deserialize<List<string>>(r.GetString(2)) ?? []);
    }

    private List<ArmRun> ReadArmRuns(ChildRows owner)
    {
        using var cmd = Command($"""
            SELECT arm, round, wall_seconds, cpu_seconds, peak_rss_bytes, task_clock_seconds, metric, jit_ms, tier1_code_bytes
            FROM {owner.Prefix}_runs WHERE {owner.Where} ORDER BY ordinal
            """);
        Set(cmd, owner.Values);
        var runs = new List<ArmRun>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            runs.Add(new ArmRun(r.GetString(0), r.GetInt32(1), NaNIfNull(r, 2),
                NullableDouble(r, 3), r.IsDBNull(4) ? null : r.GetInt64(4), NullableDouble(r, 5),
                NullableDouble(r, 6), NullableDouble(r, 7), r.IsDBNull(8) ? null : r.GetInt64(8)));
        }
        return runs;
    }

    private static double NaNIfNull(DbDataReader r, int column) => r.IsDBNull(column) ? double.NaN : r.GetDouble(column);

    private static double? NullableDouble(DbDataReader r, int column) => r.IsDBNull(column) ? null : r.GetDouble(column);
}
