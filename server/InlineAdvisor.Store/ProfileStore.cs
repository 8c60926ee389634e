// Opens the embedded SQLite store of run profiles and turns every SQLite failure into a StoreException.
using InlineAdvisor.Core;
using Microsoft.Data.Sqlite;

namespace InlineAdvisor.Store;

/// <summary>
/// The profile store: one SQLite file (WAL, foreign keys on, versioned schema) holding immutable
/// runs and immutable A/B experiments. One instance is one connection: not thread-safe; open one per
/// thread or process.
/// Every failure surfaces as a <see cref="StoreException"/>; a file that is not a store, is
/// corrupt or comes from a newer version is never modified.
/// </summary>
public sealed partial class ProfileStore : IDisposable
{
    public static readonly TimeSpan DefaultBusyTimeout = TimeSpan.FromSeconds(5);

    private readonly SqliteConnection _connection;
    private readonly TimeSpan _busyTimeout;
    private SqliteTransaction? _transaction;

    private ProfileStore(string path, SqliteConnection connection, TimeSpan busyTimeout)
    {
        Path = path;
        _connection = connection;
        _busyTimeout = busyTimeout;
    }

    /// <summary>The full path of the store file.</summary>
    public string Path { get; }

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
    /// <param name="busyTimeout">How long to wait for another process's lock; rounded up to whole seconds (at least 1),
    /// because Microsoft.Data.Sqlite retries busy commands in whole seconds.</param>
    public static ProfileStore Open(string path, TimeSpan busyTimeout) => Open(path, busyTimeout, Schema.Latest);

    /// <summary>Tests only: opens the store migrating it no further than <paramref name="schemaVersion"/>,
    /// to make a store exactly as an older build did (e.g. version 1 before experiments existed).</summary>
    internal static ProfileStore Open(string path, TimeSpan busyTimeout, int schemaVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        // A URI is never a file name here: taken as one, `postgresql://host/db` became a SQLite file in a new folder
        // named `postgresql:`. Only the embedded SQLite store exists in this build.
        if (System.Text.RegularExpressions.Regex.Match(path, "^([A-Za-z][A-Za-z0-9+.-]*)://") is { Success: true } uri)
            throw new StoreException(path, $"'{path}': no store backend for '{uri.Groups[1].Value}://' in this build; a store is a SQLite file path (e.g. .inline-advisor/advisor.db).");
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new StoreException(full, $"'{full}' is a folder; give the path of a store file (e.g. .inline-advisor/advisor.db).");
        CreateFolder(full);

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,                      // Dispose really closes the file
            DefaultTimeout = TimeoutSeconds(busyTimeout),
        }.ToString());
        var store = new ProfileStore(full, connection, busyTimeout);
        try
        {
            connection.Open();
            store.Execute($"PRAGMA busy_timeout = {TimeoutSeconds(busyTimeout) * 1000}");
            store.Execute("PRAGMA foreign_keys = ON");

            // Look before writing anything: a foreign, corrupt or newer file stays untouched.
            var state = Schema.Inspect(connection);
            if (!state.IsEmpty && !state.IsOurs)
                throw NotAStore(full);
            if (state.Version > Schema.Latest)
                throw new StoreException(full,
                    $"'{full}' was written by a newer InlineAdvisor (schema version {state.Version}; this one reads up to {Schema.Latest}); " +
                    "it was left untouched: upgrade InlineAdvisor or choose another store path.");

            store.Execute("PRAGMA journal_mode = WAL");
            Schema.Migrate(connection, schemaVersion);
            store._schemaVersion = schemaVersion;
            return store;
        }
        catch (SqliteException e)
        {
            store.Dispose();
            throw store.Translate(e);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _transaction?.Dispose();
        _transaction = null;
        _connection.Dispose();
    }

    private static void CreateFolder(string full)
    {
        var folder = System.IO.Path.GetDirectoryName(full);
        if (string.IsNullOrEmpty(folder)) return;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(full,
                $"Cannot create the folder '{folder}' for the store '{full}' ({e.Message}); choose a writable location.", e);
        }
    }

    private static int TimeoutSeconds(TimeSpan timeout) => (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, int.MaxValue);

    private static StoreException NotAStore(string path, Exception? inner = null) =>
        new(path, $"'{path}' is not an InlineAdvisor store or is corrupt; it was left untouched: move it aside or choose another store path.", inner);

    /// <summary>One sentence per kind of SQLite failure, each saying what the user can do.</summary>
    private StoreException Translate(SqliteException e) => e.SqliteErrorCode switch
    {
        11 or 26 or 24 => NotAStore(Path, e),                                   // CORRUPT, NOTADB, FORMAT
        5 or 6 => new StoreException(Path,                                      // BUSY, LOCKED
            $"'{Path}' is locked by another process (waited {TimeoutSeconds(_busyTimeout)} s); retry when the other InlineAdvisor command has finished.", e),
        8 or 3 or 23 => new StoreException(Path,                                // READONLY, PERM, AUTH
            $"'{Path}' cannot be written (the file or its folder is read-only); fix the permissions or choose another store path.", e),
        14 => new StoreException(Path,                                          // CANTOPEN
            $"'{Path}' cannot be opened or created (the folder is read-only or not accessible); choose a writable location.", e),
        13 => new StoreException(Path, $"The disk holding '{Path}' is full; free some space and retry.", e),
        10 => new StoreException(Path, $"Reading or writing '{Path}' failed with an I/O error ({e.Message}); check the disk and retry.", e),
        _ => new StoreException(Path, $"The store '{Path}' failed: {e.Message}", e),
    };

    /// <summary>Runs one store operation, translating SQLite failures.</summary>
    private T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (SqliteException e)
        {
            throw Translate(e);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or System.Text.Json.JsonException)
        {
            throw NotAStore(Path, e);   // a value of the wrong kind: the file was damaged or written by something else
        }
    }

    /// <summary>Runs <paramref name="body"/> in one transaction: IMMEDIATE for writes, a snapshot for reads.</summary>
    private T InTransaction<T>(bool write, Func<T> body) => Guard(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: !write);
        _transaction = tx;
        try
        {
            var result = body();
            tx.Commit();
            return result;
        }
        finally
        {
            _transaction = null;
        }
    });

    private SqliteCommand Command(string sql)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _transaction;
        return cmd;
    }

    private void Execute(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }
}
