// A real PostgreSQL server for the store tests: Debian's binaries, a cluster in a temp folder on 127.0.0.1, removed afterwards.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace InlineAdvisor.Tests.Store;

/// <summary>
/// One cluster for the whole test collection: initdb (trust authentication, superuser <c>advisor</c>) into a temp folder,
/// then pg_ctl start on a free port of 127.0.0.1 with its socket in the same folder; pg_ctl stop -m fast and the folder
/// deleted at the end. initdb and postgres refuse to run as root: as root (CI), they run as the <c>postgres</c> user that
/// Debian's package creates. Missing binaries fail the tests with a message saying what to install.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string User = "advisor";

    /// <summary>A role that must give its password over TCP (every other connects by trust), for the refusal tests.</summary>
    public const string PasswordUser = "guarded", Password = "right horse";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "ia-postgres-" + Guid.NewGuid().ToString("N"));
    private readonly string _bin;
    private readonly bool _asPostgres = Environment.UserName == "root";
    private string Data => Path.Combine(_root, "data");
    private bool _started;

    public int Port { get; }

    /// <summary>How long initdb and start took, for the report.</summary>
    public TimeSpan StartTime { get; }

    public PostgresServer()
    {
        var clock = Stopwatch.StartNew();
        _bin = FindBin() ?? throw new InvalidOperationException(
            "PostgreSQL's server binaries were not found under /usr/lib/postgresql/<version>/bin: install Debian's package " +
            "(apt-get install postgresql; .ci/run does) to run the PostgreSQL store tests.");
        Directory.CreateDirectory(_root);
        if (_asPostgres) Run("chown", "postgres:", _root);
        try
        {
            Pg("initdb", "-D", Data, "-A", "trust", "-U", User, "-E", "UTF8", "--locale=C", "--no-sync");
            // pg_hba.conf is first match: the password rule goes before initdb's trust lines.
            var hba = Path.Combine(Data, "pg_hba.conf");
            File.WriteAllText(hba, $"host all {PasswordUser} 127.0.0.1/32 scram-sha-256\n" + File.ReadAllText(hba));
            Port = FreePort();
            Pg("pg_ctl", "-D", Data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
                "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");
            _started = true;
            using var c = Admin();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"CREATE ROLE {PasswordUser} LOGIN PASSWORD '{Password}'";
            cmd.ExecuteNonQuery();
        }
        catch
        {
            Dispose();
            throw;
        }
        StartTime = clock.Elapsed;
    }

    /// <summary>A new empty database, as a store URI (no password: trust authentication).</summary>
    public string NewDatabase()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..16];
        using var c = Admin();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"CREATE DATABASE {name}";
        cmd.ExecuteNonQuery();
        return $"postgresql://{User}@127.0.0.1:{Port}/{name}";
    }

    /// <summary>A plain connection to the database of a store URI, outside the store.</summary>
    public NpgsqlConnection Raw(string uri)
    {
        var c = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username={User};Database={new Uri(uri).AbsolutePath.Trim('/')};Pooling=false");
        c.Open();
        return c;
    }

    private NpgsqlConnection Admin() => Raw($"postgresql://{User}@127.0.0.1:{Port}/postgres");

    /// <summary>A port of 127.0.0.1 nothing listens on (just released by the OS).</summary>
    public static int ClosedPort() => FreePort();

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")) && int.TryParse(Path.GetFileName(d), out _))
                .OrderByDescending(d => int.Parse(Path.GetFileName(d)))
                .Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault()
            : null;

    /// <summary>Runs a PostgreSQL binary, as the postgres user when we are root.</summary>
    private void Pg(string tool, params string[] args)
    {
        var exe = Path.Combine(_bin, tool);
        if (_asPostgres) Run("runuser", ["-u", "postgres", "--", exe, .. args]);
        else Run(exe, args);
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 120 s");
        }
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        if (_started)
        {
            try { Pg("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop"); } catch (Exception) { }
            _started = false;
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Every test class that needs the server joins this collection: one cluster, started once.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
