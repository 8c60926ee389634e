// The embedded backend: one SQLite file (WAL, foreign keys on), the version in PRAGMA user_version, marked by PRAGMA application_id.
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace InlineAdvisor.Store;

internal sealed class SqliteBackend : StoreBackend
{
    private readonly string _path;
    private readonly TimeSpan _busyTimeout;

    private SqliteBackend(string path, TimeSpan busyTimeout)
    {
        _path = path;
        _busyTimeout = busyTimeout;
    }

    public override string Location => _path;

    /// <summary>The backend for the file at <paramref name="path"/>, its folder created.</summary>
    public static SqliteBackend Create(string path, TimeSpan busyTimeout)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new StoreException(full, $"'{full}' is a folder; give the path of a store file (e.g. .inline-advisor/advisor.db).");
        var folder = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
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
        return new SqliteBackend(full, busyTimeout);
    }

    public override DbConnection Connect() => new SqliteConnection(new SqliteConnectionStringBuilder
    {
        DataSource = _path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = false,                      // Dispose really closes the file
        DefaultTimeout = Seconds(_busyTimeout),
    }.ToString());

    public override void Configure(DbConnection connection)
    {
        Execute(connection, $"PRAGMA busy_timeout = {Seconds(_busyTimeout) * 1000}");
        Execute(connection, "PRAGMA foreign_keys = ON");
    }

    public override void Prepare(DbConnection connection) => Execute(connection, "PRAGMA journal_mode = WAL");

    public override Schema.State Inspect(DbConnection connection) => new(
        (int)Scalar(connection, "PRAGMA application_id"),
        (int)Scalar(connection, "PRAGMA user_version"),
        Scalar(connection, "SELECT count(*) FROM sqlite_master"));

    public override int Version(DbConnection connection, DbTransaction? tx) => (int)Scalar(connection, "PRAGMA user_version", tx);

    // BEGIN IMMEDIATE: the file's write lock excludes every other writer, migrations included.
    public override DbTransaction BeginMigration(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

    public override string MarkVersion(int version) =>
        $"\nPRAGMA application_id = {Schema.ApplicationId};\nPRAGMA user_version = {version};";

    // IMMEDIATE for writes (the lock is taken at BEGIN, so a write never fails half-way for a lock); deferred for reads.
    public override DbTransaction Begin(DbConnection connection, bool write) => ((SqliteConnection)connection).BeginTransaction(deferred: !write);

    public override StoreException Translate(DbException e) => e is not SqliteException s ? Generic(e) : s.SqliteErrorCode switch
    {
        11 or 26 or 24 => NotAStore(e),                                          // CORRUPT, NOTADB, FORMAT
        5 or 6 => new StoreException(_path,                                      // BUSY, LOCKED
            $"'{_path}' is locked by another process (waited {Seconds(_busyTimeout)} s); retry when the other InlineAdvisor command has finished.", e),
        8 or 3 or 23 => new StoreException(_path,                                // READONLY, PERM, AUTH
            $"'{_path}' cannot be written (the file or its folder is read-only); fix the permissions or choose another store path.", e),
        14 => new StoreException(_path,                                          // CANTOPEN
            $"'{_path}' cannot be opened or created (the folder is read-only or not accessible); choose a writable location.", e),
        13 => new StoreException(_path, $"The disk holding '{_path}' is full; free some space and retry.", e),
        10 => new StoreException(_path, $"Reading or writing '{_path}' failed with an I/O error ({e.Message}); check the disk and retry.", e),
        _ => Generic(e),
    };

    private StoreException Generic(DbException e) => new(_path, $"The store '{_path}' failed: {e.Message}", e);
}
