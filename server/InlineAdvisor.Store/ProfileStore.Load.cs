// Reads runs back: the run list, one whole run, and aggregates of several runs.
using System.Globalization;
using System.Text.Json;
using InlineAdvisor.Core;
using System.Data.Common;

namespace InlineAdvisor.Store;

public sealed partial class ProfileStore
{
    private const string NewestFirst = "ORDER BY started_utc DESC, id DESC";

    /// <summary>Every stored run, newest first.</summary>
    public IReadOnlyList<RunInfo> ListRuns() =>
        InTransaction(write: false, () => ReadRuns($"{NewestFirst}", _ => { }));

    /// <summary>The newest run, or null when the store is empty.</summary>
    public RunInfo? LatestRun() =>
        InTransaction(write: false, () => ReadRuns($"{NewestFirst} LIMIT 1", _ => { })).FirstOrDefault();

    /// <summary>Runs of the same program under the same runtime configuration (the run itself included), newest first.</summary>
    public IReadOnlyList<RunInfo> RunsLike(RunInfo run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return InTransaction(write: false, () => ReadRuns(
            $"WHERE program = @program AND runtime_config = @config {NewestFirst}",
            cmd =>
            {
                Set(cmd, ("@program", run.Program));
                Set(cmd, ("@config", run.RuntimeConfig));
            }));
    }

    /// <summary>The whole run, or null when no run has this id.</summary>
    public RunProfile? LoadRun(long id) => InTransaction(write: false, () => ReadProfile(id));

    /// <summary>The given runs merged by <see cref="ProfileMerge.Merge"/> (duplicate ids count once).</summary>
    public RunProfile LoadAggregate(IReadOnlyList<long> runIds)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        if (runIds.Count == 0)
            throw new ArgumentException("Nothing to aggregate: give at least one run id.", nameof(runIds));
        var profiles = InTransaction(write: false, () => runIds.Distinct().Select(id =>
            ReadProfile(id) ?? throw new StoreException(Path,
                $"'{Path}' has no run with id {id}; list the stored runs and pick one of their ids.")).ToList());
        return ProfileMerge.Merge(profiles);
    }

    private List<RunInfo> ReadRuns(string filterAndOrder, Action<DbCommand> bind)
    {
        using var cmd = Command($"""
            SELECT id, program, command_line, process_id, mode, started_utc, duration_seconds,
                   trace_path, pgo_path, runtime_config, machine
            FROM runs {filterAndOrder}
            """);
        bind(cmd);
        var runs = new List<RunInfo>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                runs.Add(new RunInfo
                {
                    Id = r.GetInt64(0),
                    Program = r.GetString(1),
                    CommandLine = r.GetString(2),
                    ProcessId = r.GetInt32(3),
                    Mode = ParseEnum<CollectMode>(r.GetString(4)),
                    StartedUtc = DateTime.Parse(r.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    DurationSeconds = r.GetDouble(6),
                    TracePath = r.GetString(7),
                    PgoPath = r.IsDBNull(8) ? null : r.GetString(8),
                    RuntimeConfig = r.GetString(9),
                    Machine = r.GetString(10),
                });
            }
        }
        return runs.Select(run => run with { Notes = ReadNotes(run.Id) }).ToList();
    }

    private List<string> ReadNotes(long runId)
    {
        using var cmd = Command("SELECT text FROM run_notes WHERE run_id = @run ORDER BY ordinal");
        Set(cmd, ("@run", runId));
        var notes = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) notes.Add(r.GetString(0));
        return notes;
    }

    private RunProfile? ReadProfile(long runId)
    {
        var run = ReadRuns("WHERE id = @id", cmd => Set(cmd, ("@id", runId))).SingleOrDefault();
        if (run is null) return null;
        var identities = ReadIdentities(runId);
        return new RunProfile(run, ReadMethods(runId, identities), ReadSites(runId, identities), ReadTotals(runId))
            { BudgetCompiles = ReadBudgetCompiles(runId) };
    }

    /// <summary>The run's budget-limited compiles, each decision in the JIT's order (see <see cref="BudgetCompile"/>).</summary>
    private List<BudgetCompile> ReadBudgetCompiles(long runId)
    {
        if (_schemaVersion < Schema.BudgetAccounting) return [];
        var identities = ReadIdentityMap("""
            SELECT id, assembly, type, name, signature FROM methods WHERE id IN (
                SELECT compiled_id FROM run_budget_inlines WHERE run_id = @id
                UNION SELECT inliner_id FROM run_budget_inlines WHERE run_id = @id
                UNION SELECT inlinee_id FROM run_budget_inlines WHERE run_id = @id)
            """, runId);
        using var cmd = Command("""
            SELECT compile_ordinal, compiled_id, tier, inliner_id, inlinee_id, succeeded, reason FROM run_budget_inlines
            WHERE run_id = @run ORDER BY compile_ordinal, ordinal
            """);
        Set(cmd, ("@run", runId));
        var compiles = new List<BudgetCompile>();
        var inlines = new List<CompileInline>();
        long current = -1;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            if (r.GetInt64(0) != current)
            {
                current = r.GetInt64(0);
                inlines = [];
                compiles.Add(new BudgetCompile(identities[r.GetInt64(1)], r.GetString(2), inlines));
            }
            inlines.Add(new CompileInline(identities[r.GetInt64(3)], identities[r.GetInt64(4)], Bool(r, 5), r.GetString(6)));
        }
        return compiles;
    }

    /// <summary>Every method a run mentions (or those the filters keep), by store id (one shared instance per identity).</summary>
    /// <param name="methodFilter">An SQL condition on run_methods' columns (parameter @run is the run id), or null for all.</param>
    /// <param name="siteFilter">An SQL condition on run_sites' columns, or null for all.</param>
    private Dictionary<long, MethodIdentity> ReadIdentities(long runId, string? methodFilter = null, string? siteFilter = null) => ReadIdentityMap($"""
        SELECT id, assembly, type, name, signature FROM methods WHERE id IN (
            SELECT method_id FROM run_methods WHERE run_id = @run{And(methodFilter)}
            UNION SELECT caller_id FROM run_sites WHERE run_id = @run{And(siteFilter)}
            UNION SELECT callee_id FROM run_sites WHERE run_id = @run{And(siteFilter)})
        """.Replace("@run", "@id"), runId);

    private static string And(string? condition) => condition is null ? "" : $" AND {condition}";

    /// <summary>Method identities by store id, from a query selecting (id, assembly, type, name, signature) with parameter @id.</summary>
    private Dictionary<long, MethodIdentity> ReadIdentityMap(string sql, long id)
    {
        using var cmd = Command(sql);
        Set(cmd, ("@id", id));
        var map = new Dictionary<long, MethodIdentity>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
            map[r.GetInt64(0)] = new MethodIdentity(r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4));
        return map;
    }

    /// <param name="methodFilter">An SQL condition on run_methods' columns (parameter @run is the run id), or null for all.</param>
    private List<MethodProfile> ReadMethods(long runId, Dictionary<long, MethodIdentity> identities, string? methodFilter = null)
    {
        var compiles = new Dictionary<long, List<CodeVersion>>();
        var only = methodFilter is null ? "" : $"AND method_ordinal IN (SELECT ordinal FROM run_methods WHERE run_id = @run AND {methodFilter})";
        using (var cmd = Command($"""
            SELECT method_ordinal, tier, native_size, jit_ms FROM run_code_versions
            WHERE run_id = @run {only} ORDER BY method_ordinal, ordinal
            """))
        {
            Set(cmd, ("@run", runId));
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var ordinal = r.GetInt64(0);
                if (!compiles.TryGetValue(ordinal, out var list)) compiles[ordinal] = list = [];
                list.Add(new CodeVersion(r.GetString(1), r.GetInt32(2), r.GetDouble(3)));
            }
        }

        using var rows = Command($"""
            SELECT ordinal, method_id, token, il_size, impl_flags, exclusive_samples, inclusive_samples
            FROM run_methods WHERE run_id = @run {(methodFilter is null ? "" : "AND " + methodFilter)} ORDER BY ordinal
            """);
        Set(rows, ("@run", runId));
        var methods = new List<MethodProfile>();
        using var m = rows.ExecuteReader();
        while (m.Read())
        {
            methods.Add(new MethodProfile
            {
                Method = identities[m.GetInt64(1)],
                Token = m.GetInt32(2),
                IlSize = m.GetInt32(3),
                ImplFlags = (MethodImplFlags)m.GetInt32(4),
                ExclusiveSamples = m.GetInt64(5),
                InclusiveSamples = m.GetInt64(6),
                Compiles = compiles.TryGetValue(m.GetInt64(0), out var list) ? list : [],
            });
        }
        return methods;
    }

    /// <param name="siteFilter">An SQL condition on run_sites' columns, or null for all. Site ids stay those of the whole
    /// run (ordinal + 1, as `advisor report` numbers them), filtered or not.</param>
    private List<CallSite> ReadSites(long runId, Dictionary<long, MethodIdentity> identities, string? siteFilter = null)
    {
        using var cmd = Command($"SELECT ordinal, {SiteColumns} FROM run_sites WHERE run_id = @run{And(siteFilter)} ORDER BY ordinal");
        Set(cmd, ("@run", runId));
        var sites = new List<CallSite>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
            sites.Add(SiteFrom(r, 1, identities, id: r.GetInt32(0) + 1));
        return sites;
    }

    /// <summary>The columns every stored call site has, in the order <see cref="SiteFrom"/> reads them.</summary>
    private string SiteColumns => """
        caller_id, callee_id, il_offset, source_file, source_line, source_col,
        call_samples, statement_samples, shares_statement, outcome, reason, tiers, fail_always, pgo_count
        """ + (_schemaVersion >= Schema.SiteCodeBytes ? ", inlined_code_bytes" : "");

    /// <summary>A call site from <see cref="SiteColumns"/> starting at column <paramref name="first"/>.</summary>
    private CallSite SiteFrom(DbDataReader r, int first, Dictionary<long, MethodIdentity> identities, int id)
    {
        var c = first;
        return new CallSite
        {
            Id = id,
            Caller = identities[r.GetInt64(c)],
            Callee = identities[r.GetInt64(c + 1)],
            IlOffset = r.GetInt32(c + 2),
            Source = r.IsDBNull(c + 3) ? null : new SourceLocation(r.GetString(c + 3), r.GetInt32(c + 4), r.GetInt32(c + 5)),
            CallSamples = r.GetInt64(c + 6),
            StatementSamples = r.GetInt64(c + 7),
            SharesStatement = Bool(r, c + 8),
            Decision = new InlineDecision(
                ParseEnum<InlineOutcome>(r.GetString(c + 9)),
                r.GetString(c + 10),
                JsonSerializer.Deserialize<List<string>>(r.GetString(c + 11)) ?? [],
                Bool(r, c + 12)),
            PgoCount = r.IsDBNull(c + 13) ? null : r.GetInt64(c + 13),
            InlinedCodeBytes = _schemaVersion < Schema.SiteCodeBytes || r.IsDBNull(c + 14) ? null : r.GetInt64(c + 14),
        };
    }

    private RunTotals ReadTotals(long runId)
    {
        using var cmd = Command("""
            SELECT samples, external_samples, events, jit_ms, tier1_code_bytes, methods_jitted
            FROM run_totals WHERE run_id = @run
            """);
        Set(cmd, ("@run", runId));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) throw NotAStore();   // SaveRun always writes totals
        return new RunTotals(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetDouble(3), r.GetInt64(4), r.GetInt32(5));
    }

    private T ParseEnum<T>(string text) where T : struct, Enum =>
        Enum.TryParse<T>(text, out var value) ? value : throw NotAStore();

    /// <summary>A cheap fingerprint of the store's content: changes when a run or an experiment is added (runs and
    /// experiments are immutable, so their newest ids and counts say everything a watcher needs).</summary>
    public (long? LatestRunId, long Runs, long? LatestExperimentId, long Experiments) ChangeStamp() => InTransaction<(long?, long, long?, long)>(write: false, () =>
    {
        using var cmd = Command("SELECT (SELECT max(id) FROM runs), (SELECT count(*) FROM runs), (SELECT max(id) FROM experiments), (SELECT count(*) FROM experiments)");
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.IsDBNull(0) ? null : r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.GetInt64(3));
    });

    /// <summary>
    /// A run as an editor shows it: the totals, the call sites with a source line and at least <paramref name="minShare"/>
    /// of the run's samples, and the methods with that share or at either end of such a site (site ids as <see cref="LoadRun"/> numbers them). A million-edge
    /// run loads in a fraction of the full read, because cold sites are never shown as lenses anyway. Null: no such run.
    /// </summary>
    public RunProfile? LoadRunForEditor(long id, double minShare) => InTransaction(write: false, () =>
    {
        var run = ReadRuns("WHERE id = @id", cmd => Set(cmd, ("@id", id))).SingleOrDefault();
        if (run is null) return null;
        var totals = ReadTotals(id);
        long min = Math.Max(0, (long)Math.Ceiling(totals.Samples * minShare));
        var siteFilter = $"total_samples >= {min} AND source_file IS NOT NULL";
        // Methods too: those an editor can show (at least the floor of samples) and the two ends of every loaded site;
        // a large program's thousands of cold methods are not read.
        var loaded = $"SELECT caller_id FROM run_sites WHERE run_id = @run AND {siteFilter} UNION SELECT callee_id FROM run_sites WHERE run_id = @run AND {siteFilter}";
        // The methods of budget-limited compiles too: their flags say which inlinees were forced.
        var budget = _schemaVersion < Schema.BudgetAccounting ? "" : " OR method_id IN (SELECT compiled_id FROM run_budget_inlines WHERE run_id = @run UNION SELECT inlinee_id FROM run_budget_inlines WHERE run_id = @run)";
        var methodFilter = $"(inclusive_samples >= {min} OR method_id IN ({loaded}){budget})";
        var identities = ReadIdentities(id, methodFilter, siteFilter);
        return new RunProfile(run, ReadMethods(id, identities, methodFilter), ReadSites(id, identities, siteFilter), totals)
            { BudgetCompiles = ReadBudgetCompiles(id) };
    });
}
