// Opens the profile store on its backend (a SQLite file or a PostgreSQL database) and turns every failure into a StoreException.
using System.Data.Common;
using InlineAdvisor.Core;

namespace InlineAdvisor.Store;

/// <summary>
/// The profile store: immutable runs, A/B experiments and screens in a versioned schema, either one SQLite file
/// (WAL, foreign keys on) or a PostgreSQL database a team shares (a postgresql:// URI). Every query is the same on
/// both; <see cref="StoreBackend"/> holds the few differences. One instance is one connection: not thread-safe; open
/// one per thread or process. Every failure surfaces as a <see cref="StoreException"/>; a store that is not ours, is
/// corrupt or comes from a newer version is never modified.
/// </summary>
public sealed partial class ProfileStore : IDisposable
{
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    private readonly StoreBackend _backend;
    private readonly DbConnection _connection;
    private DbTransaction? _transaction;

    private ProfileStore(StoreBackend backend, DbConnection connection)
    {
        _backend = backend;
        _connection = connection;
    }

    /// <summary>The full path of the store file, or the PostgreSQL URI without its password.</summary>
    public string Path => _backend.Location;

    /// <summary>The schema version this build writes (and the version of every store it has opened).</summary>
    public static int SchemaVersion => Schema.Latest;

    /// <summary>The schema this store was opened at: the latest, except where a test makes a store as an older build did
    /// (then the tables of later versions are neither written nor read).</summary>
    private int _schemaVersion = Schema.Latest;

    /// <summary>Where the store is unless told otherwise: relative to the current directory (the CLI) or the workspace root (the editor).</summary>
    public const string DefaultPath = ".inline-advisor/advisor.db";

    /// <summary>Opens or creates the store at <paramref name="path"/>, waiting up to 5 s for a lock.</summary>
    public static ProfileStore Open(string path) => Open(path, DefaultBusyTimeout);

    /// <summary>Opens or creates the store, creating its folder; migrates an older schema.</summary>
    /// <param name="busyTimeout">SQLite: how long to wait for another process's lock; PostgreSQL: how long to wait for the
    /// server to answer a connection. Rounded up to whole seconds (at least 1): Microsoft.Data.Sqlite retries busy commands
    /// and Npgsql times connections in whole seconds.</param>
    public static ProfileStore Open(string path, TimeSpan busyTimeout) => Open(path, busyTimeout, Schema.Latest);

    /// <summary>Tests only: opens the store migrating it no further than <paramref name="schemaVersion"/>,
    /// to make a store exactly as an older build did (e.g. version 1 before experiments existed).</summary>
    internal static ProfileStore Open(string path, TimeSpan busyTimeout, int schemaVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var backend = StoreBackend.For(path, busyTimeout);
        var store = new ProfileStore(backend, backend.Connect());
        try
        {
            store._connection.Open();
            backend.Configure(store._connection);

            // Look before writing anything: a foreign, corrupt or newer store stays untouched.
            var state = backend.Inspect(store._connection);
            if (!state.IsEmpty && !state.IsOurs)
                throw backend.NotAStore();
            if (state.Version > Schema.Latest)
                throw new StoreException(store.Path,
                    $"'{store.Path}' was written by a newer InlineAdvisor (schema version {state.Version}; this one reads up to {Schema.Latest}); " +
                    "it was left untouched: upgrade InlineAdvisor or choose another store path.");

            backend.Prepare(store._connection);
            Schema.Migrate(backend, store._connection, schemaVersion);
            store._schemaVersion = schemaVersion;
            return store;
        }
        catch (DbException e)
        {
            store.Dispose();
            throw backend.Translate(e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>True when <paramref name="location"/> names a database server (a postgresql:// URI), not a file: such a
    /// store always "exists" (its database is made by an administrator, its tables on first open).</summary>
    public static bool IsServer(string location) => StoreBackend.IsServer(location);

    /// <summary>The store to use when none is given: <c>INLINE_ADVISOR_STORE</c> if set, else <paramref name="fallback"/>.</summary>
    public static string DefaultLocation(string fallback = DefaultPath) =>
        Environment.GetEnvironmentVariable(StoreBackend.EnvironmentVariable) is { Length: > 0 } location ? location : fallback;

    /// <summary>A store location as it may be shown: a URI without its password, a path as it is.</summary>
    public static string Display(string location) => IsServer(location) ? PostgresBackend.Redact(location) : location;

    /// <summary>True for a server store, else when the file exists: what the editor checks before opening, so that it
    /// never creates a store file.</summary>
    public static bool Exists(string location) => IsServer(location) || File.Exists(location);

    /// <summary>The environment variable naming the default store.</summary>
    public const string EnvironmentVariable = StoreBackend.EnvironmentVariable;

    public void Dispose()
    {
        _transaction?.Dispose();
        _transaction = null;
        _connection.Dispose();
    }

    private StoreException NotAStore(Exception? inner = null) => _backend.NotAStore(inner);

    /// <summary>Runs one store operation, translating the backend's failures.</summary>
    private T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (DbException e)
        {
            throw _backend.Translate(e);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or System.Text.Json.JsonException)
        {
            throw NotAStore(e);   // a value of the wrong kind: the file was damaged or written by something else
        }
    }

    /// <summary>Runs <paramref name="body"/> in one transaction (see <see cref="StoreBackend.Begin"/>), again from the
    /// start when the backend aborted it for a transient reason (two writers' deadlock): the body builds all its state.</summary>
    private T InTransaction<T>(bool write, Func<T> body) => Guard(() =>
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var tx = _backend.Begin(_connection, write);
                _transaction = tx;
                var result = body();
                tx.Commit();
                return result;
            }
            catch (DbException e) when (attempt < 3 && _backend.IsTransient(e))
            {
            }
            finally
            {
                _transaction = null;
            }
        }
    });

    private DbCommand Command(string sql)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _transaction;
        return cmd;
    }
}
