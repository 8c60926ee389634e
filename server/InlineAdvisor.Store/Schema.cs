// The store's tables and the ordered migrations that create and upgrade them.
using System.Data.Common;

namespace InlineAdvisor.Store;

/// <summary>
/// Migration N takes a store from version N-1 to N in one transaction; to change the schema, append a migration (never
/// edit a shipped one). Each is written once, in SQLite's dialect, and translated by the backend
/// (<see cref="StoreBackend.Translate(string)"/>); the backend also keeps the version and the marker (SQLite: PRAGMA
/// user_version and application_id; PostgreSQL: a one-row table).
/// </summary>
internal static class Schema
{
    /// <summary>"INLA": marks a SQLite file or a PostgreSQL database as an InlineAdvisor store.</summary>
    public const int ApplicationId = 0x494E4C41;

    private static readonly string[] Migrations =
    [
        // 1: everything. Runs and their rows are immutable: updates are refused by triggers.
        """
        CREATE TABLE runs (
            id               INTEGER PRIMARY KEY,
            program          TEXT    NOT NULL,
            command_line     TEXT    NOT NULL,
            process_id       INTEGER NOT NULL,
            mode             TEXT    NOT NULL,   -- CollectMode name
            started_utc      TEXT    NOT NULL,   -- ISO 8601 round-trip format, UTC
            duration_seconds REAL    NOT NULL,
            trace_path       TEXT    NOT NULL,
            pgo_path         TEXT,
            runtime_config   TEXT    NOT NULL,
            machine          TEXT    NOT NULL,
            saved_utc        TEXT    NOT NULL
        );
        CREATE INDEX runs_by_start ON runs (started_utc, id);
        CREATE INDEX runs_by_program ON runs (program, runtime_config);

        CREATE TABLE run_notes (
            run_id  INTEGER NOT NULL REFERENCES runs (id),
            ordinal INTEGER NOT NULL,
            text    TEXT    NOT NULL,
            PRIMARY KEY (run_id, ordinal)
        );

        CREATE TABLE run_totals (
            run_id           INTEGER PRIMARY KEY REFERENCES runs (id),
            samples          INTEGER NOT NULL,
            external_samples INTEGER NOT NULL,
            events           INTEGER NOT NULL,
            jit_ms           REAL    NOT NULL,
            tier1_code_bytes INTEGER NOT NULL,
            methods_jitted   INTEGER NOT NULL
        );

        -- Methods by stable identity, shared by all runs; tokens are per-run data.
        CREATE TABLE methods (
            id        INTEGER PRIMARY KEY,
            assembly  TEXT NOT NULL,
            type      TEXT NOT NULL,
            name      TEXT NOT NULL,
            signature TEXT NOT NULL,
            UNIQUE (assembly, type, name, signature)
        );

        CREATE TABLE run_methods (
            run_id            INTEGER NOT NULL REFERENCES runs (id),
            ordinal           INTEGER NOT NULL,
            method_id         INTEGER NOT NULL REFERENCES methods (id),
            token             INTEGER NOT NULL,
            il_size           INTEGER NOT NULL,   -- -1: not known
            impl_flags        INTEGER NOT NULL,
            exclusive_samples INTEGER NOT NULL,
            inclusive_samples INTEGER NOT NULL,
            PRIMARY KEY (run_id, ordinal)
        );
        CREATE INDEX run_methods_by_method ON run_methods (method_id, run_id);

        CREATE TABLE run_code_versions (
            run_id         INTEGER NOT NULL,
            method_ordinal INTEGER NOT NULL,
            ordinal        INTEGER NOT NULL,
            tier           TEXT    NOT NULL,
            native_size    INTEGER NOT NULL,
            jit_ms         REAL    NOT NULL,
            PRIMARY KEY (run_id, method_ordinal, ordinal),
            FOREIGN KEY (run_id, method_ordinal) REFERENCES run_methods (run_id, ordinal)
        );

        CREATE TABLE run_sites (
            run_id           INTEGER NOT NULL REFERENCES runs (id),
            ordinal          INTEGER NOT NULL,
            caller_id        INTEGER NOT NULL REFERENCES methods (id),
            callee_id        INTEGER NOT NULL REFERENCES methods (id),
            il_offset        INTEGER NOT NULL,   -- -1: not known
            source_file      TEXT,               -- NULL: no source location (line and col NULL too)
            source_line      INTEGER,
            source_col       INTEGER,
            call_samples     INTEGER NOT NULL,
            statement_samples INTEGER NOT NULL,
            total_samples    INTEGER NOT NULL,   -- call + statement, for ranking
            shares_statement INTEGER NOT NULL,
            outcome          TEXT    NOT NULL,   -- InlineOutcome name
            reason           TEXT    NOT NULL,
            tiers            TEXT    NOT NULL,   -- JSON array of strings
            fail_always      INTEGER NOT NULL,
            pgo_count        INTEGER,            -- NULL: no PGO data (distinct from 0)
            PRIMARY KEY (run_id, ordinal)
        );
        CREATE INDEX run_sites_by_samples ON run_sites (run_id, total_samples DESC);
        CREATE INDEX run_sites_by_caller ON run_sites (caller_id, run_id);

        CREATE TRIGGER runs_immutable BEFORE UPDATE ON runs
            BEGIN SELECT RAISE(ABORT, 'stored runs are immutable'); END;
        CREATE TRIGGER run_notes_immutable BEFORE UPDATE ON run_notes
            BEGIN SELECT RAISE(ABORT, 'stored runs are immutable'); END;
        CREATE TRIGGER run_totals_immutable BEFORE UPDATE ON run_totals
            BEGIN SELECT RAISE(ABORT, 'stored runs are immutable'); END;
        CREATE TRIGGER methods_immutable BEFORE UPDATE ON methods
            BEGIN SELECT RAISE(ABORT, 'method identities are immutable'); END;
        CREATE TRIGGER run_methods_immutable BEFORE UPDATE ON run_methods
            BEGIN SELECT RAISE(ABORT, 'stored runs are immutable'); END;
        CREATE TRIGGER run_code_versions_immutable BEFORE UPDATE ON run_code_versions
            BEGIN SELECT RAISE(ABORT, 'stored runs are immutable'); END;
        CREATE TRIGGER run_sites_immutable BEFORE UPDATE ON run_sites
            BEGIN SELECT RAISE(ABORT, 'stored runs are immutable'); END;
        """,

        // 2: A/B experiment evidence. Experiments and their rows are immutable like runs. A site is kept whole as it
        // was when chosen (a snapshot, not a reference into run_sites) and is found again by identity
        // (caller_id, callee_id, il_offset), so evidence follows a site across builds and runs.
        // REAL columns of non-nullable doubles hold NULL for NaN (SQLite cannot store NaN); see each comment.
        """
        CREATE TABLE experiments (
            id              INTEGER PRIMARY KEY,
            profile_run_id  INTEGER REFERENCES runs (id),   -- NULL: the sites did not come from a stored run
            started_utc     TEXT    NOT NULL,               -- ISO 8601 round-trip format, UTC
            seconds         REAL,                           -- NULL: NaN
            app_dir         TEXT    NOT NULL,
            command         TEXT    NOT NULL,
            verdict         TEXT    NOT NULL,               -- ExperimentVerdict name
            deciding_metric TEXT    NOT NULL,
            pairs           INTEGER NOT NULL,
            epsilon         REAL,                           -- NULL: NaN
            runtime_config  TEXT    NOT NULL,
            machine         TEXT    NOT NULL,
            counters        TEXT    NOT NULL,
            saved_utc       TEXT    NOT NULL
        );
        CREATE INDEX experiments_by_start ON experiments (started_utc, id);
        CREATE INDEX experiments_by_run ON experiments (profile_run_id);

        CREATE TABLE experiment_notes (
            experiment_id INTEGER NOT NULL REFERENCES experiments (id),
            ordinal       INTEGER NOT NULL,
            text          TEXT    NOT NULL,
            PRIMARY KEY (experiment_id, ordinal)
        );

        CREATE TABLE experiment_edits (
            experiment_id INTEGER NOT NULL REFERENCES experiments (id),
            ordinal       INTEGER NOT NULL,
            method_id     INTEGER NOT NULL REFERENCES methods (id),
            action        TEXT    NOT NULL,
            before_flags  INTEGER NOT NULL,   -- MethodImplFlags bits
            after_flags   INTEGER NOT NULL,
            PRIMARY KEY (experiment_id, ordinal)
        );
        CREATE INDEX experiment_edits_by_method ON experiment_edits (method_id, experiment_id);

        CREATE TABLE experiment_sites (
            experiment_id     INTEGER NOT NULL REFERENCES experiments (id),
            ordinal           INTEGER NOT NULL,
            site_id           INTEGER NOT NULL,   -- CallSite.Id: the site's number in its run (0: none)
            caller_id         INTEGER NOT NULL REFERENCES methods (id),
            callee_id         INTEGER NOT NULL REFERENCES methods (id),
            il_offset         INTEGER NOT NULL,   -- -1: not known
            source_file       TEXT,               -- NULL: no source location (line and col NULL too)
            source_line       INTEGER,
            source_col        INTEGER,
            call_samples      INTEGER NOT NULL,
            statement_samples INTEGER NOT NULL,
            shares_statement  INTEGER NOT NULL,
            outcome           TEXT    NOT NULL,   -- InlineOutcome name
            reason            TEXT    NOT NULL,
            tiers             TEXT    NOT NULL,   -- JSON array of strings
            fail_always       INTEGER NOT NULL,
            pgo_count         INTEGER,            -- NULL: no PGO data (distinct from 0)
            PRIMARY KEY (experiment_id, ordinal)
        );
        CREATE INDEX experiment_sites_by_identity ON experiment_sites (caller_id, callee_id, il_offset, experiment_id);

        -- One row per metric compared. Every REAL here: NULL means NaN (e.g. medians unknown, an interval below two pairs).
        CREATE TABLE experiment_metrics (
            experiment_id   INTEGER NOT NULL REFERENCES experiments (id),
            ordinal         INTEGER NOT NULL,
            metric          TEXT    NOT NULL,
            unit            TEXT    NOT NULL,
            lower_is_better INTEGER NOT NULL,
            n               INTEGER NOT NULL,
            median_baseline REAL,
            median_variant  REAL,
            effect          REAL,
            low             REAL,
            high            REAL,
            control_effect  REAL,
            control_low     REAL,
            control_high    REAL,
            PRIMARY KEY (experiment_id, ordinal)
        );

        -- At most one row per experiment; no row: the flip was not checked.
        CREATE TABLE experiment_flip_checks (
            experiment_id INTEGER PRIMARY KEY REFERENCES experiments (id),
            sites         INTEGER NOT NULL,
            honoured      INTEGER NOT NULL,
            details       TEXT    NOT NULL   -- JSON array of strings
        );

        -- Every measured run of every arm. NULL: the metric was not available (never 0, never NaN).
        CREATE TABLE experiment_runs (
            experiment_id      INTEGER NOT NULL REFERENCES experiments (id),
            ordinal            INTEGER NOT NULL,
            arm                TEXT    NOT NULL,
            round              INTEGER NOT NULL,
            wall_seconds       REAL,              -- NULL: NaN
            cpu_seconds        REAL,
            peak_rss_bytes     INTEGER,
            task_clock_seconds REAL,
            metric             REAL,
            jit_ms             REAL,
            tier1_code_bytes   INTEGER,
            PRIMARY KEY (experiment_id, ordinal)
        );

        CREATE TRIGGER experiments_immutable BEFORE UPDATE ON experiments
            BEGIN SELECT RAISE(ABORT, 'stored experiments are immutable'); END;
        CREATE TRIGGER experiment_notes_immutable BEFORE UPDATE ON experiment_notes
            BEGIN SELECT RAISE(ABORT, 'stored experiments are immutable'); END;
        CREATE TRIGGER experiment_edits_immutable BEFORE UPDATE ON experiment_edits
            BEGIN SELECT RAISE(ABORT, 'stored experiments are immutable'); END;
        CREATE TRIGGER experiment_sites_immutable BEFORE UPDATE ON experiment_sites
            BEGIN SELECT RAISE(ABORT, 'stored experiments are immutable'); END;
        CREATE TRIGGER experiment_metrics_immutable BEFORE UPDATE ON experiment_metrics
            BEGIN SELECT RAISE(ABORT, 'stored experiments are immutable'); END;
        CREATE TRIGGER experiment_flip_checks_immutable BEFORE UPDATE ON experiment_flip_checks
            BEGIN SELECT RAISE(ABORT, 'stored experiments are immutable'); END;
        CREATE TRIGGER experiment_runs_immutable BEFORE UPDATE ON experiment_runs
            BEGIN SELECT RAISE(ABORT, 'stored experiments are immutable'); END;
        """,

        // 3: inline budget accounting. Per compile that ran out of inline budget, its inlining decisions in the JIT's
        // order up to the last budget refusal (InlineBudget reads what spent the budget from that order). Immutable.
        """
        CREATE TABLE run_budget_inlines (
            run_id          INTEGER NOT NULL REFERENCES runs (id),
            compile_ordinal INTEGER NOT NULL,
            ordinal         INTEGER NOT NULL,   -- the decision's place within its compile
            compiled_id     INTEGER NOT NULL REFERENCES methods (id),
            tier            TEXT    NOT NULL,
            inliner_id      INTEGER NOT NULL REFERENCES methods (id),
            inlinee_id      INTEGER NOT NULL REFERENCES methods (id),
            succeeded       INTEGER NOT NULL,
            reason          TEXT    NOT NULL,
            PRIMARY KEY (run_id, compile_ordinal, ordinal)
        );
        CREATE TRIGGER run_budget_inlines_immutable BEFORE UPDATE ON run_budget_inlines
            BEGIN SELECT RAISE(ABORT, 'stored runs are immutable'); END;
        """,

        // 4: screens. K flag changes measured together in a two-level design: the screen, its candidates (each with
        // the sites it was chosen for and its main effect per metric), the design matrix, the interaction chains and
        // every run. Apart from experiments on purpose: a screen ranks, it is never advice. Immutable like experiments.
        """
        CREATE TABLE screens (
            id              INTEGER PRIMARY KEY,
            profile_run_id  INTEGER REFERENCES runs (id),
            started_utc     TEXT    NOT NULL,
            seconds         REAL,               -- NULL: NaN
            app_dir         TEXT    NOT NULL,
            command         TEXT    NOT NULL,
            deciding_metric TEXT    NOT NULL,
            epsilon         REAL,
            hadamard_order  INTEGER NOT NULL,   -- m: a replicate is 2m runs, design rows 0 .. 2m-1
            replicates      INTEGER NOT NULL,
            runtime_config  TEXT    NOT NULL,
            machine         TEXT    NOT NULL,
            counters        TEXT    NOT NULL,
            saved_utc       TEXT    NOT NULL
        );
        CREATE INDEX screens_by_start ON screens (started_utc, id);

        CREATE TABLE screen_notes (
            screen_id INTEGER NOT NULL REFERENCES screens (id),
            ordinal   INTEGER NOT NULL,
            text      TEXT    NOT NULL,
            PRIMARY KEY (screen_id, ordinal)
        );

        CREATE TABLE screen_candidates (
            screen_id        INTEGER NOT NULL REFERENCES screens (id),
            ordinal          INTEGER NOT NULL,   -- the candidate's factor index in the design
            method_id        INTEGER NOT NULL REFERENCES methods (id),
            action           TEXT    NOT NULL,
            before_flags     INTEGER NOT NULL,
            after_flags      INTEGER NOT NULL,
            verdict          TEXT    NOT NULL,   -- ExperimentVerdict name
            futile           INTEGER NOT NULL,
            decided_at_pairs INTEGER NOT NULL,
            flip_sites       INTEGER,            -- NULL: the flip was not checked (honoured and details NULL too)
            flip_honoured    INTEGER,
            flip_details     TEXT,               -- JSON array of strings
            PRIMARY KEY (screen_id, ordinal)
        );

        -- The design matrix: one row per (design row, candidate applied in it); a design row applying nothing has none.
        CREATE TABLE screen_design (
            screen_id  INTEGER NOT NULL REFERENCES screens (id),
            design_row INTEGER NOT NULL,
            candidate  INTEGER NOT NULL,
            PRIMARY KEY (screen_id, design_row, candidate)
        );

        CREATE TABLE screen_sites (
            screen_id         INTEGER NOT NULL REFERENCES screens (id),
            candidate         INTEGER NOT NULL,
            ordinal           INTEGER NOT NULL,
            site_id           INTEGER NOT NULL,
            caller_id         INTEGER NOT NULL REFERENCES methods (id),
            callee_id         INTEGER NOT NULL REFERENCES methods (id),
            il_offset         INTEGER NOT NULL,
            source_file       TEXT,
            source_line       INTEGER,
            source_col        INTEGER,
            call_samples      INTEGER NOT NULL,
            statement_samples INTEGER NOT NULL,
            shares_statement  INTEGER NOT NULL,
            outcome           TEXT    NOT NULL,
            reason            TEXT    NOT NULL,
            tiers             TEXT    NOT NULL,
            fail_always       INTEGER NOT NULL,
            pgo_count         INTEGER,
            PRIMARY KEY (screen_id, candidate, ordinal)
        );

        -- A candidate's main effect per metric: effect/low/high on vs off; control_*: the design's control column.
        CREATE TABLE screen_metrics (
            screen_id       INTEGER NOT NULL REFERENCES screens (id),
            candidate       INTEGER NOT NULL,
            ordinal         INTEGER NOT NULL,
            metric          TEXT    NOT NULL,
            unit            TEXT    NOT NULL,
            lower_is_better INTEGER NOT NULL,
            n               INTEGER NOT NULL,
            median_baseline REAL,
            median_variant  REAL,
            effect          REAL,
            low             REAL,
            high            REAL,
            control_effect  REAL,
            control_low     REAL,
            control_high    REAL,
            PRIMARY KEY (screen_id, candidate, ordinal)
        );

        CREATE TABLE screen_interactions (
            screen_id INTEGER NOT NULL REFERENCES screens (id),
            ordinal   INTEGER NOT NULL,
            pairs     TEXT    NOT NULL,   -- JSON [[a, b], ...]: candidate ordinals the design cannot tell apart
            effect    REAL,
            low       REAL,
            high      REAL,
            detected  INTEGER NOT NULL,
            PRIMARY KEY (screen_id, ordinal)
        );

        CREATE TABLE screen_runs (
            screen_id          INTEGER NOT NULL REFERENCES screens (id),
            ordinal            INTEGER NOT NULL,
            arm                TEXT    NOT NULL,   -- "row N"
            round              INTEGER NOT NULL,   -- the replicate; negative: warm-up
            wall_seconds       REAL,
            cpu_seconds        REAL,
            peak_rss_bytes     INTEGER,
            task_clock_seconds REAL,
            metric             REAL,
            jit_ms             REAL,
            tier1_code_bytes   INTEGER,
            PRIMARY KEY (screen_id, ordinal)
        );
        CREATE TRIGGER screens_immutable BEFORE UPDATE ON screens
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        CREATE TRIGGER screen_notes_immutable BEFORE UPDATE ON screen_notes
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        CREATE TRIGGER screen_candidates_immutable BEFORE UPDATE ON screen_candidates
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        CREATE TRIGGER screen_design_immutable BEFORE UPDATE ON screen_design
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        CREATE TRIGGER screen_sites_immutable BEFORE UPDATE ON screen_sites
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        CREATE TRIGGER screen_metrics_immutable BEFORE UPDATE ON screen_metrics
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        CREATE TRIGGER screen_interactions_immutable BEFORE UPDATE ON screen_interactions
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        CREATE TRIGGER screen_runs_immutable BEFORE UPDATE ON screen_runs
            BEGIN SELECT RAISE(ABORT, 'stored screens are immutable'); END;
        """,
        // 5: the native bytes at each inlined site's statement (CallSite.InlinedCodeBytes); NULL in rows stored before.
        """
        ALTER TABLE run_sites ADD COLUMN inlined_code_bytes INTEGER;
        ALTER TABLE experiment_sites ADD COLUMN inlined_code_bytes INTEGER;
        ALTER TABLE screen_sites ADD COLUMN inlined_code_bytes INTEGER;
        """,
    ];

    /// <summary>The version that added run_budget_inlines.</summary>
    public const int BudgetAccounting = 3;

    /// <summary>The version that added inlined_code_bytes to the site tables.</summary>
    public const int SiteCodeBytes = 5;

    /// <summary>The schema version this build writes and reads.</summary>
    public static int Latest => Migrations.Length;

    /// <summary>What an opened file says about itself, read without writing anything.</summary>
    public readonly record struct State(int ApplicationId, int Version, long ObjectCount)
    {
        public bool IsEmpty => ApplicationId == 0 && Version == 0 && ObjectCount == 0;
        public bool IsOurs => ApplicationId == Schema.ApplicationId;
    }

    /// <summary>Applies every migration above the store's version up to <paramref name="upTo"/> (default: all),
    /// each in its own write transaction. Tests pass <paramref name="upTo"/> to make a store as an older build did.</summary>
    public static void Migrate(StoreBackend backend, DbConnection connection, int? upTo = null)
    {
        var last = upTo ?? Latest;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(last, Latest, nameof(upTo));
        // Up to date (the usual case): no write lock, so opening never waits behind another writer.
        for (var target = backend.Version(connection, null) + 1; target <= last; target++)
        {
            using var tx = backend.BeginMigration(connection);
            // Re-read inside the lock: another process may have migrated meanwhile.
            if (backend.Version(connection, tx) >= target) continue;
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = backend.Translate(Migrations[target - 1]) + backend.MarkVersion(target);
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }
}
