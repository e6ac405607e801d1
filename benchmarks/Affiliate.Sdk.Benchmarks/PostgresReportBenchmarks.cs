using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Affiliate.Sdk.Lake.Parquet;
using Affiliate.Sdk.Lake.Parquet.Medallion;
using Affiliate.Sdk.Medallion;
using Affiliate.Sdk.Postgres;
using Affiliate.Sdk.Reports;
using BenchmarkDotNet.Attributes;
using Npgsql;

namespace Affiliate.Sdk.Benchmarks;

/// <summary>
/// Report latency on PostgreSQL over daily gold of 30 days × 1,000 affiliates × 200 offers (6M rows), loaded by
/// <see cref="PostgresGoldLoader"/> from gold Parquet (the load's rows/s is printed once). Target: p50 ≤ 50 ms (Median).
/// The server is a temporary one started from the machine's PostgreSQL binaries, or the one in BENCH_POSTGRES.
/// Run: dotnet run -c Release --project benchmarks/Affiliate.Sdk.Benchmarks -- --filter '*PostgresReport*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PostgresReportBenchmarks
{
    private static readonly ReportQuery Total = new() { From = new(2026, 10, 1), To = new(2026, 10, 30), Grain = ReportGrain.Total };

    private static readonly ReportQuery TopAffiliates = Total with
    {
        GroupBy = [ReportDimension.Affiliate], OrderBy = [new ReportSort("revenue", Descending: true)], Limit = 100,
    };

    private static readonly ReportQuery PerOffer = Total with { GroupBy = [ReportDimension.Offer] };

    private static readonly ReportQuery OneAffiliateByOffer = Total with
    {
        GroupBy = [ReportDimension.Offer],
        Filters = new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Affiliate] = ["aff-0042"] },
    };

    private static readonly ReportQuery OneAffiliateByDay = Total with
    {
        Grain = ReportGrain.Day,
        Filters = new Dictionary<ReportDimension, IReadOnlyList<string>> { [ReportDimension.Affiliate] = ["aff-0042"] },
    };

    private static readonly Lazy<BenchDatabase> Database = new(BenchDatabase.Create);

    private PostgresReportClient _client = null!;

    [GlobalSetup]
    public void Setup() => _client = Database.Value.Client;

    [Benchmark(Baseline = true, Description = "30-day total")]
    public int ThirtyDayTotal() => Run(Total);

    [Benchmark(Description = "30-day top 100 affiliates by revenue")]
    public int ThirtyDayTopAffiliates() => Run(TopAffiliates);

    [Benchmark(Description = "30-day per-offer breakdown (200 rows)")]
    public int ThirtyDayPerOffer() => Run(PerOffer);

    [Benchmark(Description = "one affiliate, 30 days by offer")]
    public int OneAffiliateThirtyDaysByOffer() => Run(OneAffiliateByOffer);

    [Benchmark(Description = "one affiliate, 30 days by day")]
    public int OneAffiliateThirtyDaysByDay() => Run(OneAffiliateByDay);

    private int Run(ReportQuery query) => _client.QueryAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult().Rows.Count;

    /// <summary>One server and one load per process, shared by every benchmark case.</summary>
    private sealed class BenchDatabase
    {
        private BenchDatabase(PostgresReportClient client) => Client = client;

        public PostgresReportClient Client { get; }

        public static BenchDatabase Create()
        {
            var affiliates = int.TryParse(Environment.GetEnvironmentVariable("BENCH_AFFILIATES"), CultureInfo.InvariantCulture, out var a) ? a : 1_000;
            var connectionString = Environment.GetEnvironmentVariable("BENCH_POSTGRES") ?? TemporaryServer.Start();
            var lakeRoot = Path.Combine(Path.GetTempPath(), "affiliate-postgres-bench", "lake-" + affiliates.ToString(CultureInfo.InvariantCulture));
            var store = new LocalDiskBlobStore(lakeRoot);
            if (!Directory.Exists(Path.Combine(lakeRoot, "gold")))
            {
                WriteGoldAsync(store, affiliates).GetAwaiter().GetResult();
            }

            var dataSource = NpgsqlDataSource.Create(connectionString);
            var options = Microsoft.Extensions.Options.Options.Create(new PostgresReportsOptions
            {
                ConnectionString = connectionString, Schema = "bench_" + Guid.NewGuid().ToString("N")[..8], CommandTimeoutSeconds = 0,
            });
            var loader = new PostgresGoldLoader(dataSource, store, options);
            loader.EnsureSchemaAsync(CancellationToken.None).GetAwaiter().GetResult();
            var started = Stopwatch.GetTimestamp();
            var result = loader.LoadChangedAsync(CancellationToken.None).GetAwaiter().GetResult();
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Console.WriteLine($"// gold load: {result.RowsLoaded:N0} rows in {result.PartitionsLoaded} partitions, {seconds:F1} s = {result.RowsLoaded / seconds:N0} rows/s (read Parquet, binary COPY, replace, roll-ups, ANALYZE; one transaction)");
            return new BenchDatabase(new PostgresReportClient(dataSource, options));
        }

        /// <summary>Daily gold: every affiliate × offer on each of 30 days, a few countries, realistic counts and money.</summary>
        private static async Task WriteGoldAsync(LocalDiskBlobStore store, int affiliates)
        {
            string[] countries = ["US", "DE", "IN", "BR", null!];
            for (var day = 0; day < 30; day++)
            {
                var date = new DateOnly(2026, 10, 1).AddDays(day);
                var period = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                var random = new Random(day);
                var rows = new List<KeyValuePair<GoldKey, GoldMetrics>>(affiliates * 200);
                for (var affiliate = 0; affiliate < affiliates; affiliate++)
                {
                    for (var offer = 0; offer < 200; offer++)
                    {
                        var clicks = random.Next(0, 200);
                        var conversions = random.Next(0, 1 + clicks / 20);
                        var key = new GoldKey(
                            period, string.Create(CultureInfo.InvariantCulture, $"aff-{affiliate:D4}"), string.Create(CultureInfo.InvariantCulture, $"offer-{offer:D3}"),
                            null, null, null, null, null, null, countries[(affiliate + offer) % countries.Length]);
                        rows.Add(new(key, new GoldMetrics(clicks * 10, clicks, clicks * 9 / 10, clicks / 20, conversions, conversions / 3, conversions / 5, conversions * 12.5m, conversions * 9.375m)));
                    }
                }

                var upload = await store.StartUploadAsync(GoldParquet.PartitionPrefix(GoldGrain.Day, date) + "part-bench.parquet", CancellationToken.None);
                await using (upload)
                {
                    await GoldParquet.WriteAsync(upload.Content, rows, 122_880, "gold_daily/1", CancellationToken.None);
                    await upload.CommitAsync(CancellationToken.None);
                }
            }
        }
    }

    /// <summary>
    /// A throw-away server on a free loopback port (initdb + pg_ctl; as the postgres user when running as root), stopped
    /// when the process exits.
    /// </summary>
    private static class TemporaryServer
    {
        public static string Start()
        {
            var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Max()
                ?? throw new InvalidOperationException("No PostgreSQL binaries under /usr/lib/postgresql; install the postgresql package or set BENCH_POSTGRES.");
            var root = Path.Combine(Path.GetTempPath(), "affiliate-postgres-bench", "server-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(root);
            var runAs = string.Equals(Environment.UserName, "root", StringComparison.Ordinal) ? "postgres" : null;
            if (runAs is not null)
            {
                Run("chown", runAs, root);
            }

            var data = Path.Combine(root, "data");
            var port = FreePort();
            RunAs(runAs, Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
            RunAs(runAs, Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "120", "-o",
                string.Create(CultureInfo.InvariantCulture, $"-p {port} -h 127.0.0.1 -k '' -c shared_buffers=1GB -c max_wal_size=4GB -c maintenance_work_mem=256MB -c work_mem=64MB"), "start");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAs(runAs, Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop");
            return string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres");
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static void Run(string file, params string[] arguments) => RunAs(null, file, arguments);

        private static void RunAs(string? runAs, string file, params string[] arguments)
        {
            var start = new ProcessStartInfo(runAs is null ? file : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (runAs is not null)
            {
                foreach (var a in new[] { "-u", runAs, "--", file })
                {
                    start.ArgumentList.Add(a);
                }
            }

            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} failed: {error.Result}");
            }
        }
    }
}
