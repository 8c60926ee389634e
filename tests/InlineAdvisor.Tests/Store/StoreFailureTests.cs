// Store failures on real files: each gives a StoreException naming the file, and the file is never changed.
using System.Diagnostics;
using InlineAdvisor.Store;
using Xunit;
using static InlineAdvisor.Tests.Store.StoreTestSupport;

namespace InlineAdvisor.Tests.Store;

public sealed class StoreFailureTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string RealStore(int runs = 3)
    {
        var path = _temp.File("advisor.db");
        using var store = ProfileStore.Open(path);
        for (var i = 0; i < runs; i++) store.SaveRun(Realistic());
        return path;
    }

    /// <summary>Opening (and using) the store fails with a StoreException; the file's bytes are unchanged.</summary>
    private static StoreException AssertRefusedUntouched(string path)
    {
        var before = File.ReadAllBytes(path);
        var e = Assert.Throws<StoreException>(() =>
        {
            using var store = ProfileStore.Open(path, TimeSpan.FromMilliseconds(200));
            store.ListRuns();
        });
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.Path);
        return e;
    }

    [Fact]
    public void Newer_schema_is_refused_and_left_untouched()
    {
        var path = RealStore();
        using (var raw = Raw(path))
            Scalar(raw, $"PRAGMA user_version = {ProfileStore.SchemaVersion + 1}");

        var e = AssertRefusedUntouched(path);

        Assert.Contains("newer InlineAdvisor", e.Message);
        Assert.Contains("left untouched", e.Message);
        using var check = Raw(path);
        Assert.Equal((long)ProfileStore.SchemaVersion + 1, Scalar(check, "PRAGMA user_version"));
    }

    [Theory]
    [InlineData(8192)]
    [InlineData(10)]
    public void Random_bytes_are_not_a_store_and_stay_identical(int length)
    {
        var path = _temp.File("advisor.db");
        var bytes = new byte[length];
        new Random(1234).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        var e = AssertRefusedUntouched(path);

        Assert.Contains("is not an InlineAdvisor store or is corrupt; it was left untouched", e.Message);
        Assert.Equal(["advisor.db"], Directory.GetFiles(_temp.Root).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Truncated_store_is_refused_and_stays_identical(double keep)
    {
        var path = RealStore(runs: 20);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 16 * 4096, $"store too small to truncate meaningfully: {bytes.Length}");
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);

        var e = AssertRefusedUntouched(path);

        Assert.Contains("is not an InlineAdvisor store or is corrupt", e.Message);
    }

    [Fact]
    public void Another_programs_sqlite_database_is_not_modified()
    {
        var path = _temp.File("other.db");
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            Scalar(raw, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('x')");
        }

        var e = AssertRefusedUntouched(path);

        Assert.Contains("is not an InlineAdvisor store", e.Message);
    }

    [Fact]
    public void Writer_holding_the_lock_makes_save_fail_after_the_timeout()
    {
        var path = RealStore(runs: 1);
        using var store = ProfileStore.Open(path, TimeSpan.FromMilliseconds(200));
        using var other = Raw(path);
        Scalar(other, "BEGIN EXCLUSIVE");   // under WAL: holds the write lock, readers go on
        Scalar(other, "INSERT INTO methods (assembly, type, name, signature) VALUES ('o', 'O', 'o', '()')");

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<StoreException>(() => store.SaveRun(Realistic()));
        clock.Stop();

        Assert.Contains("locked by another process", e.Message);
        Assert.Contains(path, e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.15, 4.5);   // honours the short timeout, not the 5 s default
        Assert.Single(store.ListRuns());                          // readers still read under WAL

        Scalar(other, "ROLLBACK");
        store.SaveRun(Realistic());                               // lock released: writing works again
        Assert.Equal(2, store.ListRuns().Count);
    }

    [Fact]
    public void Exclusive_lock_on_the_file_makes_open_fail_after_the_timeout()
    {
        var path = RealStore(runs: 1);
        var before = File.ReadAllBytes(path);
        using (var other = Raw(path))
        {
            Scalar(other, "PRAGMA locking_mode = EXCLUSIVE");
            Scalar(other, "BEGIN EXCLUSIVE");
            Scalar(other, "SELECT count(*) FROM runs");

            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<StoreException>(() => ProfileStore.Open(path, TimeSpan.FromMilliseconds(200)).Dispose());
            clock.Stop();

            Assert.Contains("locked by another process", e.Message);
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.15, 4.5);
            Scalar(other, "ROLLBACK");
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        using var store = ProfileStore.Open(path);
        Assert.Single(store.ListRuns());
    }

    [Fact]
    public void Read_only_location_is_reported()
    {
        if (!Directory.Exists("/proc/self")) return;   // Linux only: /proc refuses new files even for root
        var e = Assert.Throws<StoreException>(() => ProfileStore.Open("/proc/advisor.db").Dispose());
        Assert.Contains("/proc/advisor.db", e.Message);
        Assert.Contains("read-only", e.Message);

        var nested = Assert.Throws<StoreException>(() => ProfileStore.Open("/proc/inline-advisor/advisor.db").Dispose());
        Assert.Contains("writable location", nested.Message);
    }

    [Fact]
    public void A_folder_is_not_a_store()
    {
        var e = Assert.Throws<StoreException>(() => ProfileStore.Open(_temp.Root).Dispose());
        Assert.Contains("is a folder", e.Message);
    }
}
