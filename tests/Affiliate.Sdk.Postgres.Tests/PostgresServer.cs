using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Affiliate.Sdk.Postgres.Tests;

/// <summary>
/// A real PostgreSQL server for the tests: Debian's binaries (<c>initdb</c>, <c>pg_ctl</c>, found on PATH or under
/// /usr/lib/postgresql/&lt;version&gt;/bin) run on a temporary data directory on a free loopback port, as the
/// <c>postgres</c> user when the tests run as root (PostgreSQL refuses to run as root). A missing server fails the tests
/// with what to install; it is never skipped.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "affiliate-postgres-tests", Guid.NewGuid().ToString("N"));
    private string _binaries = string.Empty;
    private string? _runAs;

    public string ConnectionString { get; private set; } = string.Empty;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    private string DataDirectory => Path.Combine(_root, "data");

    public async Task InitializeAsync()
    {
        _binaries = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/<version>/bin. "
            + "Install Debian's 'postgresql' package (scripts/test.sh does it on a fresh machine).");
        _runAs = string.Equals(Environment.UserName, "root", StringComparison.Ordinal) ? "postgres" : null;

        Directory.CreateDirectory(_root);
        if (_runAs is not null && !OperatingSystem.IsWindows())
        {
            // The server's user must own its data directory and reach it through the parent folders.
            File.SetUnixFileMode(Path.GetDirectoryName(_root)!, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
            await RunAsync("chown", [_runAs, _root], asServerUser: false);
        }

        var port = FreePort();
        await RunAsync(Path.Combine(_binaries, "initdb"), ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], asServerUser: true);
        var serverOptions = string.Create(CultureInfo.InvariantCulture, $"-p {port} -h 127.0.0.1 -k '' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100");
        await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-o", serverOptions, "-w", "-t", "120", "start"], asServerUser: true);

        ConnectionString = string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=40");
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        await WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }

        if (Directory.Exists(DataDirectory))
        {
            await RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"], asServerUser: true, check: false);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A fresh schema name, so tests sharing the server never see each other's tables.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = await DataSource.OpenConnectionAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static string? FindBinaries()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                // Debian links only some tools into PATH; use the real folder so pg_ctl finds postgres beside it.
                var real = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                return Path.GetDirectoryName(real);
            }
        }

        const string Debian = "/usr/lib/postgresql";
        if (!Directory.Exists(Debian))
        {
            return null;
        }

        return Directory.GetDirectories(Debian)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")) && File.Exists(Path.Combine(d.Dir, "pg_ctl")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Dir)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task RunAsync(string file, string[] arguments, bool asServerUser, bool check = true)
    {
        var start = new ProcessStartInfo
        {
            FileName = asServerUser && _runAs is not null ? "runuser" : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _root,
        };
        if (asServerUser && _runAs is not null)
        {
            foreach (var a in new[] { "-u", _runAs, "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (check && process.ExitCode != 0)
        {
            var log = Path.Combine(_root, "server.log");
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stdout} {await stderr} "
                + (File.Exists(log) ? await File.ReadAllTextAsync(log) : string.Empty));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
