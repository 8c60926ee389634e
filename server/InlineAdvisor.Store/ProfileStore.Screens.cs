// Writes and reads screens: whole or not at all, immutable. Kept apart from experiments: a screen ranks, it is never advice.
using System.Globalization;
using System.Text.Json;
using InlineAdvisor.Core;

namespace InlineAdvisor.Store;

public sealed partial class ProfileStore
{
    /// <summary>Stores <paramref name="screen"/> as a new immutable screen in one transaction and returns its id.</summary>
    /// <exception cref="StoreException">The store failed, or the profile run does not exist; nothing was written.</exception>
    public long SaveScreen(ScreenRecord screen)
    {
        ArgumentNullException.ThrowIfNull(screen);
        return InTransaction(write: true, () =>
        {
            if (screen.ProfileRunId is long runId && !RunExists(runId))
                throw new StoreException(Path, $"'{Path}' has no run with id {runId} for the screen's profile; save that run first or leave the profile run empty.");
            long id;
            using (var cmd = Command("""
                INSERT INTO screens (profile_run_id, started_utc, seconds, app_dir, command, deciding_metric, epsilon,
                                     hadamard_order, replicates, runtime_config, machine, counters, saved_utc)
                VALUES (@run, @started, @seconds, @app_dir, @command, @metric, @epsilon, @order, @replicates,
                        @runtime_config, @machine, @counters, @saved)
                RETURNING id
                """))
            {
                Set(cmd, ("@run", screen.ProfileRunId), ("@started", FormatUtc(screen.StartedUtc)), ("@seconds", Real(screen.Seconds)),
                    ("@app_dir", screen.AppDir), ("@command", screen.Command), ("@metric", screen.DecidingMetric), ("@epsilon", Real(screen.Epsilon)),
                    ("@order", screen.Order), ("@replicates", screen.Replicates), ("@runtime_config", screen.RuntimeConfig),
                    ("@machine", screen.Machine), ("@counters", screen.Counters), ("@saved", FormatUtc(DateTime.UtcNow)));
                id = Convert.ToInt64(cmd.ExecuteScalar());
            }
            using var ids = new MethodIds(this, screen.Candidates.SelectMany(c => c.Sites.SelectMany(s => new[] { s.Caller, s.Callee }).Prepend(c.Edit.Method)));
            Func<MethodIdentity, long> methodId = ids.Id;
            using (var note = Command("INSERT INTO screen_notes (screen_id, ordinal, text) VALUES (@s, @ordinal, @text)"))
                for (int i = 0; i < screen.Notes.Count; i++) { Set(note, ("@s", id), ("@ordinal", i), ("@text", screen.Notes[i])); note.ExecuteNonQuery(); }
            using (var row = Command("""
                INSERT INTO screen_candidates (screen_id, ordinal, method_id, action, before_flags, after_flags, verdict, futile,
                                               decided_at_pairs, flip_sites, flip_honoured, flip_details)
                VALUES (@s, @ordinal, @method, @action, @before, @after, @verdict, @futile, @decided, @flip_sites, @flip_honoured, @flip_details)
                """))
            {
                for (int k = 0; k < screen.Candidates.Count; k++)
                {
                    var c = screen.Candidates[k];
                    Set(row, ("@s", id), ("@ordinal", k), ("@method", methodId(c.Edit.Method)), ("@action", c.Edit.Action.Text()),
                        ("@before", (int)c.Edit.Before), ("@after", (int)c.Edit.After), ("@verdict", c.Verdict.ToString()), ("@futile", c.Futile),
                        ("@decided", c.DecidedAtPairs), ("@flip_sites", c.Flip?.Sites), ("@flip_honoured", c.Flip?.Honoured),
                        ("@flip_details", c.Flip is { } f ? JsonSerializer.Serialize(f.Details) : null));
                    row.ExecuteNonQuery();
                    var owner = new ChildRows("screen", ("screen_id", id), ("candidate", k));
                    InsertSites(owner, c.Sites, methodId);
                    InsertMetrics(owner, c.Metrics);
                }
            }
            using (var cell = Command("INSERT INTO screen_design (screen_id, design_row, candidate) VALUES (@s, @row, @candidate)"))
                for (int r = 0; r < screen.Design.Count; r++)
                    foreach (var k in screen.Design[r]) { Set(cell, ("@s", id), ("@row", r), ("@candidate", k)); cell.ExecuteNonQuery(); }
            using (var chain = Command("""
                INSERT INTO screen_interactions (screen_id, ordinal, pairs, effect, low, high, detected)
                VALUES (@s, @ordinal, @pairs, @effect, @low, @high, @detected)
                """))
            {
                for (int i = 0; i < screen.Interactions.Count; i++)
                {
                    var x = screen.Interactions[i];
                    Set(chain, ("@s", id), ("@ordinal", i), ("@pairs", JsonSerializer.Serialize(x.Pairs.Select(p => new[] { p.A, p.B }))),
                        ("@effect", Real(x.Effect)), ("@low", Real(x.Low)), ("@high", Real(x.High)), ("@detected", x.Detected));
                    chain.ExecuteNonQuery();
                }
            }
            InsertArmRuns(new ChildRows("screen", ("screen_id", id)), screen.Runs);
            return id;
        });
    }

    /// <summary>Every stored screen, whole, newest first.</summary>
    public IReadOnlyList<ScreenRecord> ListScreens() => InTransaction(write: false, () =>
    {
        var screens = new List<ScreenRecord>();
        using (var cmd = Command("""
            SELECT id, profile_run_id, started_utc, seconds, app_dir, command, deciding_metric, epsilon, hadamard_order, replicates,
                   runtime_config, machine, counters
            FROM screens ORDER BY started_utc DESC, id DESC
            """))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
                screens.Add(new ScreenRecord
                {
                    Id = r.GetInt64(0), ProfileRunId = r.IsDBNull(1) ? null : r.GetInt64(1),
                    StartedUtc = DateTime.Parse(r.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    Seconds = NaNIfNull(r, 3), AppDir = r.GetString(4), Command = r.GetString(5), DecidingMetric = r.GetString(6),
                    Epsilon = NaNIfNull(r, 7), Order = r.GetInt32(8), Replicates = r.GetInt32(9),
                    RuntimeConfig = r.GetString(10), Machine = r.GetString(11), Counters = r.GetString(12),
                });
        }
        return screens.Select(ReadScreenRows).ToList();
    });

    /// <summary>The whole screen, or null when no screen has this id.</summary>
    public ScreenRecord? LoadScreen(long id) => ListScreens().FirstOrDefault(s => s.Id == id);

    private ScreenRecord ReadScreenRows(ScreenRecord s)
    {
        var identities = ReadIdentityMap("""
            SELECT id, assembly, type, name, signature FROM methods WHERE id IN (
                SELECT caller_id FROM screen_sites WHERE screen_id = @id
                UNION SELECT callee_id FROM screen_sites WHERE screen_id = @id
                UNION SELECT method_id FROM screen_candidates WHERE screen_id = @id)
            """, s.Id);
        var candidates = new List<ScreenCandidate>();
        using (var cmd = Command("""
            SELECT ordinal, method_id, action, before_flags, after_flags, verdict, futile, decided_at_pairs, flip_sites, flip_honoured, flip_details
            FROM screen_candidates WHERE screen_id = @s ORDER BY ordinal
            """))
        {
            Set(cmd, ("@s", s.Id));
            var rows = new List<(int K, FlagEdit Edit, ExperimentVerdict Verdict, bool Futile, int Decided, FlipCheck? Flip)>();
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                    rows.Add((r.GetInt32(0),
                        new FlagEdit(identities[r.GetInt64(1)], InlineActions.ParseEdit(r.GetString(2)), (MethodImplFlags)checked((ushort)r.GetInt32(3)), (MethodImplFlags)checked((ushort)r.GetInt32(4))),
                        ParseEnum<ExperimentVerdict>(r.GetString(5)), Bool(r, 6), r.GetInt32(7),
                        r.IsDBNull(8) ? null : new FlipCheck(r.GetInt32(8), r.GetInt32(9), JsonSerializer.Deserialize<List<string>>(r.GetString(10)) ?? [])));
            foreach (var c in rows)
            {
                var owner = new ChildRows("screen", ("screen_id", s.Id), ("candidate", c.K));
                candidates.Add(new ScreenCandidate(c.Edit, ReadSites(owner, identities), c.Verdict, c.Futile, c.Decided, ReadMetrics(owner), c.Flip));
            }
        }
        var design = Enumerable.Range(0, 2 * s.Order).Select(_ => new List<int>()).ToList();
        using (var cmd = Command("SELECT design_row, candidate FROM screen_design WHERE screen_id = @s ORDER BY design_row, candidate"))
        {
            Set(cmd, ("@s", s.Id));
            using var r = cmd.ExecuteReader();
            while (r.Read()) design[r.GetInt32(0)].Add(r.GetInt32(1));
        }
        var interactions = new List<ScreenInteraction>();
        using (var cmd = Command("SELECT pairs, effect, low, high, detected FROM screen_interactions WHERE screen_id = @s ORDER BY ordinal"))
        {
            Set(cmd, ("@s", s.Id));
            using var r = cmd.ExecuteReader();
            while (r.Read())
                interactions.Add(new ScreenInteraction((JsonSerializer.Deserialize<int[][]>(r.GetString(0)) ?? []).Select(p => new CandidatePair(p[0], p[1])).ToList(),
                    NaNIfNull(r, 1), NaNIfNull(r, 2), NaNIfNull(r, 3), Bool(r, 4)));
        }
        return s with
        {
            Notes = ReadTexts("SELECT text FROM screen_notes WHERE screen_id = @e ORDER BY ordinal", s.Id),
            Candidates = candidates,
            Design = design,
            Interactions = interactions,
            Runs = ReadArmRuns(new ChildRows("screen", ("screen_id", s.Id))),
        };
    }
}
