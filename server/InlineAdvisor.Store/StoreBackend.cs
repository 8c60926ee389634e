// The few things the two store backends (a SQLite file, a PostgreSQL database) do differently; all other SQL is shared.
using System.Data.Common;

namespace InlineAdvisor.Store;

/// <summary>
/// One backend of <see cref="ProfileStore"/>: how to connect, how a transaction begins, where the schema version and
/// the application marker live, how the shared (SQLite-flavoured) migration text becomes this backend's, and one
/// sentence per failure. Every query of the store is written once, over ADO.NET, in SQL both backends accept.
/// </summary>
internal abstract class StoreBackend
{
    /// <summary>The environment variable naming the store when no --store is given (the CLI and the editor alike).</summary>
    public const string EnvironmentVariable = "INLINE_ADVISOR_STORE";

    /// <summary>Where the store is, as shown to the user: the full file path, or the URI without its password.</summary>
    public abstract string Location { get; }

    public abstract DbConnection Connect();

    /// <summary>Session settings, run once after the connection opened and before anything is read.</summary>
    public virtual void Configure(DbConnection connection) { }

    /// <summary>Run after the store was found to be ours (or empty), before migrating.</summary>
    public virtual void Prepare(DbConnection connection) { }

    /// <summary>What the store says about itself, read without writing anything.</summary>
    public abstract Schema.State Inspect(DbConnection connection);

    /// <summary>The schema version, 0 for an empty store.</summary>
    public abstract int Version(DbConnection connection, DbTransaction? tx);

    /// <summary>A write transaction that excludes every other migration (other processes, other hosts).</summary>
    public abstract DbTransaction BeginMigration(DbConnection connection);

    /// <summary>The statements that record <paramref name="version"/> and the application marker, inside the migration's transaction.</summary>
    public abstract string MarkVersion(int version);

    /// <summary>A migration written in the shared dialect, as this backend runs it.</summary>
    public virtual string Translate(string migration) => migration;

    /// <summary>A write transaction (it may wait for other writers) or a consistent read snapshot.</summary>
    public abstract DbTransaction Begin(DbConnection connection, bool write);

    /// <summary>A failure another attempt of the whole transaction may not have (a deadlock between two writers).</summary>
    public virtual bool IsTransient(DbException e) => false;

    /// <summary>One sentence per kind of failure, each saying what the user can do.</summary>
    public abstract StoreException Translate(DbException e);

    public StoreException NotAStore(Exception? inner = null) =>
        new(Location, $"'{Location}' is not an InlineAdvisor store or is corrupt; it was left untouched: move it aside or choose another store path.", inner);

    /// <summary>The backend for <paramref name="location"/>: a postgresql:// or postgres:// URI, else a SQLite file path.</summary>
    /// <exception cref="StoreException">An unknown URI scheme, a malformed URI, or a folder.</exception>
    public static StoreBackend For(string location, TimeSpan busyTimeout)
    {
        // A URI is never a file name: taken as one, `postgresql://host/db` would become a SQLite file in a new folder
        // named `postgresql:`.
        if (System.Text.RegularExpressions.Regex.Match(location, "^([A-Za-z][A-Za-z0-9+.-]*)://") is { Success: true } uri)
        {
            var scheme = uri.Groups[1].Value.ToLowerInvariant();
            if (scheme is "postgresql" or "postgres") return PostgresBackend.Parse(location, busyTimeout);
            throw new StoreException(location, $"'{location}': no store backend for '{uri.Groups[1].Value}://'; a store is a SQLite file path " +
                "(e.g. .inline-advisor/advisor.db) or a PostgreSQL URI (postgresql://user@host:port/database).");
        }
        return SqliteBackend.Create(location, busyTimeout);
    }

    /// <summary>True when <paramref name="location"/> names a database server rather than a file.</summary>
    public static bool IsServer(string location) =>
        location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    protected static DbCommand Command(DbConnection connection, string sql, DbTransaction? tx)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    protected static long Scalar(DbConnection connection, string sql, DbTransaction? tx = null)
    {
        using var cmd = Command(connection, sql, tx);
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    protected static void Execute(DbConnection connection, string sql, DbTransaction? tx = null)
    {
        using var cmd = Command(connection, sql, tx);
        cmd.ExecuteNonQuery();
    }

    protected static int Seconds(TimeSpan timeout) => (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, int.MaxValue);
}
