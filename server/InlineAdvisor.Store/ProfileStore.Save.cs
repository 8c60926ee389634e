// Writes one run profile, whole or not at all, interning methods by their stable identity.
using System.Globalization;
using System.Text.Json;
using InlineAdvisor.Core;
using System.Data.Common;

namespace InlineAdvisor.Store;

public sealed partial class ProfileStore
{
    /// <summary>Stores <paramref name="profile"/> as a new immutable run in one transaction and returns its id
    /// (<see cref="RunInfo.Id"/> of the argument is ignored).</summary>
    public long SaveRun(RunProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return InTransaction(write: true, () =>
        {
            var runId = InsertRun(profile.Run);
            InsertTotals(runId, profile.Totals);
            using var ids = new MethodIds(this, profile.Methods.Select(m => m.Method)
                .Concat(profile.Sites.SelectMany(s => new[] { s.Caller, s.Callee }))
                .Concat(_schemaVersion >= Schema.BudgetAccounting ? profile.BudgetCompiles.SelectMany(c => c.Inlines.SelectMany(i => new[] { c.Compiled, i.Inliner, i.Inlinee })) : []));
            Func<MethodIdentity, long> methodId = ids.Id;
            InsertMethods(runId, profile.Methods, methodId);
            InsertSites(runId, profile.Sites, methodId);
            if (_schemaVersion >= Schema.BudgetAccounting) InsertBudgetCompiles(runId, profile.BudgetCompiles, methodId);
            return runId;
        });
    }

    private long InsertRun(RunInfo run)
    {
        using var cmd = Command("""
            INSERT INTO runs (program, command_line, process_id, mode, started_utc, duration_seconds,
                              trace_path, pgo_path, runtime_config, machine, saved_utc)
            VALUES (@program, @command_line, @process_id, @mode, @started_utc, @duration_seconds,
                    @trace_path, @pgo_path, @runtime_config, @machine, @saved_utc)
            RETURNING id
            """);
        Set(cmd,
            ("@program", run.Program),
            ("@command_line", run.CommandLine),
            ("@process_id", run.ProcessId),
            ("@mode", run.Mode.ToString()),
            ("@started_utc", FormatUtc(run.StartedUtc)),
            ("@duration_seconds", run.DurationSeconds),
            ("@trace_path", run.TracePath),
            ("@pgo_path", run.PgoPath),
            ("@runtime_config", run.RuntimeConfig),
            ("@machine", run.Machine),
            ("@saved_utc", FormatUtc(DateTime.UtcNow)));
        var runId = Convert.ToInt64(cmd.ExecuteScalar());

        using var note = Command("INSERT INTO run_notes (run_id, ordinal, text) VALUES (@run, @ordinal, @text)");
        for (var i = 0; i < run.Notes.Count; i++)
        {
            Set(note, ("@run", runId), ("@ordinal", i), ("@text", run.Notes[i]));
            note.ExecuteNonQuery();
        }
        return runId;
    }

    private void InsertTotals(long runId, RunTotals t)
    {
        using var cmd = Command("""
            INSERT INTO run_totals (run_id, samples, external_samples, events, jit_ms, tier1_code_bytes, methods_jitted)
            VALUES (@run, @samples, @external, @events, @jit_ms, @tier1, @jitted)
            """);
        Set(cmd,
            ("@run", runId),
            ("@samples", t.Samples),
            ("@external", t.ExternalSamples),
            ("@events", t.Events),
            ("@jit_ms", t.JitMilliseconds),
            ("@tier1", t.Tier1CodeBytes),
            ("@jitted", t.MethodsJitted));
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Method identity → store id, adding the identity on first sight and asking once per identity. Two statements, so
    /// both backends run them alike: the insert skips an identity already stored (or, in PostgreSQL, one another writer is
    /// adding: it waits for that writer's commit), then the select reads the id. No conflict target: the identity's unique
    /// index differs per backend (PostgreSQL's is on md5(signature), see PostgresBackend.Translate).
    /// Every identity a record mentions is interned first, in one fixed order: two PostgreSQL writers adding the same new
    /// methods then wait for each other in the same order and never deadlock.
    /// </summary>
    private sealed class MethodIds : IDisposable
    {
        private readonly DbCommand _insert, _select;
        private readonly Dictionary<MethodIdentity, long> _ids = [];

        public MethodIds(ProfileStore store, IEnumerable<MethodIdentity> mentioned)
        {
            _insert = store.Command("""
                INSERT INTO methods (assembly, type, name, signature) VALUES (@assembly, @type, @name, @signature)
                    ON CONFLICT DO NOTHING
                """);
            _select = store.Command("SELECT id FROM methods WHERE assembly = @assembly AND type = @type AND name = @name AND signature = @signature");
            foreach (var m in mentioned.Distinct().Order(Ordinal.Instance)) Id(m);
        }

        private sealed class Ordinal : IComparer<MethodIdentity>
        {
            public static readonly Ordinal Instance = new();
            public int Compare(MethodIdentity? x, MethodIdentity? y) =>
                x is null || y is null ? (x is null).CompareTo(y is null) :
                string.CompareOrdinal(x.Assembly, y.Assembly) is not 0 and var a ? a :
                string.CompareOrdinal(x.Type, y.Type) is not 0 and var t ? t :
                string.CompareOrdinal(x.Name, y.Name) is not 0 and var n ? n :
                string.CompareOrdinal(x.Signature, y.Signature);
        }

        public long Id(MethodIdentity m)
        {
            if (_ids.TryGetValue(m, out var id)) return id;
            foreach (var cmd in new[] { _insert, _select })
                Set(cmd, ("@assembly", m.Assembly), ("@type", m.Type), ("@name", m.Name), ("@signature", m.Signature));
            _insert.ExecuteNonQuery();
            return _ids[m] = Convert.ToInt64(_select.ExecuteScalar());
        }

        public void Dispose()
        {
            _insert.Dispose();
            _select.Dispose();
        }
    }

    private void InsertMethods(long runId, IReadOnlyList<MethodProfile> methods, Func<MethodIdentity, long> methodId)
    {
        using var row = Command("""
            INSERT INTO run_methods (run_id, ordinal, method_id, token, il_size, impl_flags, exclusive_samples, inclusive_samples)
            VALUES (@run, @ordinal, @method, @token, @il_size, @flags, @exclusive, @inclusive)
            """);
        using var compile = Command("""
            INSERT INTO run_code_versions (run_id, method_ordinal, ordinal, tier, native_size, jit_ms)
            VALUES (@run, @method_ordinal, @ordinal, @tier, @native_size, @jit_ms)
            """);
        Set(row, ("@run", runId));
        Set(compile, ("@run", runId));
        for (var i = 0; i < methods.Count; i++)
        {
            var m = methods[i];
            Set(row, ("@ordinal", i), ("@method", methodId(m.Method)), ("@token", m.Token), ("@il_size", m.IlSize),
                ("@flags", (int)m.ImplFlags), ("@exclusive", m.ExclusiveSamples), ("@inclusive", m.InclusiveSamples));
            row.ExecuteNonQuery();
            for (var j = 0; j < m.Compiles.Count; j++)
            {
                var c = m.Compiles[j];
                Set(compile, ("@method_ordinal", i), ("@ordinal", j), ("@tier", c.Tier),
                    ("@native_size", c.NativeSize), ("@jit_ms", c.JitMilliseconds));
                compile.ExecuteNonQuery();
            }
        }
    }

    private void InsertSites(long runId, IReadOnlyList<CallSite> sites, Func<MethodIdentity, long> methodId)
    {
        using var row = Command($"""
            INSERT INTO run_sites (run_id, ordinal, caller_id, callee_id, il_offset, source_file, source_line, source_col,
                                   call_samples, statement_samples, total_samples, shares_statement,
                                   outcome, reason, tiers, fail_always, pgo_count{SiteCodeColumn})
            VALUES (@run, @ordinal, @caller, @callee, @il_offset, @file, @line, @col,
                    @call, @statement, @total, @shares, @outcome, @reason, @tiers, @fail_always, @pgo{SiteCodeParameter})
            """);
        Set(row, ("@run", runId));
        for (var i = 0; i < sites.Count; i++)
        {
            SetSite(row, sites[i], methodId);
            Set(row, ("@ordinal", i), ("@total", sites[i].TotalSamples));
            row.ExecuteNonQuery();
        }
    }

    private void InsertBudgetCompiles(long runId, IReadOnlyList<BudgetCompile> compiles, Func<MethodIdentity, long> methodId)
    {
        using var row = Command("""
            INSERT INTO run_budget_inlines (run_id, compile_ordinal, ordinal, compiled_id, tier, inliner_id, inlinee_id, succeeded, reason)
            VALUES (@run, @compile, @ordinal, @compiled, @tier, @inliner, @inlinee, @succeeded, @reason)
            """);
        Set(row, ("@run", runId));
        for (var c = 0; c < compiles.Count; c++)
            for (var i = 0; i < compiles[c].Inlines.Count; i++)
            {
                var e = compiles[c].Inlines[i];
                Set(row, ("@compile", c), ("@ordinal", i), ("@compiled", methodId(compiles[c].Compiled)), ("@tier", compiles[c].Tier),
                    ("@inliner", methodId(e.Inliner)), ("@inlinee", methodId(e.Inlinee)), ("@succeeded", e.Succeeded), ("@reason", e.Reason));
                row.ExecuteNonQuery();
            }
    }

    /// <summary>Sets the parameters every stored call site has (run_sites and experiment_sites alike);
    /// <see cref="SiteFrom"/> reads them back.</summary>
    /// <summary>The site tables' inlined_code_bytes column and its parameter, when the store's schema has it.</summary>
    private string SiteCodeColumn => _schemaVersion >= Schema.SiteCodeBytes ? ", inlined_code_bytes" : "";
    private string SiteCodeParameter => _schemaVersion >= Schema.SiteCodeBytes ? ", @inlined_bytes" : "";

    private void SetSite(DbCommand row, CallSite s, Func<MethodIdentity, long> methodId)
    {
        Set(row, ("@caller", methodId(s.Caller)), ("@callee", methodId(s.Callee)),
            ("@il_offset", s.IlOffset), ("@file", s.Source?.File), ("@line", s.Source?.Line), ("@col", s.Source?.Column),
            ("@call", s.CallSamples), ("@statement", s.StatementSamples),
            ("@shares", s.SharesStatement), ("@outcome", s.Decision.Outcome.ToString()), ("@reason", s.Decision.Reason),
            ("@tiers", JsonSerializer.Serialize(s.Decision.Tiers)), ("@fail_always", s.Decision.FailAlways),
            ("@pgo", s.PgoCount));
        if (_schemaVersion >= Schema.SiteCodeBytes) Set(row, ("@inlined_bytes", s.InlinedCodeBytes));
    }

    /// <summary>Sets (adding on first use) the command's parameters; null becomes SQL NULL, and a bool 1 or 0, because
    /// the schema keeps flags in integer columns (SQLite has no boolean; PostgreSQL would refuse a boolean there).</summary>
    private static void Set(DbCommand cmd, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            object stored = value switch { null => DBNull.Value, bool b => b ? 1L : 0L, _ => value };
            if (cmd.Parameters.Contains(name))
            {
                cmd.Parameters[name].Value = stored;
                continue;
            }
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = stored;
            cmd.Parameters.Add(p);
        }
    }

    /// <summary>A flag read back from its integer column (see <see cref="Set"/>).</summary>
    private static bool Bool(DbDataReader r, int column) => r.GetInt64(column) != 0;

    /// <summary>UTC in the round-trip format, so text order is time order.</summary>
    private static string FormatUtc(DateTime value) =>
        (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc))
            .ToString("O", CultureInfo.InvariantCulture);
}
