// The team backend: a PostgreSQL database shared by many processes on many hosts, through Npgsql.
using System.Data;
using System.Data.Common;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace InlineAdvisor.Store;

/// <summary>
/// The schema version and marker live in a one-row table (PostgreSQL has no user_version); migrations run under a
/// transaction-scoped advisory lock, so hosts that open an old store at once migrate it once; the shared SQLite-flavoured
/// migration text is translated (<see cref="Translate(string)"/>).
/// </summary>
internal sealed partial class PostgresBackend : StoreBackend
{
    /// <summary>The advisory lock key that serializes migrations: "INLA", like SQLite's application_id.</summary>
    private const long MigrationLock = Schema.ApplicationId;

    private const string Meta = "inline_advisor_meta";

    private readonly string _connectionString;
    private readonly string _location, _endpoint, _host, _user, _database;
    private readonly int _timeoutSeconds;

    private PostgresBackend(string connectionString, string location, string host, int port, string user, string database, int timeoutSeconds)
    {
        _connectionString = connectionString;
        _location = location;
        _host = host;
        _endpoint = $"{host}:{port}";
        _user = user;
        _database = database;
        _timeoutSeconds = timeoutSeconds;
    }

    public override string Location => _location;

    /// <summary>postgresql://[user[:password]@]host[:port][/database][?option=value&amp;…] (options: Npgsql's connection string keys).</summary>
    public static PostgresBackend Parse(string uri, TimeSpan timeout)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var u) || string.IsNullOrEmpty(u.Host))
            throw new StoreException(Redact(uri), $"'{Redact(uri)}' is not a PostgreSQL URI; write postgresql://user@host:port/database.");
        var userInfo = u.UserInfo.Split(':', 2);
        var user = Uri.UnescapeDataString(userInfo[0]);
        var host = u.DnsSafeHost;
        var port = u.IsDefaultPort || u.Port < 0 ? 5432 : u.Port;
        var database = Uri.UnescapeDataString(u.AbsolutePath.Trim('/'));
        if (database.Length == 0) database = user;   // libpq's default: the database named like the user
        var seconds = Seconds(timeout);
        var location = $"postgresql://{(user.Length > 0 ? Uri.EscapeDataString(user) + "@" : "")}{(host.Contains(':') ? $"[{host}]" : host)}:{port}/{Uri.EscapeDataString(database)}";
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database.Length > 0 ? database : null,
            Timeout = seconds,                  // an unreachable host fails in seconds, not after the 15 s default
            ApplicationName = "InlineAdvisor",
        };
        if (user.Length > 0) builder.Username = user;
        if (userInfo.Length > 1) builder.Password = Uri.UnescapeDataString(userInfo[1]);
        foreach (var pair in u.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            try
            {
                builder[Uri.UnescapeDataString(kv[0])] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw new StoreException(location, $"'{location}': the option '{kv[0]}' is not a PostgreSQL connection setting Npgsql knows ({e.Message.Split('\n')[0]}).");
            }
        }
        return new PostgresBackend(builder.ConnectionString, location, host, port, user, database, seconds);
    }

    /// <summary>The URI without its password, for messages.</summary>
    public static string Redact(string uri) => PasswordInUri().Replace(uri, "$1@");

    [GeneratedRegex("^([A-Za-z]+://[^:@/]*):[^@/]*@")]
    private static partial Regex PasswordInUri();

    // Pooled: the editor polls the store every few seconds, and a new session per poll would cost a TCP and auth round trip.
    public override DbConnection Connect() => new NpgsqlConnection(_connectionString);

    public override Schema.State Inspect(DbConnection connection)
    {
        var tables = Scalar(connection, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()");
        if (Scalar(connection, $"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{Meta}'") == 0)
            return new Schema.State(0, 0, tables);
        using var cmd = Command(connection, $"SELECT application_id, version FROM {Meta}", null);
        using var r = cmd.ExecuteReader();
        return r.Read() ? new Schema.State((int)r.GetInt64(0), (int)r.GetInt64(1), tables) : new Schema.State(0, 0, tables);
    }

    public override int Version(DbConnection connection, DbTransaction? tx) =>
        Scalar(connection, $"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{Meta}'", tx) == 0
            ? 0
            : (int)Scalar(connection, $"SELECT coalesce(max(version), 0) FROM {Meta}", tx);

    public override DbTransaction BeginMigration(DbConnection connection)
    {
        var tx = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        // Held until commit: a second host waits here, then re-reads the version (read committed sees the first's commit).
        Execute(connection, $"SELECT pg_advisory_xact_lock({MigrationLock})", tx);
        return tx;
    }

    public override string MarkVersion(int version) => $"""

        CREATE TABLE IF NOT EXISTS {Meta} (application_id BIGINT NOT NULL, version BIGINT NOT NULL);
        DELETE FROM {Meta};
        INSERT INTO {Meta} (application_id, version) VALUES ({Schema.ApplicationId}, {version});
        """;

    /// <summary>
    /// The shared migration text as PostgreSQL runs it: comments dropped; `id INTEGER PRIMARY KEY` (SQLite's rowid alias)
    /// becomes an identity column; INTEGER → BIGINT (SQLite's integers are 64-bit), REAL → DOUBLE PRECISION (PostgreSQL's
    /// REAL is 32-bit), BLOB → BYTEA; the methods' identity is unique on md5(signature); each `BEFORE UPDATE …
    /// RAISE(ABORT, 'why')` trigger calls one plpgsql function.
    /// </summary>
    public override string Translate(string migration)
    {
        var sql = Regex.Replace(migration, "--[^\n]*", "");
        sql = Regex.Replace(sql, @"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
        sql = Regex.Replace(sql, @"\bINTEGER\b", "BIGINT");
        sql = Regex.Replace(sql, @"\bREAL\b", "DOUBLE PRECISION");
        sql = Regex.Replace(sql, @"\bBLOB\b", "BYTEA");
        // A btree entry holds at most ~2.7 kB and a generic signature can be longer: the identity's uniqueness is kept on
        // the signature's md5 (lookups still use the index's leading columns, then compare the whole signature).
        sql = Regex.Replace(sql, @",\s*UNIQUE \((\w+), (\w+), (\w+), signature\)\s*\);", m =>
            $"\n);\nCREATE UNIQUE INDEX methods_identity ON methods ({m.Groups[1].Value}, {m.Groups[2].Value}, {m.Groups[3].Value}, md5(signature));");
        var triggers = 0;
        sql = Regex.Replace(sql, @"CREATE TRIGGER (\w+) BEFORE UPDATE ON (\w+)\s+BEGIN SELECT RAISE\(ABORT, '([^']*)'\); END;", m =>
        {
            triggers++;
            return $"CREATE TRIGGER {m.Groups[1].Value} BEFORE UPDATE ON {m.Groups[2].Value} FOR EACH ROW EXECUTE FUNCTION inline_advisor_refuse('{m.Groups[3].Value}');";
        });
        if (sql.Contains("RAISE(", StringComparison.Ordinal) || sql.Contains("PRAGMA", StringComparison.Ordinal) || sql.Contains("UNIQUE (", StringComparison.Ordinal))
            throw new InvalidOperationException("A migration uses SQLite syntax PostgresBackend.Translate does not know; give it a PostgreSQL text.");
        // The trigger function: raises the trigger's argument, the same words SQLite's RAISE(ABORT) gives.
        return triggers == 0 ? sql : """
            CREATE OR REPLACE FUNCTION inline_advisor_refuse() RETURNS trigger LANGUAGE plpgsql
                AS 'BEGIN RAISE EXCEPTION ''%'', TG_ARGV[0]; END';
            """ + sql;
    }

    // Writers never wait for each other except on a method both intern (read committed); reads see one snapshot.
    public override DbTransaction Begin(DbConnection connection, bool write) =>
        connection.BeginTransaction(write ? IsolationLevel.ReadCommitted : IsolationLevel.RepeatableRead);

    // Two writers interning the same new methods in different orders can deadlock; PostgreSQL aborts one, which retries.
    public override bool IsTransient(DbException e) => e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    public override StoreException Translate(DbException e)
    {
        var socket = Inner<SocketException>(e);
        string message = e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } =>
                $"PostgreSQL at {_endpoint} refused user '{_user}' ({Line(((PostgresException)e).MessageText)}); check the user and the password (in the URI, PGPASSWORD or ~/.pgpass).",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                $"PostgreSQL at {_endpoint} has no database '{_database}'; create it (createdb {_database}) or fix the store URI.",
            PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } p =>
                $"'{_location}': user '{_user}' may not do this ({Line(p.MessageText)}); grant it the rights on the database or use its owner.",
            PostgresException { SqlState: PostgresErrorCodes.TooManyConnections } =>
                $"PostgreSQL at {_endpoint} has too many connections; retry later.",
            PostgresException p => $"The store '{_location}' failed: {Line(p.MessageText)}",
            _ when socket is { SocketErrorCode: SocketError.ConnectionRefused } =>
                $"Cannot connect to PostgreSQL at {_endpoint}: connection refused (is the server running and listening there?); check the store URI or {EnvironmentVariable}.",
            _ when socket is { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } =>
                $"Cannot connect to PostgreSQL at {_endpoint}: unknown host '{_host}'; check the store URI or {EnvironmentVariable}.",
            _ when Inner<TimeoutException>(e) is not null || socket is { SocketErrorCode: SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable } =>
                $"Cannot connect to PostgreSQL at {_endpoint}: no answer within {_timeoutSeconds} s (host unreachable or blocked?); check the store URI or {EnvironmentVariable}.",
            _ => $"Cannot use PostgreSQL at {_endpoint}: {Line(e.Message)}",
        };
        return new StoreException(_location, message, e);
    }

    private static string Line(string text) => text.ReplaceLineEndings(" ").Trim();

    private static T? Inner<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T found) return found;
        return null;
    }
}
