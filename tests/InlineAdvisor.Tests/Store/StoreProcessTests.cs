// Several processes writing one store at once, through the real `advisor` binary, on both backends; and the one-line
// failures of a PostgreSQL store that is not there.
using System.Diagnostics;
using InlineAdvisor.LanguageServer;
using InlineAdvisor.Store;
using InlineAdvisor.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace InlineAdvisor.Tests.Store;

public sealed class SqliteStoreProcessTests : StoreProcessTests, IDisposable
{
    private readonly TempFolder _temp;
    public SqliteStoreProcessTests() : this(new TempFolder()) { }
    private SqliteStoreProcessTests(TempFolder temp) : base(temp.File("team.db"), temp.Root) => _temp = temp;
    protected override long MethodRows() { using var c = StoreTestSupport.Raw(Location); return (long)StoreTestSupport.Scalar(c, "SELECT count(*) FROM methods")!; }
    public void Dispose() => _temp.Dispose();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreProcessTests(PostgresServer server) : StoreProcessTests(server.NewDatabase(), Path.GetTempPath())
{
    protected override long MethodRows()
    {
        using var c = server.Raw(Location);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM methods";
        return (long)cmd.ExecuteScalar()!;
    }
}

public abstract class StoreProcessTests(string location, string workingDirectory)
{
    protected string Location => location;

    /// <summary>The rows of the methods table, counted past the store.</summary>
    protected abstract long MethodRows();

    private static string Fixture(string file) => Path.Combine(GoldenReportTests.Fixtures, file);

    /// <summary>`advisor import` of the same trace, started as separate processes at once, one given the store by
    /// INLINE_ADVISOR_STORE: like several hosts collecting into the team store. Both runs are stored whole, each method
    /// once, and `report --aggregate` combines them. On an empty PostgreSQL database both also race to create the schema.</summary>
    [Fact]
    public void Two_processes_import_into_one_store_at_once()
    {
        string[] Import(bool byEnvironment) =>
        [
            Repo.Advisor, "import", Fixture("mixer.nettrace"), "--pgo", Fixture("mixer.pgo.txt"), "--assemblies", Repo.SamplesDir,
            .. byEnvironment ? Array.Empty<string>() : ["--store", location],
        ];
        var writers = new[] { Import(byEnvironment: false), Import(byEnvironment: true) }
            .Select(args => Task.Run(() => Repo.Run("dotnet", args, workingDirectory, new Dictionary<string, string> { [ProfileStore.EnvironmentVariable] = location })))
            .ToArray();
        Task.WaitAll(writers);
        foreach (var w in writers) Assert.True(w.Result.ExitCode == 0, w.Result.All);

        using var store = ProfileStore.Open(location);
        var runs = store.ListRuns();
        Assert.Equal(2, runs.Count);
        var profiles = runs.Select(r => store.LoadRun(r.Id)!).ToList();
        Assert.Equal(profiles[0].Sites.Count, profiles[1].Sites.Count);
        Assert.True(profiles[0].Sites.Count > 0);
        // Interned once: every method both runs mention is one identity (the second writer reused the first's rows).
        var identities = profiles.SelectMany(p => p.Methods.Select(m => m.Method).Concat(p.Sites.SelectMany(s => new[] { s.Caller, s.Callee })))
            .Concat(profiles.SelectMany(p => p.BudgetCompiles.SelectMany(c => c.Inlines.SelectMany(i => new[] { c.Compiled, i.Inliner, i.Inlinee }))))
            .Distinct().Count();
        Assert.Equal(identities, MethodRows());

        var report = Repo.Run("dotnet", [Repo.Advisor, "report", "--aggregate", "--json", "--store", location], workingDirectory);
        Assert.True(report.ExitCode == 0, report.All);
        Assert.Contains("aggregate of 2 runs", report.Stdout);
    }
}

/// <summary>PostgreSQL only: a store that cannot be used is one line naming where it is and what to do; the translated
/// schema matches SQLite's; the editor reads the store through the same calls.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOnlyStoreTests(PostgresServer server, ITestOutputHelper output)
{
    [Fact]
    public void The_server_started_and_reports_its_start_time() =>
        output.WriteLine($"PostgreSQL fixture: initdb + pg_ctl start took {server.StartTime.TotalSeconds:F1} s (port {server.Port})");

    private static StoreException Refused(string uri, TimeSpan? timeout = null)
    {
        var e = Assert.Throws<StoreException>(() => ProfileStore.Open(uri, timeout ?? ProfileStore.DefaultBusyTimeout).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Fact]
    public void A_closed_port_is_refused_naming_host_and_port()
    {
        var port = PostgresServer.ClosedPort();
        var e = Refused($"postgresql://advisor:secret@127.0.0.1:{port}/x");
        Assert.StartsWith($"Cannot connect to PostgreSQL at 127.0.0.1:{port}: connection refused", e.Message);
        Assert.DoesNotContain("secret", e.Message);
        Assert.Equal($"postgresql://advisor@127.0.0.1:{port}/x", e.Path);   // the password never leaves the URI
    }

    [Fact]
    public void An_unknown_database_and_an_unknown_user_are_named()
    {
        var db = Refused($"postgres://advisor@127.0.0.1:{server.Port}/no_such_db");
        Assert.Equal($"PostgreSQL at 127.0.0.1:{server.Port} has no database 'no_such_db'; create it (createdb no_such_db) or fix the store URI.", db.Message);

        var user = Refused($"postgresql://nobody@127.0.0.1:{server.Port}/postgres");
        Assert.StartsWith($"PostgreSQL at 127.0.0.1:{server.Port} refused user 'nobody'", user.Message);
    }

    [Fact]
    public void A_wrong_password_is_named_and_never_printed_and_the_right_one_opens()
    {
        var uri = server.NewDatabase();
        var db = new Uri(uri).AbsolutePath;
        using (var c = server.Raw(uri))
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = $"GRANT ALL ON SCHEMA public TO {PostgresServer.PasswordUser}";
            cmd.ExecuteNonQuery();
        }
        var wrong = Refused($"postgresql://{PostgresServer.PasswordUser}:wrong%20horse@127.0.0.1:{server.Port}{db}");
        Assert.StartsWith($"PostgreSQL at 127.0.0.1:{server.Port} refused user '{PostgresServer.PasswordUser}' (password authentication failed", wrong.Message);
        Assert.EndsWith("check the user and the password (in the URI, PGPASSWORD or ~/.pgpass).", wrong.Message);
        Assert.DoesNotContain("wrong", wrong.Message);

        var right = $"postgresql://{PostgresServer.PasswordUser}:{Uri.EscapeDataString(PostgresServer.Password)}@127.0.0.1:{server.Port}{db}";
        using var store = ProfileStore.Open(right);
        Assert.Equal($"postgresql://{PostgresServer.PasswordUser}@127.0.0.1:{server.Port}{db}", store.Path);
        Assert.Empty(store.ListRuns());
    }

    /// <summary>A host that takes the connection and never answers (as a blackholed route or a stuck server does):
    /// one line after the short timeout, not Npgsql's 15 s default. (A non-routed address cannot stand in for it here:
    /// this machine's network answers every outbound connection.)</summary>
    [Fact]
    public void A_host_that_never_answers_fails_after_the_timeout()
    {
        var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();   // the kernel completes the handshake; nobody ever reads or writes
        try
        {
            var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
            var clock = Stopwatch.StartNew();
            var e = Refused($"postgresql://advisor@127.0.0.1:{port}/x", TimeSpan.FromSeconds(1));
            Assert.True(e.Message.StartsWith($"Cannot connect to PostgreSQL at 127.0.0.1:{port}: no answer within 1 s"), e.Message);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.5, 6);
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public void Unknown_schemes_and_options_are_one_line()
    {
        Assert.Contains("no store backend for 'mysql://'", Refused("mysql://h/db").Message);
        Assert.Contains("'no_such_option' is not a PostgreSQL connection setting", Refused($"postgresql://advisor@127.0.0.1:{server.Port}/x?no_such_option=1").Message);
    }

    /// <summary>The translated migrations give PostgreSQL the SQLite schema: the same tables, columns and refusal
    /// triggers, 64-bit integers and doubles throughout, identity ids; and the version in the meta table.</summary>
    [Fact]
    public void The_postgresql_schema_is_the_sqlite_schema_in_postgresql_types()
    {
        using var temp = new TempFolder();
        var file = temp.File("schema.db");
        ProfileStore.Open(file).Dispose();
        var uri = server.NewDatabase();
        ProfileStore.Open(uri).Dispose();

        var sqlite = new SortedSet<string>();
        int sqliteTriggers;
        using (var c = StoreTestSupport.Raw(file))
        {
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'";
                using var r = cmd.ExecuteReader();
                while (r.Read()) sqlite.Add($"{r.GetString(0)}.{r.GetString(1)}");
            }
            sqliteTriggers = Convert.ToInt32(StoreTestSupport.Scalar(c, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"));
        }
        var postgres = new SortedSet<string>();
        var types = new SortedSet<string>();
        using (var c = server.Raw(uri))
        {
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'inline_advisor_meta'";
                using var r = cmd.ExecuteReader();
                while (r.Read()) { postgres.Add($"{r.GetString(0)}.{r.GetString(1)}"); types.Add(r.GetString(2)); }
            }
            using var q = c.CreateCommand();
            q.CommandText = "SELECT (SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = current_schema()), " +
                            "(SELECT version FROM inline_advisor_meta), (SELECT count(*) FROM information_schema.columns WHERE table_name = 'runs' AND column_name = 'id' AND is_identity = 'YES')";
            using var t = q.ExecuteReader();
            t.Read();
            Assert.Equal(sqliteTriggers, t.GetInt64(0));
            Assert.Equal(ProfileStore.SchemaVersion, t.GetInt64(1));
            Assert.Equal(1, t.GetInt64(2));
        }
        Assert.Equal(sqlite, postgres);
        Assert.Equal(["bigint", "double precision", "text"], types);
    }

    /// <summary>The editor's change detection polls a PostgreSQL store through the same calls as a file.</summary>
    [Fact]
    public void The_language_servers_snapshot_and_stamp_read_a_postgresql_store()
    {
        var uri = server.NewDatabase();
        Assert.True(ProfileStore.Exists(uri));
        var empty = StoreSnapshot.Load(uri);
        Assert.Null(empty.Index);
        Assert.Contains("has no runs yet", empty.Message);

        long id;
        using (var store = ProfileStore.Open(uri)) id = store.SaveRun(StoreTestSupport.Realistic());
        Assert.Equal(id, StoreSnapshot.ReadStamp(uri)!.Value.LatestRunId);
        var loaded = StoreSnapshot.Load(uri);
        Assert.Equal(id, loaded.Index!.Run.Id);
        Assert.Equal(loaded.Stamp, StoreSnapshot.ReadStamp(uri));

        var withPassword = uri.Replace("advisor@", "advisor:s3cret@");   // trust authentication ignores it
        Assert.Equal(id, StoreSnapshot.Load(withPassword).Index!.Run.Id);
        Assert.Equal(uri, ProfileStore.Display(withPassword));             // what the status bar and the log show
    }
}
